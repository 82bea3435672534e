using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using Mediator.Policies;
using Mediator.Rings;

namespace Mediator.Tests.Policies;

/// <summary>Captures every frame a port transmits (tests only; allocates per frame).</summary>
internal sealed class CaptureWire : Wire
{
    public List<byte[]> Frames { get; } = [];

    public override void Transmit(NicPort from, FrameBatch frames)
    {
        for (int i = 0; i < frames.Count; i++)
        {
            Frames.Add(frames[i].ToArray());
        }
    }
}

/// <summary>
/// One queue session built by <see cref="QueueFactory"/> on a device whose port 0 transmits into a
/// <see cref="CaptureWire"/>, with a packet policy compiled as the control plane does, and the client's
/// side of the TX and completion rings. <see cref="Pump"/> plays the data-path thread inline.
/// </summary>
internal sealed unsafe class PolicyHarness : IDisposable
{
    public static QueueGeometry Geometry => new() { FrameSize = 2048, FrameCount = 64, TxSize = 16, CompletionSize = 16, FillSize = 16, RxSize = 16 };

    private readonly RingProducer<TxRequest> _tx;
    private readonly RingConsumer<Completion> _completions;
    private bool _tornDown;

    public PolicyHarness(ClientPolicy policy, int deviceQueue = 0, TxRateLimiter? limiter = null, DeviceModel? device = null)
    {
        OwnsDevice = device is null;
        Device = device ?? new DeviceModel();
        if (OwnsDevice)
        {
            var port = Device.AddPort(new NicPortOptions { QueueCount = 4 });
            Device.AddWire(Wire, port);
        }
        Session = QueueFactory.Create(Device, clientId: 1, queueId: (uint)deviceQueue + 1, deviceQueue, Geometry, policy.MaxFrameLength, throttleMicroseconds: 0);
        Session.Memory.CloseDescriptors();
        if (limiter is not null)
        {
            Session.RateLimiter = limiter;
        }
        Mac = QueueFactory.MacFor(deviceQueue);
        Session.PublishPolicy(PacketPolicy.Compile(policy, Mac));
        byte* client = Session.Memory.ClientArea.Pointer;
        byte* broker = Session.Memory.BrokerArea.Pointer;
        var g = Session.Geometry;
        _tx = new RingProducer<TxRequest>(client + QueueLayout.TxProducer, broker + QueueLayout.TxConsumer, client + QueueLayout.TxEntries, g.TxSize);
        _completions = new RingConsumer<Completion>(broker + QueueLayout.CompletionProducer, client + QueueLayout.CompletionConsumer, broker + QueueLayout.CompletionEntries, g.CompletionSize);
    }

    public bool OwnsDevice { get; }

    public DeviceModel Device { get; }

    public CaptureWire Wire { get; } = new();

    public QueueSession Session { get; }

    /// <summary>The queue's assigned MAC.</summary>
    public byte[] Mac { get; }

    public long Counter(Mediator.Control.QueueCounter c) => Session.DataPathCounters.Read(c);

    /// <summary>The client's view of frame <paramref name="index"/> in its UMEM.</summary>
    public Span<byte> Frame(uint index) => new(Session.Memory.Umem.Pointer + (long)index * Geometry.FrameSize, (int)Geometry.FrameSize);

    /// <summary>Writes <paramref name="frame"/> into UMEM frame <paramref name="index"/> and publishes a TX request for it.</summary>
    public void Submit(ReadOnlySpan<byte> frame, uint index)
    {
        frame.CopyTo(Frame(index));
        if (_tx.Reserve(1, out uint slot) != 1)
        {
            throw new InvalidOperationException("TX ring full");
        }
        _tx[slot] = new TxRequest { Offset = (ulong)index * Geometry.FrameSize, Length = (uint)frame.Length };
        _tx.Submit(1);
    }

    /// <summary>Takes requests only (no device step): they are checked and posted, not yet sent.</summary>
    public int Intake() => TxPath.Run(Session, 64);

    /// <summary>TX path and device until nothing moves; returns every completion, in ring order.</summary>
    public List<Completion> Pump()
    {
        for (int round = 0; round < 100; round++)
        {
            int work = TxPath.Run(Session, 64) + Device.Step(64);
            if (work == 0)
            {
                break;
            }
        }
        var done = new List<Completion>();
        uint n = _completions.Peek(_completions.Size, out uint at);
        for (uint i = 0; i < n; i++)
        {
            done.Add(_completions.Read(at + i));
        }
        _completions.Release(n);
        return done;
    }

    /// <summary>Sends each frame (one per UMEM frame) and pumps.</summary>
    public List<Completion> Send(params byte[][] frames)
    {
        for (int i = 0; i < frames.Length; i++)
        {
            Submit(frames[i], (uint)i);
        }
        return Pump();
    }

    public void Teardown()
    {
        if (!_tornDown)
        {
            _tornDown = true;
            QueueTeardown.Run(Session, TimeSpan.FromSeconds(1), () => Device.Step(64));
        }
    }

    public void Dispose()
    {
        Teardown();
        if (OwnsDevice)
        {
            Device.Dispose();
        }
    }
}

/// <summary>Ethernet frames for the policy tests.</summary>
internal static class TestFrames
{
    public static readonly byte[] Peer = [0x02, 0x4D, 0x44, 0x00, 0x00, 0x07];
    public static readonly byte[] Spoofed = [0x02, 0xBA, 0xD0, 0x00, 0x00, 0x01];

    /// <summary>dst, src, ethertype (or 0x8100 + TCI + ethertype when <paramref name="vlanTci"/> is set), then a numbered payload.</summary>
    public static byte[] Make(ReadOnlySpan<byte> src, ushort ethertype = 0x0800, int length = 64, ushort? vlanTci = null, byte[]? dst = null)
    {
        var f = new byte[length];
        (dst ?? Peer).CopyTo(f, 0);
        src.CopyTo(f.AsSpan(6));
        int at = 12;
        if (vlanTci is { } tci)
        {
            f[12] = 0x81;
            f[13] = 0x00;
            f[14] = (byte)(tci >> 8);
            f[15] = (byte)tci;
            at = 16;
        }
        f[at] = (byte)(ethertype >> 8);
        f[at + 1] = (byte)ethertype;
        for (int i = at + 2; i < length; i++)
        {
            f[i] = (byte)(i * 13 + 1);
        }
        return f;
    }
}
