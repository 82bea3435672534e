using System.Diagnostics;
using Mediator.Client;
using Mediator.Control;
using Mediator.Tests.Integration;
using Xunit.Sdk;

namespace Mediator.Tests.Broker.ControlPlane;

/// <summary>
/// Clients that die mid-request or come and go by the hundred: the broker frees every descriptor and
/// mapping they cost it, its memory stays bounded, and a bystander's queue keeps working throughout.
/// </summary>
public sealed class ClientDeathTests(SharedBroker shared, ITestOutputHelper output) : IClassFixture<SharedBroker>
{
    private readonly BrokerProcess _broker = shared.Broker;

    /// <summary>Mappings of queue memory (UMEM, client and broker areas) in the broker.</summary>
    private int QueueMappings => File.ReadLines($"/proc/{_broker.Pid}/maps").Count(l => l.Contains("/memfd:mediator-", StringComparison.Ordinal)
        && !l.Contains("-bar0", StringComparison.Ordinal) && !l.Contains("-msix", StringComparison.Ordinal));

    private (int Fds, int Maps) Settle()
    {
        // Let any earlier disconnects finish, then take the broker's resting counts.
        int fds = _broker.FdCount, maps = QueueMappings;
        var end = Environment.TickCount64 + 3000;
        int stable = 0;
        while (Environment.TickCount64 < end && stable < 5)
        {
            Thread.Sleep(20);
            int f = _broker.FdCount, m = QueueMappings;
            stable = f == fds && m == maps ? stable + 1 : 0;
            (fds, maps) = (f, m);
        }
        return (fds, maps);
    }

    private void AssertBackToBaseline((int Fds, int Maps) baseline, TimeSpan timeout)
    {
        BrokerChecks.AssertFdsBackTo(_broker, baseline.Fds, timeout);
        int maps = 0;
        Assert.True(BrokerChecks.WaitUntil(() => (maps = QueueMappings) <= baseline.Maps, timeout),
            $"broker has {maps} mappings of queue memory, baseline {baseline.Maps}");
    }

    [Fact]
    public void ClientThatSaysHelloThenCloses_CostsTheBrokerNothing()
    {
        var baseline = Settle();
        for (int i = 0; i < 20; i++)
        {
            using var raw = RawControlClient.Connect(_broker.SocketPath);
            raw.Send(MessageType.Hello, 1, RawControlClient.HelloBody());
        }
        AssertBackToBaseline(baseline, TimeSpan.FromSeconds(5));
        BrokerChecks.AssertServing(_broker);
    }

    [Fact]
    public void ClientThatClosesBeforeReadingItsOpenQueueReply_LeaksNoDescriptorsOrMappings()
    {
        var baseline = Settle();
        for (int i = 0; i < 20; i++)
        {
            using var raw = RawControlClient.Connect(_broker.SocketPath);
            raw.Hello();
            raw.Send(MessageType.OpenQueue, 2, new OpenQueueRequest { Geometry = BrokerChecks.SmallGeometry });
            if (i % 2 == 1)
            {
                raw.Socket.Shutdown(); // the other half: gone before the broker even reads the request
            }
        }
        AssertBackToBaseline(baseline, TimeSpan.FromSeconds(5));
        output.WriteLine($"after 20 dead OpenQueue clients: {_broker.FdCount} fds (baseline {baseline.Fds}), {QueueMappings} queue mappings (baseline {baseline.Maps})");
        BrokerChecks.AssertServing(_broker);
    }

