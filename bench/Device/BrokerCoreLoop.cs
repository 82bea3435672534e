using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using Mediator.Nic;
using Mediator.Rings;

namespace Mediator.Bench.Device;

/// <summary>
/// One broker core with the device model stepped inline, and its client, on a single thread: the
/// client produces TX requests (and, with the loopback wire, fill entries), then one broker round runs
/// exactly what <c>DataPathLoop</c> and <c>RxRearmWorker</c> run — <see cref="TxPath"/>, a device step,
/// <see cref="RxPath"/>, <see cref="RxRearm"/> — and the client consumes its completions and RX entries
/// (re-posting each RX frame to the fill ring). The port has the harness's 64 queue pairs, one in use.
/// Used by <see cref="BrokerCoreBenchmarks"/> (ns per frame) and by <c>bench devloop</c> (a fixed number
/// of frames, for <c>perf record</c> and <c>valgrind --tool=callgrind</c>).
/// </summary>
public sealed unsafe class BrokerCoreLoop : IDisposable
{
    private const uint TxFrames = 2048; // UMEM frames 0..2047 carry TX, 2048..4095 are RX buffers
    private readonly DeviceModel _device;
    private readonly QueueSession _session;
    private readonly RingProducer<TxRequest> _tx;
    private readonly RingConsumer<Completion> _completions;
    private readonly RingProducer<FillEntry> _fill;
    private readonly RingConsumer<Completion> _rx;
    private readonly RearmSignal _rearm = new();
    private readonly bool _loopback;
    private readonly uint _frameSize;
    private readonly uint _budget;
    private uint _next;

    /// <summary>Builds the device (wire "Null" or "Loopback"), one queue session and the client's view of its rings.</summary>
    public BrokerCoreLoop(string wire, int frameSize, int queues = 64, int budget = 256)
    {
        _loopback = wire == "Loopback";
        _frameSize = (uint)frameSize;
        _budget = (uint)budget;
        _device = new DeviceModel();
        var port = _device.AddPort(new NicPortOptions { QueueCount = queues });
        if (_loopback)
        {
            _device.AddLoopback(port);
        }
        else
        {
            _device.AddNullSink(port);
        }
        var geometry = new QueueGeometry { FrameSize = 2048, FrameCount = 4096, TxSize = 1024, CompletionSize = 1024, FillSize = 1024, RxSize = 1024 };
        _session = QueueFactory.Create(_device, 1, 1, 0, geometry, 1514, 20);
        byte* c = _session.Memory.ClientArea.Pointer;
        byte* b = _session.Memory.BrokerArea.Pointer;
        var layout = _session.Layout;
        _tx = new RingProducer<TxRequest>(c + QueueLayout.TxProducer, b + QueueLayout.TxConsumer, c + QueueLayout.TxEntries, geometry.TxSize);
        _fill = new RingProducer<FillEntry>(c + QueueLayout.FillProducer, b + QueueLayout.FillConsumer, c + layout.FillEntries, geometry.FillSize);
        _completions = new RingConsumer<Completion>(b + QueueLayout.CompletionProducer, c + QueueLayout.CompletionConsumer, b + QueueLayout.CompletionEntries, geometry.CompletionSize);
        _rx = new RingConsumer<Completion>(b + QueueLayout.RxProducer, c + QueueLayout.RxConsumer, b + layout.RxEntries, geometry.RxSize);

        // Frames to the queue's own MAC: the loopback steers them back to this queue.
        byte[] mac = QueueFactory.MacFor(0);
        byte* umem = _session.Memory.Umem.Pointer;
        for (uint f = 0; f < TxFrames; f++)
        {
            var frame = new Span<byte>(umem + ((ulong)f << 11), frameSize);
            mac.CopyTo(frame);
            mac.CopyTo(frame[6..]);
            frame[12] = 0x88;
            frame[13] = 0xB5;
        }
        uint n = _fill.Reserve(geometry.FillSize, out uint at);
        for (uint i = 0; i < n; i++)
        {
            _fill[at + i] = new FillEntry { Offset = (ulong)(TxFrames + i) << 11 };
        }
        _fill.Submit(n);
        RxRearm.Run(_session, (uint)RxRearm.MaxBatch);
    }

    /// <summary>Frames delivered to the client's RX ring so far (loopback).</summary>
    public long Received { get; private set; }

    /// <summary>TX completions the client consumed so far.</summary>
    public long Completed { get; private set; }

    /// <summary>
    /// Sends <paramref name="frames"/> frames in client batches of up to <paramref name="batch"/> (fewer when
    /// the TX ring is full), one broker round per batch.
    /// </summary>
    public void Run(long frames, uint batch)
    {
        for (long done = 0; done < frames;)
        {
            uint n = _tx.Reserve((uint)Math.Min(batch, frames - done), out uint index);
            done += n;
            for (uint i = 0; i < n; i++)
            {
                ref var r = ref _tx[index + i];
                r.Offset = (ulong)(_next++ & (TxFrames - 1)) << 11;
                r.Length = _frameSize;
                r.Options = 0;
            }
            _tx.Submit(n);
            Round();
            Consume();
        }
    }

    private void Round()
    {
        TxPath.Run(_session, _budget);
        _device.Step((int)_budget);
        if (_loopback)
        {
            RxPath.Run(_session, _budget, _rearm);
            RxRearm.Run(_session, _budget);
        }
    }

    private void Consume()
    {
        uint got = _completions.Peek(uint.MaxValue, out uint at);
        _completions.Release(got);
        Completed += got;
        if (!_loopback)
        {
            return;
        }
        uint rx = _rx.Peek(uint.MaxValue, out uint from);
        uint room = _fill.Reserve(rx, out uint to);
        for (uint i = 0; i < room; i++)
        {
            _fill[to + i] = new FillEntry { Offset = _rx.Read(from + i).Offset };
        }
        _fill.Submit(room);
        _rx.Release(room);
        Received += room;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        QueueTeardown.Run(_session, TimeSpan.Zero, null);
        _device.Dispose();
    }
}
