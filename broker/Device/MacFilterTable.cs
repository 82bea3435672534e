using System.Buffers.Binary;
using Mediator.Nic;

namespace Mediator.Broker.Device;

/// <summary>
/// The port's destination-MAC steering, latched from RAL/RAH once per step so that per-frame lookup
/// scans only valid filters instead of 128 registers. A MAC is packed as a ulong: byte 0 of the
/// address in bits 7:0 ... byte 5 in bits 47:40, which is exactly RAL | (RAH[15:0] &lt;&lt; 32).
/// </summary>
internal sealed class MacFilterTable
{
    /// <summary>ff:ff:ff:ff:ff:ff packed.</summary>
    public const ulong Broadcast = 0xFFFF_FFFF_FFFF;

    private readonly ulong[] _macs = new ulong[Registers.MaxAddressFilters];
    private readonly int[] _queues = new int[Registers.MaxAddressFilters];
    private int _count;

    /// <summary>Bit q set: some valid filter steers to queue q (q &lt; 64). Broadcasts go to each of them.</summary>
    public ulong FilteredQueues { get; private set; }

    /// <summary>Re-reads the filters from BAR0 (256 register loads at most; acquire, pairing with the driver's stores).</summary>
    public void Refresh(MmioRegion bar)
    {
        int n = 0;
        ulong queues = 0;
        for (int i = 0; i < Registers.MaxAddressFilters; i++)
        {
            uint rah = bar.Read(Registers.RAH(i));
            if ((rah & Registers.RahAddressValid) == 0)
            {
                continue;
            }
            _macs[n] = bar.Read(Registers.RAL(i)) | ((ulong)(rah & 0xFFFF) << 32);
            int q = (int)((rah >> Registers.RahQueueShift) & 0x7F);
            _queues[n] = q;
            if (q < 64)
            {
                queues |= 1UL << q;
            }
            n++;
        }
        _count = n;
        FilteredQueues = queues;
    }

    /// <summary>The packed destination MAC of <paramref name="frame"/> (at least 6 bytes).</summary>
    public static ulong DestinationOf(ReadOnlySpan<byte> frame) =>
        BinaryPrimitives.ReadUInt32LittleEndian(frame) | ((ulong)BinaryPrimitives.ReadUInt16LittleEndian(frame[4..]) << 32);

    /// <summary>The queue the first matching filter names, or -1.</summary>
    public int Lookup(ulong mac)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_macs[i] == mac)
            {
                return _queues[i];
            }
        }
        return -1;
    }
}