    [Fact]
    public void StormOf200Connections_ReturnsFdsAndMappingsToBaseline_WhileABystanderKeepsWorking()
    {
        using var bystander = _broker.Connect("bystander");
        using var queue = bystander.OpenQueue(BrokerChecks.SmallGeometry);
        BrokerChecks.AssertRoundTrip(queue, 1);

        using var stop = new CancellationTokenSource();
        Exception? bystanderFailure = null;
        int roundTrips = 0;
        var traffic = new Thread(() =>
        {
            try
            {
                for (uint marker = 2; !stop.IsCancellationRequested; marker++)
                {
                    BrokerChecks.AssertRoundTrip(queue, marker);
                    roundTrips++;
                    Thread.Sleep(1);
                }
            }
            catch (Exception e) when (e is XunitException or IOException or MediatorException)
            {
                bystanderFailure = e;
            }
        }) { IsBackground = true, Name = "bystander" };

        Storm(20, seed: 1); // warm-up: JIT, pools and heaps of the broker reach their working size
        var baseline = Settle();
        long rssBefore = _broker.RssKiB;
        int allMapsBefore = _broker.MappingCount;
        traffic.Start();
        var watch = Stopwatch.StartNew();
        try
        {
            Storm(200, seed: 2);
        }
        finally
        {
            stop.Cancel();
            traffic.Join(TimeSpan.FromSeconds(10));
        }
        watch.Stop();
        Assert.Null(bystanderFailure);
        Assert.True(roundTrips > 0, "the bystander's queue carried frames during the storm");
        AssertBackToBaseline(baseline, TimeSpan.FromSeconds(8));
        long rssAfter = _broker.RssKiB;
        int allMapsAfter = _broker.MappingCount;
        output.WriteLine($"storm of 200 in {watch.ElapsedMilliseconds} ms; bystander round trips {roundTrips}; fds {baseline.Fds} -> {_broker.FdCount}; " +
            $"queue mappings {baseline.Maps} -> {QueueMappings}; all mappings {allMapsBefore} -> {allMapsAfter}; RSS {rssBefore} -> {rssAfter} KiB");
        // The runtime's own mappings (JIT code pages, thread stacks, GC regions) may grow a little; a
        // leak of the storm's ~130 queues would add three mappings each.
        Assert.True(allMapsAfter - allMapsBefore < 100, $"broker mappings grew from {allMapsBefore} to {allMapsAfter}");
        Assert.True(rssAfter - rssBefore < 30 * 1024, $"broker RSS grew by {rssAfter - rssBefore} KiB");
        BrokerChecks.AssertRoundTrip(queue, 0xFFFF);
        var stats = bystander.GetStatistics(queue);
        Assert.True(stats[QueueCounter.RxDelivered] > 0);
    }

    /// <summary>
    /// <paramref name="count"/> clients, each of one kind: connect and vanish; Hello and vanish; a library
    /// client that opens a queue and closes properly; a raw client that opens a queue and hangs up without
    /// reading the reply; one that opens, reads the descriptors and hangs up with the queue open; one that
    /// sends garbage and descriptors.
    /// </summary>
    private void Storm(int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            switch (i % 6)
            {
                case 0:
                    RawControlClient.Connect(_broker.SocketPath).Dispose();
                    break;
                case 1:
                {
                    using var raw = RawControlClient.Connect(_broker.SocketPath);
                    raw.Hello();
                    break;
                }
                case 2:
                {
                    using var client = _broker.Connect("storm");
                    using var q = client.OpenQueue(BrokerChecks.SmallGeometry);
                    break;
                }
                case 3:
                {
                    using var raw = RawControlClient.Connect(_broker.SocketPath);
                    raw.Hello();
                    raw.Send(MessageType.OpenQueue, 2, new OpenQueueRequest { Geometry = BrokerChecks.SmallGeometry });
                    break;
                }
                case 4:
                {
                    using var raw = RawControlClient.Connect(_broker.SocketPath);
                    raw.Hello();
                    using var reply = raw.OpenQueue(2, BrokerChecks.SmallGeometry);
                    Assert.Equal(MessageType.OpenQueueReply, reply.Type);
                    break;
                }
                default:
                {
                    using var raw = RawControlClient.Connect(_broker.SocketPath);
                    var junk = new byte[random.Next(0, 64)];
                    random.NextBytes(junk);
                    using var fd = Native.Memfd.Create("storm", 4096);
                    raw.SendRaw(junk, [fd.Fd]);
                    raw.ExpectError(ErrorCode.UnexpectedFds, junk.Length >= 16 ? BitConverter.ToUInt32(junk, 12) : 0,
                        junk.Length >= 16 ? (MessageType)BitConverter.ToUInt16(junk, 6) : 0);
                    break;
                }
            }
        }
    }
}
