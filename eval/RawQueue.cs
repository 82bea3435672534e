using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;
using Mediator.Rings;

namespace Mediator.Eval;

/// <summary>
/// A queue opened by a <see cref="RawClient"/>, mapped by hand: UMEM and client area read-write, the
/// broker area read-only (the only way the kernel allows). Exposes the raw ring memory so attacks can
/// write any entry and any index word, plus well-formed helpers for the parts they do not attack.
/// </summary>
public sealed unsafe class RawQueue : IDisposable
{
    private readonly RingProducer<TxRequest> _tx;
    private readonly RingProducer<FillEntry> _fill;
    private readonly RingConsumer<Completion> _completions;
    private readonly RingConsumer<Completion> _rx;
    private bool _disposed;

    internal RawQueue(RawClient client, in OpenQueueReply reply, IReadOnlyList<FileDescriptor> fds)
    {
        Client = client;
        Reply = reply;
        Fds = fds;
        Geometry = reply.Geometry;
        Layout = new QueueLayout(Geometry);
        fixed (byte* mac = reply.Mac)
        {
            Mac = new ReadOnlySpan<byte>(mac, 6).ToArray();
        }
        Umem = MappedMemory.Map(fds[(int)QueueFd.Umem], (long)reply.UmemSize, MapAccess.ReadWrite);
        ClientArea = MappedMemory.Map(fds[(int)QueueFd.ClientArea], (long)reply.ClientAreaSize, MapAccess.ReadWrite);
        BrokerArea = MappedMemory.Map(fds[(int)QueueFd.BrokerArea], (long)reply.BrokerAreaSize, MapAccess.ReadOnly);
        byte* c = ClientArea.Pointer;
        byte* b = BrokerArea.Pointer;
        _tx = new RingProducer<TxRequest>(c + QueueLayout.TxProducer, b + QueueLayout.TxConsumer, c + QueueLayout.TxEntries, Geometry.TxSize);
        _fill = new RingProducer<FillEntry>(c + QueueLayout.FillProducer, b + QueueLayout.FillConsumer, c + Layout.FillEntries, Geometry.FillSize);
        _completions = new RingConsumer<Completion>(b + QueueLayout.CompletionProducer, c + QueueLayout.CompletionConsumer, b + QueueLayout.CompletionEntries, Geometry.CompletionSize);
        _rx = new RingConsumer<Completion>(b + QueueLayout.RxProducer, c + QueueLayout.RxConsumer, b + Layout.RxEntries, Geometry.RxSize);
    }

    /// <summary>The connection.</summary>
    public RawClient Client { get; }
    /// <summary>The broker's reply.</summary>
    public OpenQueueReply Reply { get; }
    /// <summary>The seven descriptors, in <see cref="QueueFd"/> order (owned by this queue).</summary>
    public IReadOnlyList<FileDescriptor> Fds { get; }
    /// <summary>Granted geometry.</summary>
    public QueueGeometry Geometry { get; }
    /// <summary>Area layout.</summary>
    public QueueLayout Layout { get; }
    /// <summary>The queue's MAC.</summary>
    public byte[] Mac { get; }
    /// <summary>Queue id on the connection.</summary>
    public uint QueueId => Reply.QueueId;
    /// <summary>Device queue pair serving it.</summary>
    public int DeviceQueue => (int)Reply.DeviceQueue;
    /// <summary>UMEM mapping (read-write).</summary>
    public MappedMemory Umem { get; }
    /// <summary>Client area mapping (read-write).</summary>
    public MappedMemory ClientArea { get; }
    /// <summary>Broker area mapping (read-only).</summary>
    public MappedMemory BrokerArea { get; }
    /// <summary>UMEM bytes.</summary>
    public ulong UmemSize => Reply.UmemSize;
    /// <summary>The owner tag the broker's DMA audit uses for this queue's memory.</summary>
    public int OwnerTag => (int)(Client.ClientId << 8 | QueueId & 0xFF);

    /// <summary>Pointer to a 32-bit word of the client area (index lines, entries).</summary>
    public uint* ClientWord(long offset) => (uint*)(ClientArea.Pointer + offset);
    /// <summary>Pointer to a 32-bit word of the broker area (read-only).</summary>
    public uint* BrokerWord(long offset) => (uint*)(BrokerArea.Pointer + offset);
    /// <summary>The TX request slot <paramref name="index"/> (masked).</summary>
    public TxRequest* TxEntry(uint index) => (TxRequest*)(ClientArea.Pointer + QueueLayout.TxEntries) + (index & (Geometry.TxSize - 1));
    /// <summary>The fill slot <paramref name="index"/> (masked).</summary>
    public FillEntry* FillEntryAt(uint index) => (FillEntry*)(ClientArea.Pointer + Layout.FillEntries) + (index & (Geometry.FillSize - 1));

    /// <summary>Our TX producer index word.</summary>
    public uint TxProducer { get => Volatile.Read(ref *ClientWord(QueueLayout.TxProducer)); set => Volatile.Write(ref *ClientWord(QueueLayout.TxProducer), value); }
    /// <summary>Our fill producer index word.</summary>
    public uint FillProducer { get => Volatile.Read(ref *ClientWord(QueueLayout.FillProducer)); set => Volatile.Write(ref *ClientWord(QueueLayout.FillProducer), value); }
    /// <summary>Our completion consumer index word.</summary>
    public uint CompletionConsumer { get => Volatile.Read(ref *ClientWord(QueueLayout.CompletionConsumer)); set => Volatile.Write(ref *ClientWord(QueueLayout.CompletionConsumer), value); }
    /// <summary>Our RX consumer index word.</summary>
    public uint RxConsumer { get => Volatile.Read(ref *ClientWord(QueueLayout.RxConsumer)); set => Volatile.Write(ref *ClientWord(QueueLayout.RxConsumer), value); }
    /// <summary>The broker's TX consumer index.</summary>
    public uint TxConsumer => Volatile.Read(ref *BrokerWord(QueueLayout.TxConsumer));
    /// <summary>The broker's fill consumer index.</summary>
    public uint FillConsumer => Volatile.Read(ref *BrokerWord(QueueLayout.FillConsumer));
    /// <summary>The broker's completion producer index.</summary>
    public uint CompletionProducer => Volatile.Read(ref *BrokerWord(QueueLayout.CompletionProducer));
    /// <summary>The broker's RX producer index.</summary>
    public uint RxProducer => Volatile.Read(ref *BrokerWord(QueueLayout.RxProducer));

