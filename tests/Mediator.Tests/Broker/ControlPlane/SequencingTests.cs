using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Tests.Broker.ControlPlane;

/// <summary>
/// docs/abi.md §7.2: Hello first and once; requests for queues a connection does not own are refused;
/// every reply echoes its request id; refusals leave the connection's state as it was.
/// </summary>
public sealed class SequencingTests(SharedBroker shared) : IClassFixture<SharedBroker>
{
    private readonly Integration.BrokerProcess _broker = shared.Broker;

    [Fact]
    public void OpenQueueBeforeHello_IsRefusedAsOutOfOrder_AndOpensNothing()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Send(MessageType.OpenQueue, 21, new OpenQueueRequest { Geometry = BrokerChecks.SmallGeometry });
        Assert.Contains("Hello", raw.ExpectError(ErrorCode.OutOfOrder, 21, MessageType.OpenQueue), StringComparison.Ordinal);
        raw.Hello();
        using var opened = raw.OpenQueue(22, BrokerChecks.SmallGeometry);
        Assert.Equal(MessageType.OpenQueueReply, opened.Type);
        Assert.Equal(1u, opened.Body<OpenQueueReply>().QueueId); // the refused request used no queue id
    }

    [Fact]
    public void CloseQueueBeforeHello_IsRefusedAsOutOfOrder()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Send(MessageType.CloseQueue, 23, new CloseQueueRequest { QueueId = 1 });
        raw.ExpectError(ErrorCode.OutOfOrder, 23, MessageType.CloseQueue);
        raw.Hello();
    }

    [Fact]
    public void StatsBeforeHello_IsRefusedAsOutOfOrder()
    {
        // "anything else first ... gets Error(OutOfOrder)": an unidentified peer (one the policy might
        // yet refuse) must not read the broker-wide counters.
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Send(MessageType.Stats, 24, new StatsRequest { QueueId = StatsRequest.AllQueues });
        raw.ExpectError(ErrorCode.OutOfOrder, 24, MessageType.Stats);
        raw.Send(MessageType.Stats, 25, new StatsRequest { QueueId = 1 });
        raw.ExpectError(ErrorCode.OutOfOrder, 25, MessageType.Stats);
        raw.Hello();
        raw.Send(MessageType.Stats, 26, new StatsRequest { QueueId = StatsRequest.AllQueues });
        using var stats = raw.Receive();
        Assert.Equal(MessageType.StatsReply, stats.Type);
    }

    [Fact]
    public void SecondHello_IsRefusedAsOutOfOrder_AndKeepsTheFirstSession()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var first = raw.Hello(requestId: 1, app: "first");
        using (var opened = raw.OpenQueue(2, BrokerChecks.SmallGeometry))
        {
            Assert.Equal(MessageType.OpenQueueReply, opened.Type);
        }
        raw.Send(MessageType.Hello, 3, RawControlClient.HelloBody("second"));
        raw.ExpectError(ErrorCode.OutOfOrder, 3, MessageType.Hello);
        // A malformed second Hello is refused as out of order too, before its body is looked at.
        var bad = RawControlClient.HelloBody(abi: 99);
        raw.Send(MessageType.Hello, 4, bad);
        raw.ExpectError(ErrorCode.OutOfOrder, 4, MessageType.Hello);
        // The queue opened under the first Hello is still there; the next gets id 2.
        raw.Send(MessageType.Stats, 5, new StatsRequest { QueueId = 1 });
        using (var stats = raw.Receive())
        {
            Assert.Equal(MessageType.StatsReply, stats.Type);
        }
        using var next = raw.OpenQueue(6, BrokerChecks.SmallGeometry);
        Assert.Equal(2u, next.Body<OpenQueueReply>().QueueId);
        Assert.NotEqual(0u, first.ClientId);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(0xFFFF_FFFEu)]
    public void CloseQueueAndStatsOfAnUnknownQueue_AreRefusedAsUnknownQueue(uint queueId)
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        raw.Send(MessageType.CloseQueue, 31, new CloseQueueRequest { QueueId = queueId });
        raw.ExpectError(ErrorCode.UnknownQueue, 31, MessageType.CloseQueue);
        raw.Send(MessageType.Stats, 32, new StatsRequest { QueueId = queueId });
        raw.ExpectError(ErrorCode.UnknownQueue, 32, MessageType.Stats);
    }

    [Fact]
    public void AnotherConnectionsQueue_CannotBeClosedOrRead()
    {
        using var owner = _broker.Connect("owner");
        using var queue = owner.OpenQueue(BrokerChecks.SmallGeometry);
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        raw.Send(MessageType.CloseQueue, 33, new CloseQueueRequest { QueueId = queue.QueueId });
        raw.ExpectError(ErrorCode.UnknownQueue, 33, MessageType.CloseQueue);
        raw.Send(MessageType.Stats, 34, new StatsRequest { QueueId = queue.QueueId });
        raw.ExpectError(ErrorCode.UnknownQueue, 34, MessageType.Stats);
        BrokerChecks.AssertRoundTrip(queue, 7);
    }

    [Fact]
    public void ClosingAQueueTwice_RefusesTheSecondAsUnknownQueue()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        using (var opened = raw.OpenQueue(40, BrokerChecks.SmallGeometry))
        {
            Assert.Equal(MessageType.OpenQueueReply, opened.Type);
        }
        raw.Send(MessageType.CloseQueue, 41, new CloseQueueRequest { QueueId = 1 });
        using (var closed = raw.Receive())
        {
            Assert.Equal(MessageType.CloseQueueReply, closed.Type);
            Assert.Equal(41u, closed.Header.RequestId);
            Assert.Equal(1u, closed.Body<CloseQueueRequest>().QueueId);
        }
        raw.Send(MessageType.CloseQueue, 42, new CloseQueueRequest { QueueId = 1 });
        raw.ExpectError(ErrorCode.UnknownQueue, 42, MessageType.CloseQueue);
    }

    [Fact]
    public void ReservedFieldsSet_AreRefusedAsMalformed()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        raw.Send(MessageType.OpenQueue, 50, new OpenQueueRequest { Geometry = BrokerChecks.SmallGeometry, Flags = 2 }); // bit 0 is DeviceAccess; bit 1 is reserved
        raw.ExpectError(ErrorCode.Malformed, 50, MessageType.OpenQueue);
        raw.Send(MessageType.OpenQueue, 51, new OpenQueueRequest { Geometry = BrokerChecks.SmallGeometry, Reserved = 0x8000_0000 });
        raw.ExpectError(ErrorCode.Malformed, 51, MessageType.OpenQueue);
        raw.Send(MessageType.OpenQueue, 52, new StatsRequest()); // an 8-byte body for a 32-byte request
        raw.ExpectError(ErrorCode.Malformed, 52, MessageType.OpenQueue);
        raw.Send(MessageType.CloseQueue, 53, new CloseQueueRequest { QueueId = 1, Reserved = 1 });
        raw.ExpectError(ErrorCode.Malformed, 53, MessageType.CloseQueue);
        raw.Send(MessageType.Stats, 54, new StatsRequest { QueueId = StatsRequest.AllQueues, Reserved = 1 });
        raw.ExpectError(ErrorCode.Malformed, 54, MessageType.Stats);
        raw.Send(MessageType.Stats, 55, new OpenQueueRequest());
        raw.ExpectError(ErrorCode.Malformed, 55, MessageType.Stats);
        // None of them opened a queue: the first real one gets id 1.
        using var opened = raw.OpenQueue(56, BrokerChecks.SmallGeometry);
        Assert.Equal(1u, opened.Body<OpenQueueReply>().QueueId);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(0x8000_0000u)]
    [InlineData(0xFFFF_FFFFu)]
    public void EveryReply_EchoesTheRequestId(uint id)
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello(requestId: id);
        using (var opened = raw.OpenQueue(id ^ 1, BrokerChecks.SmallGeometry))
        {
            Assert.Equal(MessageType.OpenQueueReply, opened.Type);
            Assert.Equal(id ^ 1, opened.Header.RequestId);
        }
        raw.Send(MessageType.Stats, id ^ 2, new StatsRequest { QueueId = 1 });
        using (var stats = raw.Receive())
        {
            Assert.Equal(MessageType.StatsReply, stats.Type);
            Assert.Equal(id ^ 2, stats.Header.RequestId);
            Assert.True(ControlCodec.TryReadStats(stats.Bytes, out uint queueId, out var counters));
            Assert.Equal(1u, queueId);
            Assert.Equal((int)QueueCounter.Count, counters.Length);
        }
        raw.Send(MessageType.CloseQueue, id ^ 3, new CloseQueueRequest { QueueId = 1 });
        using (var closed = raw.Receive())
        {
            Assert.Equal(MessageType.CloseQueueReply, closed.Type);
            Assert.Equal(id ^ 3, closed.Header.RequestId);
        }
        raw.Send(MessageType.CloseQueue, id ^ 4, new CloseQueueRequest { QueueId = 1 });
        raw.ExpectError(ErrorCode.UnknownQueue, id ^ 4, MessageType.CloseQueue);
    }

    private static readonly QueueGeometry Ok = BrokerChecks.SmallGeometry;

    private static readonly Dictionary<string, (QueueGeometry Geometry, string Field)> Invalid = new()
    {
        { "frame size not a power of two", (Ok with { FrameSize = 3000 }, "frame size") },
        { "frame size too small", (Ok with { FrameSize = 1024 }, "frame size") },
        { "frame size too large", (Ok with { FrameSize = 32768 }, "frame size") },
        { "no frames", (Ok with { FrameCount = 0 }, "frame count") },
        { "too many frames", (Ok with { FrameCount = QueueGeometry.MaxFrameCount + 1 }, "frame count") },
        { "tx ring not a power of two", (Ok with { TxSize = 48 }, "ring sizes") },
        { "fill ring too small", (Ok with { FillSize = 4 }, "ring sizes") },
        { "rx ring too large", (Ok with { RxSize = 65536 }, "ring sizes") },
        { "zero completion ring", (Ok with { CompletionSize = 0 }, "ring sizes") },
        { "completion smaller than tx", (Ok with { TxSize = 64, CompletionSize = 32 }, "completion ring") },
        { "everything zero", (default, "frame size") },
    };

    public static TheoryData<string> InvalidGeometries() => [.. Invalid.Keys];

    [Theory]
    [MemberData(nameof(InvalidGeometries))]
    public void InvalidGeometry_IsRefusedWithATextNamingTheField(string what)
    {
        var (geometry, field) = Invalid[what];
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        using var reply = raw.OpenQueue(60, geometry);
        string text = RawControlClient.AssertError(reply, ErrorCode.InvalidGeometry, 60, MessageType.OpenQueue);
        Assert.True(text.Contains(field, StringComparison.Ordinal), $"{what}: '{text}' names '{field}'");
        using var opened = raw.OpenQueue(61, BrokerChecks.SmallGeometry);
        Assert.Equal(1u, opened.Body<OpenQueueReply>().QueueId);
    }
}
