using Mediator.Abi;
using Mediator.Client;
using Mediator.Control;
using Mediator.Native;

namespace Mediator.Tests.Client;

public class HandshakeTests
{
    [Fact]
    public void Hello_reply_fills_in_the_client()
    {
        using var fake = new FakeBroker();
        using var client = fake.Connect("hello-app");
        Assert.Equal(42u, client.ClientId);
        Assert.Equal(ClientMode.Mediated, client.Mode);
        Assert.Equal(4u, client.MaxQueues);
        Assert.Equal(1ul << 30, client.MaxUmemBytes);
        Assert.Equal(1514u, client.MaxFrameLength);
        Assert.Equal("hello-app", fake.AppName);
        Assert.True(client.IsConnected);
        Assert.False(client.IsBrokerShuttingDown);
    }

    [Fact]
    public async Task Connects_through_a_listening_socket_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mdc-{Guid.NewGuid():N}"[..20] + ".sock");
        try
        {
            using var listener = SeqPacketSocket.Listen(path);
            var connecting = Task.Run(() => MediatorClient.Connect(path, "by-path", TimeSpan.FromSeconds(10)));
            var accepted = listener.Accept(10_000);
            Assert.NotNull(accepted);
            using var fake = new FakeBroker(accepted).Start();
            using var client = await connecting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            Assert.Equal(42u, client.ClientId);
            Assert.Equal("by-path", fake.AppName);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Hello_error_becomes_a_typed_exception()
    {
        using var fake = new FakeBroker { HelloError = ErrorCode.PolicyDenied };
        var e = Assert.Throws<MediatorException>(() => fake.Connect());
        Assert.Equal(ErrorCode.PolicyDenied, e.Code);
        Assert.Equal(MessageType.Hello, e.FailedType);
        Assert.Equal("not you", e.BrokerText);
        Assert.True(e.IsFromBroker);
    }

    [Fact]
    public void Broker_with_another_abi_is_refused()
    {
        using var fake = new FakeBroker { HelloAbi = 99 };
        var e = Assert.Throws<MediatorException>(() => fake.Connect());
        Assert.Equal(ErrorCode.UnsupportedVersion, e.Code);
        Assert.False(e.IsFromBroker);
    }

    [Fact]
    public void Silent_broker_times_out_with_a_clear_message()
    {
        using var fake = new FakeBroker { IgnoreHello = true };
        var e = Assert.Throws<TimeoutException>(() => fake.Connect(timeoutMs: 100));
        Assert.Contains("did not answer Hello", e.Message);
        Assert.Contains("100 ms", e.Message);
    }

    [Fact]
    public void Infinite_timeout_waits_for_the_reply()
    {
        using var fake = new FakeBroker();
        using var client = fake.Connect(timeoutMs: Timeout.Infinite);
        Assert.Equal(42u, client.ClientId);
    }

    [Fact]
    public void Replies_with_another_request_id_are_skipped()
    {
        using var fake = new FakeBroker { StaleReplyFirst = true };
        using var client = fake.Connect();
        Assert.Equal(42u, client.ClientId);
        var stats = client.GetStatistics();
        Assert.True(stats.IsBrokerWide);
    }

    [Fact]
    public void OpenQueue_error_becomes_a_typed_exception()
    {
        using var fake = new FakeBroker { OpenError = ErrorCode.QuotaExceeded };
        using var client = fake.Connect();
        var e = Assert.Throws<MediatorException>(() => client.OpenQueue(FakeBroker.SmallGeometry));
        Assert.Equal(ErrorCode.QuotaExceeded, e.Code);
        Assert.Equal(MessageType.OpenQueue, e.FailedType);
        Assert.Equal("no room", e.BrokerText);
    }

    [Fact]
    public void Invalid_geometry_is_refused_before_asking()
    {
        using var fake = new FakeBroker();
        using var client = fake.Connect();
        var g = FakeBroker.SmallGeometry;
        g.TxSize = 12;
        Assert.Throws<ArgumentException>(() => client.OpenQueue(g));
    }

    [Fact]
    public void Statistics_per_queue_and_broker_wide()
    {
        using var fake = new FakeBroker();
        using var client = fake.Connect();
        using var queue = client.OpenQueue(FakeBroker.SmallGeometry);
        var all = client.GetStatistics();
        Assert.True(all.IsBrokerWide);
        Assert.Equal(1000ul + 20, all[QueueCounter.TxSent]);
        var mine = client.GetStatistics(queue);
        Assert.Equal(queue.QueueId, mine.QueueId);
        Assert.Equal(queue.QueueId + 10ul * (int)QueueCounter.RxDelivered, mine[QueueCounter.RxDelivered]);
        Assert.Equal((int)QueueCounter.Count, mine.Count);
    }

    [Fact]
    public void Goodbye_during_a_request_is_surfaced_and_the_reply_still_arrives()
    {
        using var fake = new FakeBroker { GoodbyeBeforeStats = true };
        using var client = fake.Connect();
        int raised = 0;
        client.BrokerShuttingDown += (_, _) => raised++;
        var stats = client.GetStatistics();
        Assert.True(stats.IsBrokerWide);
        Assert.True(client.IsBrokerShuttingDown);
        Assert.Equal(1, raised);
    }

    [Fact]
    public void Unsolicited_goodbye_is_noticed_by_PollEvents()
    {
        using var fake = new FakeBroker();
        using var client = fake.Connect();
        client.PollEvents();
        Assert.False(client.IsBrokerShuttingDown);
        fake.SendGoodbye();
        client.PollEvents();
        Assert.True(client.IsBrokerShuttingDown);
    }

    [Fact]
    public void Queue_reports_what_the_broker_granted()
    {
        using var fake = new FakeBroker();
        using var client = fake.Connect();
        using var queue = client.OpenQueue(FakeBroker.SmallGeometry);
        Assert.Equal(1u, queue.QueueId);
        Assert.Equal(3u, queue.DeviceQueue);
        Assert.Equal(FakeBroker.SmallGeometry, queue.Geometry);
        Assert.Equal(new byte[] { 2, 3, 4, 5, 6, 7 }, queue.Mac.ToArray());
        Assert.Equal((int)FakeBroker.SmallGeometry.UmemSize, queue.Umem.Length);
    }

    [Fact]
    public void Dispose_sends_CloseQueue_once()
    {
        using var fake = new FakeBroker();
        using var client = fake.Connect();
        var queue = client.OpenQueue(FakeBroker.SmallGeometry);
        queue.Dispose();
        queue.Dispose();
        Assert.Equal([1u], fake.ClosedQueues.ToArray());
    }
}
