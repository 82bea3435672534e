using System.Diagnostics;

namespace Mediator.Bench.Dpdk;

/// <summary>
/// A running <c>dpdk-testpmd</c> with its output captured line by line (with arrival times; run under
/// <c>stdbuf -oL</c> so each line arrives when printed, not when a pipe buffer fills). Interactive
/// ones are driven by commands (<see cref="ShowPortStats"/>, <see cref="StopForwarding"/>,
/// <see cref="Quit"/>); any is stopped with SIGINT by <see cref="Stop"/> (testpmd then prints its
/// forward statistics). It is killed when its <c>lifetime</c> runs out, and by Dispose if still
/// running; Dispose also deletes the hugepage files and runtime directory its file prefix names.
/// </summary>
public sealed class TestPmd : IDisposable
{
    private const int SIGINT = 2;
    private const int SIGKILL = 9;
    private const string Stdbuf = "/usr/bin/stdbuf";

    private readonly Process _process;
    private readonly List<(long Timestamp, string Line)> _lines = [];
    private readonly object _gate = new(); // guards _lines; Monitor pulses waiters on each line
    private readonly Timer _deadline;
    private int _outputStreamsOpen = 2;

    private TestPmd(TestPmdOptions options, Process process, TimeSpan lifetime)
    {
        Options = options;
        _process = process;
        _deadline = new Timer(_ => Kill(), null, lifetime, Timeout.InfiniteTimeSpan);
    }

