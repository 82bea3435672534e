using Mediator.Control;
using Mediator.Eval.Attacks;

namespace Mediator.Eval.Modes;

/// <summary>
/// Mediated mode: the only way to name memory is an offset into the attacker's own UMEM, in a TX request
/// (device read) or a fill entry (device write). A foreign bus address becomes the offset that would
/// reach it (wrapping arithmetic), so the broker must refuse it. Registers and MSI-X are not reachable
/// at all: the attacker checks that none of its descriptors maps device memory and records the refusal.
/// </summary>
internal sealed class MediatedDevice : IHostileDevice
{
    private readonly RawQueue _queue;
    private readonly AttackContext _context;

    public MediatedDevice(RawQueue queue, AttackContext context, ulong umemBus)
    {
        _queue = queue;
        _context = context;
        UmemBus = umemBus;
    }

    public EvalMode Mode => EvalMode.Mediated;

    public ulong UmemBus { get; }

    public PrimitiveResult DeviceRead(ulong bus, uint length, int count = 1)
    {
        ulong offset = bus - UmemBus; // wraps for addresses below the UMEM: still just a number to the broker
        var g = _queue.Geometry;
        var status = AbiRules.Tx(offset, length, 0, _queue.UmemSize, g.FrameSize, _queue.Client.MaxFrameLength);
        var requests = new Abi.TxRequest[count];
        Array.Fill(requests, new Abi.TxRequest { Offset = offset, Length = length });
        long before = _queue.Completions;
        int posted = _queue.PostTx(requests, Environment.TickCount64 + 2000);
        if (status != Abi.RequestStatus.Ok)
        {
            _context.Expect(AbiRules.CounterOf(status), posted);
        }
        else
        {
            _context.ExpectBetween(Control.QueueCounter.RefusedFrameNotOwned, 0, Math.Max(0, posted - 1)); // the same frame again while it is in flight
        }
        _queue.WaitCompletions(before + posted, TimeSpan.FromSeconds(2));
        return new PrimitiveResult(posted, $"TX request offset 0x{offset:x} length {length}: rule says {status}");
    }

    public PrimitiveResult DeviceWrite(ulong bus, int count = 1)
    {
        ulong offset = bus - UmemBus;
        var status = AbiRules.Fill(offset, _queue.UmemSize, _queue.Geometry.FrameSize);
        var offsets = new ulong[count];
        Array.Fill(offsets, offset);
        long rxBefore = _queue.RxByStatus.Sum();
        int posted = _queue.PostFill(offsets);
        if (status != Abi.RequestStatus.Ok)
        {
            _context.Expect(AbiRules.CounterOf(status), posted);
            _queue.WaitRx(rxBefore + posted, TimeSpan.FromSeconds(2)); // refused fill entries come back on RX
        }
        else
        {
            _context.ExpectBetween(Control.QueueCounter.RefusedFrameNotOwned, 0, Math.Max(0, posted - 1)); // the same frame lent twice
        }
        // Send frames to ourselves: an armed buffer at that address would now be written by the device.
        _queue.WriteFrame(0, 64);
        _context.ExpectBetween(Control.QueueCounter.RefusedFrameNotOwned, 0, 1);
        _queue.PostTx(0, 64);
        return new PrimitiveResult(posted, $"fill entry offset 0x{offset:x}: rule says {status}");
    }

    public PrimitiveResult ProgramMsix(int vector, ulong address, uint data) => NoDeviceMemory("MSI-X table");

    public PrimitiveResult WriteRegister(int offset, uint value) => NoDeviceMemory($"BAR0 register 0x{offset:x5}");

    private PrimitiveResult NoDeviceMemory(string what)
    {
        // The attacker looks for any way in: every descriptor the broker gave it, by what it is.
        var names = new List<string>();
        foreach (var fd in _queue.Fds)
        {
            string target = ReadLink($"/proc/self/fd/{fd.Fd}");
            names.Add(target);
            if (target.Contains("bar", StringComparison.OrdinalIgnoreCase) || target.Contains("msix", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"the broker handed a Mediated client device memory: {target}");
            }
        }
        _context.Note($"{what}: refused by construction, no mapping of device memory among the {names.Count} descriptors ({string.Join(", ", names.Select(Short))})");
        return new PrimitiveResult(0, $"{what} unreachable in Mediated mode");
    }

    private static string Short(string link) => link.Replace("/memfd:", "", StringComparison.Ordinal).Replace(" (deleted)", "", StringComparison.Ordinal);

    private static string ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget ?? "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
