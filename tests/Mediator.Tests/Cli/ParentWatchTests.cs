using Mediator.Cli;

namespace Mediator.Tests.Cli;

/// <summary>A child <c>mediator</c> stops by itself once the process that started it is gone.</summary>
public sealed class ParentWatchTests
{
    private static string Socket() => Path.Combine(Path.GetTempPath(), $"mpw-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");

    [Fact]
    public void A_broker_whose_parent_is_gone_stops_itself()
    {
        string socket = Socket();
        // Tell it a pid that is not its parent: to the watch that is a parent that died and left it re-parented.
        using var child = ChildProcess.StartSelf(new Dictionary<string, string> { [ParentWatch.Variable] = "999999" },
            "broker", "--socket", socket, "--Logging:LogLevel:Default=Warning");
        try
        {
            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(20)), "the orphaned broker kept running");
            Assert.Contains(child.ErrorLines, l => l.Contains("parent 999999 is gone", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(socket);
        }
    }

    [Fact]
    public void A_broker_whose_parent_lives_keeps_running()
    {
        string socket = Socket();
        using var child = ChildProcess.StartSelf("broker", "--socket", socket, "--Logging:LogLevel:Default=Warning");
        try
        {
            // Several of the watch's polls (every 0.5 s) pass.
            Assert.False(child.WaitForExit(TimeSpan.FromSeconds(2)), "the broker stopped while its parent lived");
        }
        finally
        {
            child.Terminate(TimeSpan.FromSeconds(5));
            File.Delete(socket);
        }
    }
}