    /// <summary>Completions reaped so far, by status.</summary>
    public long[] CompletionsByStatus { get; } = new long[32];
    /// <summary>RX entries reaped so far, by status.</summary>
    public long[] RxByStatus { get; } = new long[32];

    /// <summary>Writes a frame to ourselves (dst = src = our MAC) of <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public void WriteFrame(ulong offset, int length, byte[]? destination = null)
    {
        var span = new Span<byte>(Umem.Pointer + offset, length);
        span.Clear();
        (destination ?? Mac).CopyTo(span);
        Mac.CopyTo(span[6..]);
        span[12] = 0x88;
        span[13] = 0xB5;
    }

    /// <summary>Posts TX requests (waits for room up to the deadline); returns how many were posted.</summary>
    public int PostTx(ReadOnlySpan<TxRequest> requests, long deadlineTicks = long.MaxValue)
    {
        int done = 0;
        while (done < requests.Length)
        {
            uint n = _tx.Reserve((uint)(requests.Length - done), out uint index);
            if (n == 0)
            {
                Reap();
                if (Environment.TickCount64 > deadlineTicks)
                {
                    break;
                }
                Thread.Yield();
                continue;
            }
            for (uint i = 0; i < n; i++)
            {
                _tx[index + i] = requests[done + (int)i];
            }
            _tx.Submit(n);
            Kick(_tx.ConsumerNeedsWakeup(), QueueFd.TxKick);
            done += (int)n;
        }
        return done;
    }

    /// <summary>Posts one TX request.</summary>
    public bool PostTx(ulong offset, uint length, uint options = 0) =>
        PostTx([new TxRequest { Offset = offset, Length = length, Options = options }], Environment.TickCount64 + 2000) == 1;

    /// <summary>Posts fill entries (waits for room up to 2 s); returns how many were posted.</summary>
    public int PostFill(ReadOnlySpan<ulong> offsets)
    {
        int done = 0;
        long deadline = Environment.TickCount64 + 2000;
        while (done < offsets.Length && Environment.TickCount64 < deadline)
        {
            uint n = _fill.Reserve((uint)(offsets.Length - done), out uint index);
            if (n == 0)
            {
                Reap();
                Thread.Yield();
                continue;
            }
            for (uint i = 0; i < n; i++)
            {
                _fill[index + i].Offset = offsets[done + (int)i];
            }
            _fill.Submit(n);
            Kick(_fill.ConsumerNeedsWakeup(), QueueFd.FillKick);
            done += (int)n;
        }
        return done;
    }

    /// <summary>Signals the broker's TX kick eventfd (after raw index writes).</summary>
    public void KickTx() => Kick(true, QueueFd.TxKick);

    /// <summary>Signals the broker's fill kick eventfd.</summary>
    public void KickFill() => Kick(true, QueueFd.FillKick);

    /// <summary>Reaps completions and RX entries (counted by status); returns entries reaped.</summary>
    public int Reap()
    {
        int total = 0;
        uint n = _completions.Peek(uint.MaxValue, out uint index);
        for (uint i = 0; i < n; i++)
        {
            CompletionsByStatus[Math.Min(_completions.Read(index + i).Status, (ushort)31)]++;
        }
        if (n != 0)
        {
            _completions.Release(n);
        }
        total += (int)n;
        n = _rx.Peek(uint.MaxValue, out index);
        for (uint i = 0; i < n; i++)
        {
            RxByStatus[Math.Min(_rx.Read(index + i).Status, (ushort)31)]++;
        }
        if (n != 0)
        {
            _rx.Release(n);
        }
        return total + (int)n;
    }

    /// <summary>Total completions reaped.</summary>
    public long Completions => CompletionsByStatus.Sum();

    /// <summary>Reaps until <paramref name="completions"/> completions in all have come back, or the deadline passes.</summary>
    public bool WaitCompletions(long completions, TimeSpan timeout)
    {
        long end = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Completions < completions)
        {
            if (Reap() == 0)
            {
                if (Environment.TickCount64 > end)
                {
                    return false;
                }
                Thread.Yield();
            }
        }
        return true;
    }

    /// <summary>Reaps until <paramref name="entries"/> RX entries in all have come back, or the deadline passes.</summary>
    public bool WaitRx(long entries, TimeSpan timeout)
    {
        long end = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (RxByStatus.Sum() < entries)
        {
            if (Reap() == 0)
            {
                if (Environment.TickCount64 > end)
                {
                    return false;
                }
                Thread.Yield();
            }
        }
        return true;
    }

    private void Kick(bool needed, QueueFd which)
    {
        if (needed && !_disposed)
        {
            ulong one = 1;
            _ = Tmds.Linux.LibC.write(Fds[(int)which].Fd, &one, 8);
        }
    }

    /// <summary>Unmaps everything and closes the descriptors (the queue stays open at the broker until the connection closes).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Umem.Dispose();
        ClientArea.Dispose();
        BrokerArea.Dispose();
        foreach (var fd in Fds)
        {
            fd.Dispose();
        }
    }
}
