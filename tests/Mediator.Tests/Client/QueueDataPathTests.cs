using Mediator.Abi;
using Mediator.Client;
using Mediator.Native;

namespace Mediator.Tests.Client;

public sealed class QueueDataPathTests : IDisposable
{
    private static readonly QueueGeometry Geometry = FakeBroker.SmallGeometry; // 64 x 2 KiB, rings of 16
    private readonly FakeBroker _fake = new();
    private readonly MediatorClient _client;
    private readonly ClientQueue _queue;
    private readonly FakeQueue _broker;

    public QueueDataPathTests()
    {
        _client = _fake.Connect();
        _queue = _client.OpenQueue(Geometry);
        _broker = _fake.Queue(0);
    }

    public void Dispose()
    {
        _queue.Dispose();
        _client.Dispose();
        _fake.Dispose();
    }

    private static byte[] FrameOf(int length, byte seed)
    {
        var frame = new byte[length];
        for (int i = 0; i < length; i++)
        {
            frame[i] = (byte)(seed + i);
        }
        return frame;
    }

    [Fact]
    public void Open_posts_half_the_frames_bounded_by_the_fill_ring()
    {
        Assert.Equal(16, _queue.FillTarget);
        Assert.Equal(16, _queue.PostedForReceive);
        Assert.Equal(48, _queue.Frames.Available);
        Assert.Equal(16u, _broker.Fill.Peek(64, out uint index));
        var offsets = new HashSet<ulong>();
        for (uint i = 0; i < 16; i++)
        {
            ulong offset = _broker.Fill.Read(index + i).Offset;
            Assert.Equal(0ul, offset % Geometry.FrameSize);
            Assert.True(offsets.Add(offset));
        }
        Assert.Equal(0, _queue.Refill()); // already topped up
    }

    [Fact]
    public void TrySend_puts_requests_in_the_ring_and_bytes_in_the_umem()
    {
        byte[] a = FrameOf(60, 1), b = FrameOf(1514, 7);
        Assert.True(_queue.TrySend(a));
        Assert.True(_queue.TrySend(b));
        var requests = _broker.DrainTx();
        Assert.Equal(2, requests.Count);
        Assert.Equal(60u, requests[0].Length);
        Assert.Equal(1514u, requests[1].Length);
        Assert.NotEqual(requests[0].Offset, requests[1].Offset);
        foreach (var r in requests)
        {
            Assert.Equal(0ul, r.Offset % Geometry.FrameSize);
            Assert.Equal(0u, r.Options);
        }
        Assert.Equal(a, _broker.Umem.Span.Slice((int)requests[0].Offset, 60).ToArray());
        Assert.Equal(b, _broker.Umem.Span.Slice((int)requests[1].Offset, 1514).ToArray());
        Assert.Equal(2, _queue.Sent);
    }

    [Fact]
    public void TrySend_stops_when_the_tx_ring_is_full()
    {
        for (int i = 0; i < 16; i++)
        {
            Assert.True(_queue.TrySend(FrameOf(64, (byte)i)));
        }
        Assert.False(_queue.TrySend(FrameOf(64, 0)));
        Assert.Equal(16, _broker.DrainTx().Count);
        Assert.True(_queue.TrySend(FrameOf(64, 0)));
    }

    [Fact]
    public void Oversized_or_empty_frames_are_refused()
    {
        Assert.Throws<ArgumentException>(() => _queue.TrySend(new byte[2049]));
        Assert.Throws<ArgumentException>(() => _queue.TrySend([]));
    }

    private List<TxRequest> SendUntilFramesRunOut()
    {
        var inFlight = new List<TxRequest>();
        while (_queue.TrySend(FrameOf(64, 3)))
        {
            inFlight.AddRange(_broker.DrainTx()); // the broker takes them but does not complete
        }
        inFlight.AddRange(_broker.DrainTx());
        Assert.Equal(0, _queue.Frames.Available);
        return inFlight;
    }

    [Fact]
    public void Completions_recycle_frames()
    {
        var inFlight = SendUntilFramesRunOut();
        Assert.Equal(48, inFlight.Count);
        Assert.False(_queue.TrySend(FrameOf(64, 0)));

        _broker.Complete(inFlight[5].Offset, inFlight[5].Length);
        Assert.True(_queue.TrySend(FrameOf(64, 0)));
        Assert.Equal(inFlight[5].Offset, Assert.Single(_broker.DrainTx()).Offset);
        Assert.Equal(1, _queue.Completed);
        Assert.Equal(0, _queue.Refused);
    }

