using System.Globalization;
using static Tmds.Linux.LibC;

namespace Mediator.Cli;

/// <summary>
/// Ends a <c>mediator</c> process whose starter is gone. <see cref="ChildProcess"/> kills its children on
/// Dispose, but a starter that crashes or is killed never disposes: a test host that crashed once in CI
/// left a broker running for good. Children started by <see cref="ChildProcess"/> carry the starter's pid
/// in <see cref="Variable"/>; a background thread here checks twice a second that it is still the parent,
/// and once it is not (the process was re-parented), stops this process as SIGTERM does, then for good.
/// </summary>
/// <remarks>
/// Not PR_SET_PDEATHSIG: that fires when the starter's forking <em>thread</em> ends, and .NET starts
/// processes from whichever thread asks, pool threads included, which come and go.
/// </remarks>
internal static class ParentWatch
{
    /// <summary>The environment variable that names the pid this process must not outlive.</summary>
    public const string Variable = "MEDIATOR_EXIT_WITH_PARENT";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>Starts the watch if <see cref="Variable"/> names a parent; does nothing otherwise.</summary>
    public static void StartIfAsked()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out int parent) || parent <= 1)
        {
            return;
        }
        new Thread(() => Watch(parent)) { IsBackground = true, Name = "parent-watch" }.Start();
    }

    private static void Watch(int parent)
    {
        while (getppid() == parent)
        {
            Thread.Sleep(Poll);
        }
        Console.Error.WriteLine($"parent {parent} is gone: stopping");
        _ = kill(Environment.ProcessId, SIGTERM); // the graceful path: the broker drains, a generator reports
        Thread.Sleep(Grace);
        Environment.Exit(3);
    }
}
