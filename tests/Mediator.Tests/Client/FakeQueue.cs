using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Native;
using Mediator.Rings;

namespace Mediator.Tests.Client;

/// <summary>
/// The broker's side of one queue, as the real broker will build it: sealed memfds, the broker area
/// mapped writable before F_SEAL_FUTURE_WRITE, headers written, and the broker ends of the four rings.
/// </summary>
internal sealed unsafe class FakeQueue : IDisposable
{
    public FakeQueue(uint queueId, QueueGeometry geometry, long umemSizeDelta = 0)
    {
        QueueId = queueId;
        Geometry = geometry;
        Layout = new QueueLayout(geometry);
        UmemFd = Memfd.Create("test-umem", (long)geometry.UmemSize + umemSizeDelta);
        Memfd.AddSeals(UmemFd, MemfdSeals.Shrink | MemfdSeals.Grow | MemfdSeals.Seal);
        ClientFd = Memfd.Create("test-client-area", Layout.ClientAreaSize);
        BrokerFd = Memfd.Create("test-broker-area", Layout.BrokerAreaSize);
        Umem = MappedMemory.Map(UmemFd, (long)geometry.UmemSize + umemSizeDelta, MapAccess.ReadWrite);
        ClientArea = MappedMemory.Map(ClientFd, Layout.ClientAreaSize, MapAccess.ReadWrite);
        BrokerArea = MappedMemory.Map(BrokerFd, Layout.BrokerAreaSize, MapAccess.ReadWrite);
        // Our writable mapping exists; from now on nobody gets another one.
        Memfd.AddSeals(BrokerFd, MemfdSeals.FutureWrite | MemfdSeals.Shrink | MemfdSeals.Grow);
        WriteHeader(ClientArea, AbiVersion.ClientAreaMagic);
        WriteHeader(BrokerArea, AbiVersion.BrokerAreaMagic);
        byte* c = ClientArea.Pointer;
        byte* b = BrokerArea.Pointer;
        Tx = new RingConsumer<TxRequest>(c + QueueLayout.TxProducer, b + QueueLayout.TxConsumer, c + QueueLayout.TxEntries, geometry.TxSize);
        Fill = new RingConsumer<FillEntry>(c + QueueLayout.FillProducer, b + QueueLayout.FillConsumer, c + Layout.FillEntries, geometry.FillSize);
        Completions = new RingProducer<Completion>(b + QueueLayout.CompletionProducer, c + QueueLayout.CompletionConsumer, b + QueueLayout.CompletionEntries, geometry.CompletionSize);
        Rx = new RingProducer<Completion>(b + QueueLayout.RxProducer, c + QueueLayout.RxConsumer, b + Layout.RxEntries, geometry.RxSize);
    }

    public uint QueueId { get; }
    public QueueGeometry Geometry { get; }
    public QueueLayout Layout { get; }
    public FileDescriptor UmemFd { get; }
    public FileDescriptor ClientFd { get; }
    public FileDescriptor BrokerFd { get; }
    public MappedMemory Umem { get; }
    public MappedMemory ClientArea { get; }
    public MappedMemory BrokerArea { get; }
    public EventFd TxKick { get; } = new();
    public EventFd FillKick { get; } = new();
    public EventFd RxNotify { get; } = new();
    public EventFd TxNotify { get; } = new();
    public RingConsumer<TxRequest> Tx { get; }
    public RingConsumer<FillEntry> Fill { get; }
    public RingProducer<Completion> Completions { get; }
    public RingProducer<Completion> Rx { get; }

    /// <summary>The seven descriptors in QueueFd order.</summary>
    public int[] Fds => [UmemFd.Fd, ClientFd.Fd, BrokerFd.Fd, TxKick.Handle.Fd, FillKick.Handle.Fd, RxNotify.Handle.Fd, TxNotify.Handle.Fd];

    public ref AreaHeader ClientHeader => ref *(AreaHeader*)ClientArea.Pointer;

    /// <summary>The client's RX consumer flags (it sets NeedWakeup before sleeping).</summary>
    public uint ClientRxFlags => Volatile.Read(ref ((IndexLine*)(ClientArea.Pointer + QueueLayout.RxConsumer))->Flags);

    /// <summary>The client's completion consumer flags.</summary>
    public uint ClientCompletionFlags => Volatile.Read(ref ((IndexLine*)(ClientArea.Pointer + QueueLayout.CompletionConsumer))->Flags);

    /// <summary>Takes every waiting TX request out of the ring (copies).</summary>
    public List<TxRequest> DrainTx()
    {
        var list = new List<TxRequest>();
        uint n = Tx.Peek(uint.MaxValue, out uint index);
        for (uint i = 0; i < n; i++)
        {
            list.Add(Tx.Read(index + i));
        }
        Tx.Release(n);
        return list;
    }

    /// <summary>Writes one completion; signals TxNotify if the client sleeps.</summary>
    public void Complete(ulong offset, uint length, RequestStatus status = RequestStatus.Ok)
    {
        Assert.Equal(1u, Completions.Reserve(1, out uint index));
        Completions[index] = new Completion { Offset = offset, Length = length, Status = (ushort)status };
        Completions.Submit(1);
        if (Completions.ConsumerNeedsWakeup())
        {
            TxNotify.Signal();
        }
    }

    /// <summary>Receives <paramref name="frame"/> into the next posted fill buffer; returns its offset.</summary>
    public ulong Deliver(ReadOnlySpan<byte> frame)
    {
        Assert.Equal(1u, Fill.Peek(1, out uint fillIndex));
        ulong offset = Fill.Read(fillIndex).Offset;
        Fill.Release(1);
        frame.CopyTo(Umem.Span.Slice((int)offset, frame.Length));
        Assert.Equal(1u, Rx.Reserve(1, out uint index));
        Rx[index] = new Completion { Offset = offset, Length = (uint)frame.Length };
        Rx.Submit(1);
        if (Rx.ConsumerNeedsWakeup())
        {
            RxNotify.Signal();
        }
        return offset;
    }

    private void WriteHeader(MappedMemory area, uint magic)
    {
        var header = new AreaHeader
        {
            Magic = magic, Version = AbiVersion.Current, HeaderSize = AreaHeader.Size, Geometry = Geometry, AreaSize = (ulong)area.Length,
        };
        MemoryMarshal.Write(area.Span, in header);
    }

    public void Dispose()
    {
        Umem.Dispose();
        ClientArea.Dispose();
        BrokerArea.Dispose();
        UmemFd.Dispose();
        ClientFd.Dispose();
        BrokerFd.Dispose();
        TxKick.Dispose();
        FillKick.Dispose();
        RxNotify.Dispose();
        TxNotify.Dispose();
    }
}