    [Fact]
    public void FrameNotOwned_completion_keeps_the_frame_other_refusals_free_it()
    {
        var inFlight = SendUntilFramesRunOut();

        _broker.Complete(inFlight[0].Offset, 64, RequestStatus.FrameNotOwned);
        Assert.False(_queue.TrySend(FrameOf(64, 0))); // the frame still belongs to the earlier request
        Assert.Equal(1, _queue.RefusedCount(RequestStatus.FrameNotOwned));
        Assert.Equal(0, _queue.Frames.Available);

        _broker.Complete(inFlight[1].Offset, 64, RequestStatus.FrameTooShort);
        Assert.True(_queue.TrySend(FrameOf(64, 0)));
        Assert.Equal(1, _queue.RefusedCount(RequestStatus.FrameTooShort));
        Assert.Equal(2, _queue.Refused);
        Assert.Equal(1, _queue.RefusedByStatus[(int)RequestStatus.FrameNotOwned]);
        Assert.Equal(0, _queue.Completed);
    }

    [Fact]
    public void Batch_api_reserve_fill_submit_and_peek_release()
    {
        Assert.Equal(4u, _queue.ReserveTx(4, out uint index));
        for (uint i = 0; i < 4; i++)
        {
            ref TxRequest slot = ref _queue.TxSlot(index + i);
            slot.Offset = (48 + i) * 2048ul + 64; // headroom inside the frame
            slot.Length = 100;
        }
        _queue.SubmitTx(4);
        var requests = _broker.DrainTx();
        Assert.Equal(4, requests.Count);
        Assert.Equal(49ul * 2048 + 64, requests[1].Offset);

        _broker.Complete(requests[0].Offset, 100);
        _broker.Complete(requests[1].Offset, 100, RequestStatus.SourceMacSpoofed);
        Assert.Equal(2u, _queue.PeekCompletions(8, out uint c));
        Assert.Equal(requests[0].Offset, _queue.CompletionAt(c).Offset);
        Assert.Equal((ushort)RequestStatus.SourceMacSpoofed, _queue.CompletionAt(c + 1).Status);
        _queue.ReleaseCompletions(2);
        Assert.Equal(0u, _queue.PeekCompletions(8, out _));
    }

    [Fact]
    public void SendBatch_submits_once()
    {
        byte[] frames = new byte[10 * 100];
        frames.AsSpan(300, 100).Fill(0xAB);
        Assert.Equal(10, _queue.SendBatch(frames, 100, 10));
        var requests = _broker.DrainTx();
        Assert.Equal(10, requests.Count);
        Assert.All(_broker.Umem.Span.Slice((int)requests[3].Offset, 100).ToArray(), b => Assert.Equal(0xAB, b));
    }

    [Fact]
    public void Received_frame_is_copied_out_and_its_buffer_goes_back_to_the_fill_ring()
    {
        byte[] frame = FrameOf(200, 9);
        ulong offset = _broker.Deliver(frame);
        var buffer = new byte[2048];
        Assert.True(_queue.TryReceive(buffer, out int length));
        Assert.Equal(200, length);
        Assert.Equal(frame, buffer.AsSpan(0, 200).ToArray());
        Assert.Equal(1, _queue.Received);
        Assert.Equal(16, _queue.PostedForReceive);
        // The fake took one of 16; the client reposted that very buffer at the end.
        Assert.Equal(16u, _broker.Fill.Available());
        Assert.Equal(offset, _broker.Fill.Read(_broker.Fill.Consumer + 15).Offset);
        Assert.False(_queue.TryReceive(buffer, out _));
    }

    [Fact]
    public void Short_destination_truncates_and_counts()
    {
        _broker.Deliver(FrameOf(300, 1));
        var small = new byte[100];
        Assert.True(_queue.TryReceive(small, out int length));
        Assert.Equal(100, length);
        Assert.Equal(1, _queue.Truncated);
    }

    [Fact]
    public void Batch_rx_peek_and_release()
    {
        _broker.Deliver(FrameOf(70, 1));
        _broker.Deliver(FrameOf(80, 2));
        Assert.Equal(2u, _queue.PeekRx(16, out uint index));
        var second = _queue.RxAt(index + 1);
        Assert.Equal(80u, second.Length);
        Assert.Equal(FrameOf(80, 2), _queue.Frame(second.Offset, 80).ToArray());
        _queue.ReleaseRx(2);
        Assert.Equal(14, _queue.PostedForReceive);
        Assert.Equal(2, _queue.Refill());
    }

