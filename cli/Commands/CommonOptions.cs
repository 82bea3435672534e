using System.Runtime.InteropServices;
using System.CommandLine;

namespace Mediator.Cli.Commands;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    /// <summary>The default control socket: $MEDIATOR_SOCKET, else the broker's default path.</summary>
    public static string DefaultSocket => Environment.GetEnvironmentVariable("MEDIATOR_SOCKET") is { Length: > 0 } s ? s : "/run/mediator/mediator.sock";

    public static Option<string> Socket() => new("--socket", "-s")
    {
        Description = "The broker's control socket ($MEDIATOR_SOCKET or /run/mediator/mediator.sock)",
        DefaultValueFactory = _ => DefaultSocket,
    };

    public static Option<double> Duration(double defaultSeconds) => new("--duration", "-d")
    {
        Description = "Seconds to run (0: until --count is reached)",
        DefaultValueFactory = _ => defaultSeconds,
    };

    public static Option<long> Count() => new("--count", "-n")
    {
        Description = "Frames to handle (0: no limit)",
        DefaultValueFactory = _ => 0L,
    };

    public static Option<int> Batch() => new("--batch", "-b")
    {
        Description = "Frames per ring publication",
        DefaultValueFactory = _ => 64,
    };

    /// <summary>How a client waits when it has nothing to do: spin on its rings, or sleep on the broker's eventfd.</summary>
    public static Option<WaitMode> Wait() => new("--wait")
    {
        Description = "When idle: poll (busy-poll the rings, never sleep), hybrid (busy-poll, sleep on the eventfd after 50 µs without progress) or eventfd (announce need-wakeup and sleep at once)",
        DefaultValueFactory = _ => WaitMode.Eventfd,
    };

    public static Option<int> FrameSize() => new("--size")
    {
        Description = "Frame length in bytes, without FCS (38 to 1514)",
        DefaultValueFactory = _ => 64,
    };

    public static Option<string> Mode()
    {
        var option = new Option<string>("--mode")
        {
            Description = "How this client reaches the device: mediated (default), txdirect or directmap (unsafe modes: the broker must grant them)",
            DefaultValueFactory = _ => "mediated",
        };
        option.AcceptOnlyFromAmong("mediated", "txdirect", "directmap");
        return option;
    }
}

/// <summary>How a client waits for its rings (<c>--wait</c>).</summary>
internal enum WaitMode
{
    /// <summary>Sleep on the broker's eventfd after announcing need-wakeup (the default).</summary>
    Eventfd,
    /// <summary>Busy-poll the rings; no system call unless the broker sleeps.</summary>
    Poll,
    /// <summary>Busy-poll, but sleep on the eventfd after 50 µs without progress (like SO_BUSY_POLL): for more clients than cores.</summary>
    Hybrid,
}

/// <summary>
/// The busy-poll back-off of <c>--wait poll|hybrid</c>: spin on the rings, yielding the core every 256
/// empty polls (a 2-core machine runs more busy processes than cores). With <c>hybrid</c> the spin is
/// bounded like Linux's SO_BUSY_POLL: after <see cref="SpinBudgetMicroseconds"/> without progress,
/// announce need-wakeup and sleep on the broker's eventfd until it signals. A client the broker keeps
/// busy never sleeps, so it makes no system call; a client waiting on a broker that is descheduled gives
/// its core to the broker instead of spinning its time slice away (with 64 clients on 2 cores that is
/// what lets the broker run).
/// </summary>
internal struct PollBackoff(bool sleeps)
{
    /// <summary>Longest spin without progress before sleeping (SO_BUSY_POLL's usual 50 µs).</summary>
    public const int SpinBudgetMicroseconds = 50;

    private static readonly long SpinBudgetTicks = System.Diagnostics.Stopwatch.Frequency * SpinBudgetMicroseconds / 1_000_000;
    private int _idle;
    private long _since;

    /// <summary>Times the spin budget ran out and the client slept on the eventfd.</summary>
    public long Sleeps { get; private set; }

    /// <summary>Call when a poll found nothing; <paramref name="rx"/>: the client waits for received frames, else for TX completions.</summary>
    public void Idle(Mediator.Client.ClientQueue queue, bool rx)
    {
        long now = sleeps ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        if (_idle++ == 0)
        {
            _since = now;
        }
        else if (sleeps && now - _since > SpinBudgetTicks)
        {
            // The 10 ms bound only covers a lost signal; the broker signals as soon as it produces.
            _ = rx ? queue.WaitForRx(TimeSpan.FromMilliseconds(10)) : queue.WaitForCompletions(TimeSpan.FromMilliseconds(10));
            Sleeps++;
            _idle = 0;
            return;
        }
        Spin();
    }

    /// <summary>
    /// Call when a poll found nothing and there is no eventfd to sleep on (a direct driver polls the
    /// device's rings itself): spin, yielding the core every 256 empty polls.
    /// </summary>
    public void Idle()
    {
        _idle++;
        Spin();
    }

    // A 2-core machine runs more busy processes than cores: give the core away every 256 empty polls.
    private readonly void Spin()
    {
        if ((_idle & 255) == 0)
        {
            Thread.Yield();
        }
        else
        {
            Thread.SpinWait(20);
        }
    }

    /// <summary>Call when a poll found work.</summary>
    public void Reset() => _idle = 0;
}

/// <summary>
/// Turns SIGTERM and SIGINT into a cancellation the traffic commands observe, so a harness that stops
/// a client with SIGTERM still gets its REPORT line (the default would end the process first).
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration _term;
    private readonly PosixSignalRegistration _int;

    public StopSignal(CancellationToken token)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
    }

    public CancellationToken Token => _cts.Token;

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _cts.Cancel();
    }

    public void Dispose()
    {
        _term.Dispose();
        _int.Dispose();
        _cts.Dispose();
    }
}
