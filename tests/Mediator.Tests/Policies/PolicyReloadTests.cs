using Mediator.Abi;
using Mediator.Client;
using Mediator.Control;
using Mediator.Policies;
using Mediator.Tests.Integration;

namespace Mediator.Tests.Policies;

/// <summary>
/// Reload with a real broker process: its --config file changes (and SIGHUP), the connected client keeps
/// its connection and queue, and the new packet rules apply to its live queue; a bad file is refused and
/// the running rules stay.
/// </summary>
public sealed class PolicyReloadTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("mediator-reload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Config(string defaultPolicy) =>
        $$"""{ "Broker": { "DefaultPolicy": { "Name": "default", {{defaultPolicy}} } } }""";

    private static void Write(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true); // as editors do: the watcher sees one complete file
    }

    /// <summary>Sends one IPv6 frame from the queue's own MAC and returns its completion status.</summary>
    private static RequestStatus SendIPv6(ClientQueue queue)
    {
        long before = queue.Completed + queue.Refused;
        Assert.True(queue.TrySend(TestFrames.Make(queue.Mac, ethertype: Ethertypes.IPv6)));
        var end = DateTime.UtcNow + Deadline;
        while (queue.Completed + queue.Refused == before)
        {
            Assert.True(DateTime.UtcNow < end, "no completion");
            queue.WaitForCompletions(TimeSpan.FromMilliseconds(100));
            queue.ReapCompletions();
        }
        return queue.RefusedCount(RequestStatus.EthertypeNotAllowed) > 0 ? RequestStatus.EthertypeNotAllowed : RequestStatus.Ok;
    }

    [Fact]
    public void Changed_rules_reach_a_connected_clients_live_queue_without_dropping_it()
    {
        string config = Path.Combine(_dir, "mediator.json");
        Write(config, Config("\"EnforceSourceMac\": true"));
        using var broker = BrokerProcess.Start("--config", config, "--Logging:LogLevel:Default=Information");
        using var client = broker.Connect("reload");
        using var queue = client.OpenQueue();
        Assert.Equal(RequestStatus.Ok, SendIPv6(queue));

        // A bad file is refused; the broker and the client carry on under the old rules.
        Write(config, Config("\"VlanMode\": \"Require\""));
        Assert.NotNull(WaitForLog(broker, "Configuration reload refused"));
        Assert.False(broker.Process.HasExited);
        Assert.Equal(RequestStatus.Ok, SendIPv6(queue));

        Write(config, Config("\"AllowedEthertypes\": [ \"IPv4\", \"ARP\" ]"));
        // The file watcher reloads; SIGHUP makes it prompt and is itself a reload trigger.
        Assert.Equal(0, Tmds.Linux.LibC.kill(broker.Pid, Tmds.Linux.LibC.SIGHUP));
        var end = DateTime.UtcNow + Deadline;
        RequestStatus status;
        while ((status = SendIPv6(queue)) == RequestStatus.Ok)
        {
            Assert.True(DateTime.UtcNow < end, "the new allow-list never reached the live queue");
        }

        Assert.Equal(RequestStatus.EthertypeNotAllowed, status);
        Assert.True(client.IsConnected);
        var stats = client.GetStatistics(queue);
        Assert.True(stats[QueueCounter.RefusedEthertypeNotAllowed] >= 1);
        Assert.Equal(queue.QueueId, stats.QueueId);
        Assert.Contains("AllowedEthertypes: all → [0x0800, 0x0806]", WaitForLog(broker, "packet rules changed by the reload"), StringComparison.Ordinal);
    }

    private static string? WaitForLog(BrokerProcess broker, string text)
    {
        var end = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < end && broker.Process.WaitForLine("", end - DateTime.UtcNow) is { } line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return line;
            }
        }
        return null;
    }
}
