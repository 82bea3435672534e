using Mediator.Abi;
using Mediator.Broker.Mediation;
using Mediator.Rings;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>
/// The client's view of one <see cref="QueueSession"/>, wired exactly as <c>ClientQueue</c> wires it:
/// producers for TX requests and fill entries, consumers for completions and RX, over the session's
/// own mappings of the client and broker areas (in-process, so the broker area is writable here; a
/// test only writes it to play a hostile client).
/// </summary>
internal sealed unsafe class HarnessQueue
{
    public HarnessQueue(QueueSession session, int deviceQueue)
    {
        Session = session;
        DeviceQueue = deviceQueue;
        Mac = QueueFactory.MacFor(deviceQueue);
        var geometry = session.Geometry;
        var layout = session.Layout;
        byte* c = session.Memory.ClientArea.Pointer;
        byte* b = session.Memory.BrokerArea.Pointer;
        ClientArea = c;
        Tx = new RingProducer<TxRequest>(c + QueueLayout.TxProducer, b + QueueLayout.TxConsumer, c + QueueLayout.TxEntries, geometry.TxSize);
        Fill = new RingProducer<FillEntry>(c + QueueLayout.FillProducer, b + QueueLayout.FillConsumer, c + layout.FillEntries, geometry.FillSize);
        Completions = new RingConsumer<Completion>(b + QueueLayout.CompletionProducer, c + QueueLayout.CompletionConsumer, b + QueueLayout.CompletionEntries, geometry.CompletionSize);
        Rx = new RingConsumer<Completion>(b + QueueLayout.RxProducer, c + QueueLayout.RxConsumer, b + layout.RxEntries, geometry.RxSize);
        Umem = session.Memory.Umem.Pointer;
    }

    public QueueSession Session { get; }

    public int DeviceQueue { get; }

    public byte[] Mac { get; }

    public byte* ClientArea { get; }

    public byte* Umem { get; }

    public RingProducer<TxRequest> Tx { get; }

    public RingProducer<FillEntry> Fill { get; }

    public RingConsumer<Completion> Completions { get; }

    public RingConsumer<Completion> Rx { get; }

    /// <summary>Set once the harness (or a test) tore the session down.</summary>
    public bool TornDown { get; set; }

    public uint FrameSize => Session.Geometry.FrameSize;

    public ulong FrameOffset(uint frame) => (ulong)frame * FrameSize;

    /// <summary>Submits one TX request; false when the client's TX ring is full.</summary>
    public bool TrySubmitTx(ulong offset, uint length, uint options = 0)
    {
        if (Tx.Reserve(1, out uint index) == 0)
        {
            return false;
        }
        ref TxRequest slot = ref Tx[index];
        slot.Offset = offset;
        slot.Length = length;
        slot.Options = options;
        Tx.Submit(1);
        return true;
    }

    /// <summary>Submits one TX request; the ring must have room.</summary>
    public void SubmitTx(ulong offset, uint length, uint options = 0)
    {
        if (!TrySubmitTx(offset, length, options))
        {
            throw new InvalidOperationException("client TX ring full");
        }
    }

    /// <summary>Lends one buffer to the broker on the fill ring; the ring must have room.</summary>
    public void PostFill(ulong offset)
    {
        if (Fill.Reserve(1, out uint index) == 0)
        {
            throw new InvalidOperationException("client fill ring full");
        }
        Fill[index].Offset = offset;
        Fill.Submit(1);
    }

    public List<Completion> DrainCompletions() => Drain(Completions);

    public List<Completion> DrainRx() => Drain(Rx);

    /// <summary>Completions the broker published and the client has not reaped.</summary>
    public uint CompletionsWaiting() => Completions.Available();

    /// <summary>
    /// Writes an Ethernet frame of <paramref name="length"/> bytes at <paramref name="offset"/>:
    /// destination <paramref name="destination"/>, source this queue's MAC, an experimental ethertype
    /// and a payload derived from <paramref name="seed"/>. Returns a copy of the bytes.
    /// </summary>
    public byte[] WriteFrame(ulong offset, ReadOnlySpan<byte> destination, int length, byte seed)
    {
        var frame = new byte[length];
        destination.CopyTo(frame);
        Mac.CopyTo(frame, 6);
        frame[12] = 0x88;
        frame[13] = 0xB5;
        for (int i = 14; i < length; i++)
        {
            frame[i] = (byte)(seed + i * 7);
        }
        frame.CopyTo(UmemSpan(offset, length));
        return frame;
    }

    public Span<byte> UmemSpan(ulong offset, int length)
    {
        if (offset > Session.UmemSize || (ulong)length > Session.UmemSize - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }
        return new Span<byte>(Umem + offset, length);
    }

    /// <summary>The client's TX producer index line, for hostile writes.</summary>
    public ref uint TxProducerIndex => ref *(uint*)(ClientArea + QueueLayout.TxProducer);

    /// <summary>The client's completion consumer index line, for hostile writes.</summary>
    public ref uint CompletionConsumerIndex => ref *(uint*)(ClientArea + QueueLayout.CompletionConsumer);

    /// <summary>The client's RX consumer index line, for hostile writes.</summary>
    public ref uint RxConsumerIndex => ref *(uint*)(ClientArea + QueueLayout.RxConsumer);

    /// <summary>The TX ring slot at free-running <paramref name="index"/>, for rewriting after submit.</summary>
    public ref TxRequest TxSlot(uint index) => ref Tx[index];

    public long DataPath(Mediator.Control.QueueCounter counter) => Session.DataPathCounters.Read(counter);

    public long Rearm(Mediator.Control.QueueCounter counter) => Session.RearmCounters.Read(counter);

    private static List<Completion> Drain(RingConsumer<Completion> ring)
    {
        var list = new List<Completion>();
        uint n;
        while ((n = ring.Peek(uint.MaxValue, out uint index)) != 0)
        {
            for (uint i = 0; i < n; i++)
            {
                list.Add(ring.Read(index + i));
            }
            ring.Release(n);
        }
        return list;
    }
}
