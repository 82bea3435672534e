using Mediator.Cli;

namespace Mediator.Tests.Integration;

/// <summary>
/// Clients that come and go, cleanly, abruptly, or killed mid-traffic, leave nothing behind in the
/// broker: its descriptors, mappings and memory return to their baseline.
/// </summary>
public sealed class DisconnectLoopTests
{
    [Fact]
    public void Two_hundred_connect_disconnect_and_kill_cycles_leave_fds_mappings_and_memory_stable()
    {
        using var broker = BrokerProcess.Start();
        using var neighbour = broker.Connect("neighbour");
        using var neighbourQueue = neighbour.OpenQueue();

        Cycle(broker, 0); // warm up: first-use allocations are not leaks
        int fds = broker.FdCount;
        int maps = broker.MappingCount;
        long rss = broker.RssKiB;

        for (int i = 1; i <= 200; i++)
        {
            Cycle(broker, i);
        }

        Assert.True(WaitFor(() => broker.FdCount <= fds), $"broker fds {broker.FdCount}, baseline {fds}");
        Assert.True(WaitFor(() => broker.MappingCount <= maps), $"broker's mediator mappings {broker.MappingCount}, baseline {maps}");
        long grown = broker.RssKiB - rss;
        TestContext.Current.TestOutputHelper?.WriteLine($"after 200 cycles: fds {broker.FdCount} (baseline {fds}), mediator mappings {broker.MappingCount} (baseline {maps}), RSS +{grown} KiB");
        Assert.True(grown < 48 * 1024, $"broker RSS grew by {grown} KiB over 200 cycles");

        // The neighbour was never disturbed.
        Span<byte> frame = stackalloc byte[60];
        neighbourQueue.Mac.CopyTo(frame);
        Assert.True(neighbourQueue.TrySend(frame));
        Assert.True(neighbourQueue.WaitForRx(TimeSpan.FromSeconds(10)));
    }

    private static void Cycle(BrokerProcess broker, int i)
    {
        if (i % 20 == 10)
        {
            // A real client process killed while it sends.
            using var gen = ChildProcess.StartSelf("pktgen", "--socket", broker.SocketPath, "--dst", "02:4d:44:00:00:00", "--duration", "30");
            Assert.NotNull(gen.WaitForLine("READY ", TimeSpan.FromSeconds(30)));
            return; // Dispose kills it (SIGKILL) mid-run
        }
        using var client = broker.Connect($"cycle{i}");
        var queue = client.OpenQueue();
        Span<byte> frame = stackalloc byte[64];
        queue.Mac.CopyTo(frame);
        queue.TrySend(frame);
        if (i % 2 == 0)
        {
            queue.Dispose(); // clean close; odd cycles just drop the connection with the queue open
        }
    }

    private static bool WaitFor(Func<bool> condition)
    {
        var end = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < end)
        {
            if (condition())
            {
                return true;
            }
            Thread.Sleep(20);
        }
        return condition();
    }
}
