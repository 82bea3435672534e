using Mediator.Control;
using Mediator.Nic;

namespace Mediator.Client.Unsafe;

/// <summary>
/// What an 82599 driver checks before it takes a queue pair over (ixgbe's probe, reduced to one queue):
/// link up in STATUS, the ring base and length registers (TDBAL/TDBAH/TDLEN, RDBAL/RDBAH/RDLEN) naming
/// the rings it was given, both queues enabled in TXDCTL/RXDCTL, and head = tail = 0 (a fresh queue).
/// </summary>
internal static class IxgbeProbe
{
    private const uint StatusLinkUp = 1u << 1;

    /// <summary>Throws <see cref="MediatorException"/> when the queue pair is not what the broker announced.</summary>
    public static void Check(DirectQueue q)
    {
        int n = q.DeviceQueue;
        Expect(q, "STATUS.LU", q.ReadRegister(Registers.STATUS) & StatusLinkUp, StatusLinkUp);
        Expect(q, "TDBAL/TDBAH", q.ReadRegister(Registers.TDBAL(n)) | ((ulong)q.ReadRegister(Registers.TDBAH(n)) << 32), q.TxRingBusAddress);
        Expect(q, "TDLEN", q.ReadRegister(Registers.TDLEN(n)), q.TxRingSize * TxDescriptor.Size);
        Expect(q, "RDBAL/RDBAH", q.ReadRegister(Registers.RDBAL(n)) | ((ulong)q.ReadRegister(Registers.RDBAH(n)) << 32), q.RxRingBusAddress);
        Expect(q, "RDLEN", q.ReadRegister(Registers.RDLEN(n)), q.RxRingSize * RxDescriptor.Size);
        Expect(q, "TXDCTL.ENABLE", q.ReadRegister(Registers.TXDCTL(n)) & Registers.QueueEnable, Registers.QueueEnable);
        Expect(q, "RXDCTL.ENABLE", q.ReadRegister(Registers.RXDCTL(n)) & Registers.QueueEnable, Registers.QueueEnable);
        Expect(q, "TDH", q.ReadRegister(Registers.TDH(n)), 0u);
        Expect(q, "TDT", q.ReadRegister(Registers.TDT(n)), 0u);
        Expect(q, "RDT", q.ReadRegister(Registers.RDT(n)), 0u);
    }

    private static void Expect(DirectQueue q, string what, ulong actual, ulong expected)
    {
        if (actual != expected)
        {
            throw new MediatorException(ErrorCode.Malformed, MessageType.MapDevice,
                $"device queue {q.DeviceQueue}: {what} is 0x{actual:x}, expected 0x{expected:x}", fromBroker: false);
        }
    }
}