    [Fact]
    public void Frame_is_bounds_checked()
    {
        ulong size = Geometry.UmemSize;
        Assert.Equal(10, _queue.Frame(size - 10, 10).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => _queue.Frame(size - 10, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => _queue.Frame(ulong.MaxValue - 5, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => _queue.Frame(0, -1));
    }

    [Fact]
    public void Tx_kick_only_when_the_broker_asked_for_a_wakeup()
    {
        Assert.True(_queue.TrySend(FrameOf(64, 1)));
        Assert.Equal(0ul, _broker.TxKick.TryConsume());
        Assert.Equal(0, _queue.Kicks);

        _broker.DrainTx();
        Assert.False(_broker.Tx.PrepareToSleep()); // sets NeedWakeup in the broker's TX consumer line
        Assert.True(_queue.TrySend(FrameOf(64, 2)));
        Assert.Equal(1ul, _broker.TxKick.TryConsume());
        Assert.Equal(1, _queue.Kicks);

        _broker.Tx.ClearNeedWakeup();
        Assert.True(_queue.TrySend(FrameOf(64, 3)));
        Assert.Equal(0ul, _broker.TxKick.TryConsume());
    }

    [Fact]
    public void Fill_kick_only_when_the_broker_asked_for_a_wakeup()
    {
        _broker.Deliver(FrameOf(64, 1));
        Assert.True(_queue.TryReceive(new byte[2048], out _));
        Assert.Equal(0ul, _broker.FillKick.TryConsume());

        _broker.Fill.PrepareToSleep();
        _broker.Deliver(FrameOf(64, 1));
        Assert.True(_queue.TryReceive(new byte[2048], out _));
        Assert.Equal(1ul, _broker.FillKick.TryConsume());
    }

    [Fact]
    public void WaitForRx_returns_at_once_when_a_frame_is_waiting()
    {
        _broker.Deliver(FrameOf(64, 1));
        Assert.True(_queue.WaitForRx(TimeSpan.FromSeconds(10)));
        Assert.Equal(0u, _broker.ClientRxFlags); // it never announced a sleep
    }

    [Fact]
    public void WaitForRx_times_out_when_nothing_comes()
    {
        Assert.False(_queue.WaitForRx(TimeSpan.FromMilliseconds(30)));
        Assert.Equal(0u, _broker.ClientRxFlags & (uint)RingFlags.NeedWakeup); // polling again
    }

    [Fact]
    public async Task WaitForRx_wakes_when_the_broker_signals()
    {
        var ct = TestContext.Current.CancellationToken;
        var waiting = Task.Run(() => _queue.WaitForRx(TimeSpan.FromSeconds(20)), ct);
        SpinUntil(() => (_broker.ClientRxFlags & (uint)RingFlags.NeedWakeup) != 0);
        _broker.Deliver(FrameOf(64, 1)); // sees NeedWakeup, signals RxNotify
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(20), ct));
        Assert.True(_queue.TryReceive(new byte[2048], out int n));
        Assert.Equal(64, n);
    }

    [Fact]
    public async Task WaitForCompletions_wakes_when_the_broker_signals()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(_queue.TrySend(FrameOf(64, 1)));
        var request = Assert.Single(_broker.DrainTx());
        var waiting = Task.Run(() => _queue.WaitForCompletions(TimeSpan.FromSeconds(20)), ct);
        SpinUntil(() => (_broker.ClientCompletionFlags & (uint)RingFlags.NeedWakeup) != 0);
        _broker.Complete(request.Offset, request.Length);
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(20), ct));
        Assert.Equal(1u, _queue.ReapCompletions());
    }

    [Fact]
    public async Task WaitForRxAsync_wakes_and_can_be_cancelled()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = _queue.WaitForRxAsync(TimeSpan.FromSeconds(20), ct).AsTask();
        SpinUntil(() => (_broker.ClientRxFlags & (uint)RingFlags.NeedWakeup) != 0);
        _broker.Deliver(FrameOf(64, 1));
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(20), ct));
        Assert.True(_queue.TryReceive(new byte[2048], out _));

        using var cts = new CancellationTokenSource();
        var second = _queue.WaitForRxAsync(TimeSpan.FromSeconds(20), cts.Token).AsTask();
        SpinUntil(() => (_broker.ClientRxFlags & (uint)RingFlags.NeedWakeup) != 0);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(TimeSpan.FromSeconds(20), ct));

        // A later wait is not disturbed by the old cancellation.
        Assert.False(await _queue.WaitForRxAsync(TimeSpan.FromMilliseconds(20), ct));
    }

    [Fact]
    public void Broker_area_cannot_be_mapped_writable_by_the_client()
    {
        var fd = _queue.Mapping.BrokerAreaFd;
        var e = Assert.Throws<NativeException>(() => MappedMemory.Map(fd, _queue.Mapping.Layout.BrokerAreaSize, MapAccess.ReadWrite));
        Assert.Equal(Errno.EPERM, e.Errno);
        Assert.Equal(MapAccess.ReadOnly, _queue.Mapping.BrokerArea.Access);
    }

    private static void SpinUntil(Func<bool> condition)
    {
        long deadline = Environment.TickCount64 + 20_000;
        var spin = new SpinWait();
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "condition not met within 20 s");
            spin.SpinOnce();
        }
    }
}