    public TestPmdOptions Options { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Why testpmd cannot run here (not root, no testpmd), or null when it can.</summary>
    public static string? MissingPrerequisite(string executable = TestPmdOptions.DefaultExecutable)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "needs root (hugepages, hugetlbfs mount); CI runs as root";
        }
        if (!File.Exists(executable))
        {
            return $"{executable} is missing (Debian package dpdk-dev; .ci/run installs it)";
        }
        return null;
    }

    /// <summary>Starts testpmd; it is killed at the latest after <paramref name="lifetime"/>.</summary>
    public static TestPmd Start(TestPmdOptions options, TimeSpan lifetime)
    {
        // stdbuf execs testpmd (same pid) with line-buffered stdout.
        bool stdbuf = File.Exists(Stdbuf);
        var info = new ProcessStartInfo(stdbuf ? Stdbuf : options.Executable)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        if (stdbuf)
        {
            info.ArgumentList.Add("-oL");
            info.ArgumentList.Add(options.Executable);
        }
        foreach (string a in options.Arguments())
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + options.Executable);
        var pmd = new TestPmd(options, process, lifetime);
        process.OutputDataReceived += (_, e) => pmd.Add(e.Data);
        process.ErrorDataReceived += (_, e) => pmd.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return pmd;
    }

    private void Add(string? line)
    {
        lock (_gate)
        {
            if (line is null)
            {
                _outputStreamsOpen--;
            }
            else
            {
                _lines.Add((Stopwatch.GetTimestamp(), line));
            }
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Everything testpmd wrote so far (stdout and stderr, in arrival order).</summary>
    public IReadOnlyList<(long Timestamp, string Line)> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The last <paramref name="count"/> lines, for error messages.</summary>
    public string Tail(int count = 30)
    {
        lock (_gate)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - count)).Select(l => l.Line));
        }
    }

    /// <summary>The statistics printed so far.</summary>
    public TestPmdStatistics.Parsed Statistics() => TestPmdStatistics.Parse(Lines);

    /// <summary>Waits until some output line satisfies <paramref name="match"/>; false on timeout or when testpmd ended first.</summary>
    public bool WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        var end = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        int seen = 0;
        lock (_gate)
        {
            while (true)
            {
                for (; seen < _lines.Count; seen++)
                {
                    if (match(_lines[seen].Line))
                    {
                        return true;
                    }
                }
                long left = end - Stopwatch.GetTimestamp();
                if (left <= 0 || _outputStreamsOpen == 0)
                {
                    return false;
                }
                Monitor.Wait(_gate, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
            }
        }
    }

    /// <summary>Writes one command line to an interactive testpmd.</summary>
    public void Command(string command)
    {
        if (!Options.Interactive)
        {
            throw new InvalidOperationException("testpmd runs non-interactive: it reads no commands");
        }
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
    }

    /// <summary>Interactive: <c>show port stats 0</c>; returns the block it printed (timestamped on arrival).</summary>
    public NicStatistics ShowPortStats(TimeSpan timeout)
    {
        int before = Statistics().Nic.Count;
        Command("show port stats 0");
        NicStatistics? found = null;
        WaitForLine(line =>
        {
            if (!TestPmdStatistics.ClosesBlock(line))
            {
                return false;
            }
            var nic = Statistics().Nic;
            found = nic.Count > before ? nic[^1] : null;
            return found is not null;
        }, timeout);
        return found ?? throw new TimeoutException($"testpmd (pid {Pid}) printed no port statistics within {timeout.TotalSeconds} s:\n{Tail()}");
    }

    /// <summary>
    /// Interactive: <c>start</c>, or with <paramref name="txFirstBursts"/> &gt; 0 <c>start tx_first N</c>
    /// (N bursts of generated frames first: io/mac/macswap then keep them circulating); waits for the
    /// confirmation line.
    /// </summary>
    public void StartForwarding(TimeSpan timeout, int txFirstBursts = 0)
    {
        int before = Lines.Count;
        Command(txFirstBursts > 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"start tx_first {txFirstBursts}") : "start");
        int seen = 0;
        if (!WaitForLine(l => ++seen > before && l.Contains("packet forwarding - ports=", StringComparison.Ordinal), timeout))
        {
            throw new TimeoutException($"testpmd (pid {Pid}) did not start forwarding within {timeout.TotalSeconds} s:\n{Tail()}");
        }
    }

    /// <summary>Interactive: <c>set fwd MODE</c> (while forwarding is stopped).</summary>
    public void SetForwardMode(string mode, TimeSpan timeout)
    {
        int before = Lines.Count;
        Command("set fwd " + mode);
        int seen = 0;
        if (!WaitForLine(l => ++seen > before && l.Contains($"Set {mode} packet forwarding mode", StringComparison.Ordinal), timeout))
        {
            throw new TimeoutException($"testpmd (pid {Pid}) did not switch to {mode} within {timeout.TotalSeconds} s:\n{Tail()}");
        }
    }

    /// <summary>Interactive: <c>stop</c> (forwarding stops, the port stays up); returns port 0's forward statistics.</summary>
    public ForwardStatistics StopForwarding(TimeSpan timeout)
    {
        int before = Statistics().Forward.Count;
        Command("stop");
        ForwardStatistics? found = null;
        WaitForLine(line =>
        {
            if (!TestPmdStatistics.ClosesBlock(line))
            {
                return false;
            }
            var parsed = Statistics();
            found = parsed.Forward.Count > before ? parsed.ForwardOf(0) : null;
            return found is not null;
        }, timeout);
        return found ?? throw new TimeoutException($"testpmd (pid {Pid}) printed no forward statistics within {timeout.TotalSeconds} s of stop:\n{Tail()}");
    }

    /// <summary>Interactive: <c>quit</c>, waiting for the exit; falls back to <see cref="Stop"/> (SIGINT) if it does not end.</summary>
    public TestPmdStatistics.Parsed Quit(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            try
            {
                Command("quit");
            }
            catch (IOException)
            {
                // stdin closed: it is exiting anyway
            }
        }
        if (_process.WaitForExit(timeout))
        {
            _process.WaitForExit(); // the output readers reach the end
            return Statistics();
        }
        return Stop(timeout);
    }

    /// <summary>
    /// Stops testpmd with SIGINT (it stops forwarding and prints its forward statistics) and waits
    /// for it to exit; returns everything it printed, parsed. Kills it and throws if it does not end.
    /// </summary>
    public TestPmdStatistics.Parsed Stop(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = Tmds.Linux.LibC.kill(_process.Id, SIGINT);
        }
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"testpmd (pid {Pid}) did not exit within {timeout.TotalSeconds} s of SIGINT:\n{Tail()}");
        }
        _process.WaitForExit(); // the output readers reach the end
        return Statistics();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _ = Tmds.Linux.LibC.kill(_process.Id, SIGKILL);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Kills testpmd if it still runs and removes its hugepage files and runtime directory.</summary>
    public void Dispose()
    {
        _deadline.Dispose();
        Kill();
        _process.WaitForExit(TimeSpan.FromSeconds(10));
        _process.Dispose();
        DeleteFiles(Options.HugeDir, Options.FilePrefix);
    }

    /// <summary>Deletes <c>HUGEDIR/PREFIX*</c> (DPDK leaves its hugepage files behind) and <c>/var/run/dpdk/PREFIX</c>.</summary>
    public static void DeleteFiles(string hugeDir, string prefix)
    {
        try
        {
            foreach (string f in Directory.EnumerateFiles(hugeDir, prefix + "*"))
            {
                File.Delete(f);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        try
        {
            string run = Path.Combine("/var/run/dpdk", prefix);
            if (Directory.Exists(run))
            {
                Directory.Delete(run, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
