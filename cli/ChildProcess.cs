using System.Collections.Concurrent;
using System.Diagnostics;

namespace Mediator.Cli;

/// <summary>
/// Another <c>mediator</c> process (the demo's broker, sink and pktgen), started from this same
/// executable, with its stdout read line by line. Disposing kills it if it still runs, so no child
/// outlives the demo or a test; if this process dies without disposing it, the child stops by itself
/// (<see cref="ParentWatch"/>).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly ConcurrentQueue<string> _errors = new();

    private ChildProcess(Process process) => _process = process;

    /// <summary>The child's pid.</summary>
    public int Pid => _process.Id;

    /// <summary>Whether the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code (after exit).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Lines the child wrote to stderr so far.</summary>
    public IReadOnlyCollection<string> ErrorLines => _errors;

    /// <summary>Starts <c>mediator</c> with <paramref name="args"/>.</summary>
    public static ChildProcess StartSelf(params string[] args) => StartSelf(null, args);

    /// <summary>Starts <c>mediator</c> with <paramref name="args"/> and extra <paramref name="environment"/> variables.</summary>
    public static ChildProcess StartSelf(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = SelfStartInfo();
        // The child stops by itself if this process dies without disposing it (ParentWatch).
        info.Environment[ParentWatch.Variable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + info.FileName);
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child._errors.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    // Runs on the process's reader thread, which can still deliver a line or the end of the stream after
    // Dispose (the reader is not stopped by it): a throw here would be unhandled and end the whole process
    // (a test host crashed on it once), and nobody reads the lines of a disposed child anyway.
    private void OnLine(string? line)
    {
        try
        {
            if (line is null)
            {
                _lines.CompleteAdding();
            }
            else
            {
                _lines.Add(line);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// How to run <c>mediator</c>: its apphost beside mediator.dll, else <c>dotnet mediator.dll</c>.
    /// Works from the mediator process itself and from a test host that references it.
    /// </summary>
    public static ProcessStartInfo SelfStartInfo()
    {
        string dll = typeof(ChildProcess).Assembly.Location;
        string apphost = Path.ChangeExtension(dll, null);
        if (File.Exists(apphost))
        {
            return new ProcessStartInfo(apphost);
        }
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet);
        info.ArgumentList.Add(dll);
        return info;
    }

    /// <summary>Waits for a stdout line starting with <paramref name="prefix"/>; returns the rest, or null on timeout or exit.</summary>
    public string? WaitForLine(string prefix, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            var left = end - DateTime.UtcNow;
            if (!_lines.TryTake(out string? line, left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                if (_lines.IsCompleted)
                {
                    return null;
                }
                continue;
            }
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..];
            }
        }
        return null;
    }

    /// <summary>Waits for a stdout line <paramref name="match"/> accepts (other lines are skipped); returns it, or null on timeout or exit.</summary>
    public string? WaitForLine(Predicate<string> match, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            var left = end - DateTime.UtcNow;
            if (_lines.TryTake(out string? line, left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                if (match(line))
                {
                    return line;
                }
            }
            else if (_lines.IsCompleted)
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>Sends SIGTERM without waiting (see <see cref="Terminate"/> for the waiting kind).</summary>
    public void SignalTerminate()
    {
        if (!_process.HasExited)
        {
            _ = Tmds.Linux.LibC.kill(_process.Id, Tmds.Linux.LibC.SIGTERM);
        }
    }

    /// <summary>Waits for exit and for the child's output to be read to its end; false on timeout.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }
        _process.WaitForExit(); // after a timed wait returns, this one also drains the redirected streams
        return true;
    }

    /// <summary>Asks the child to stop (SIGTERM), as systemd would; kills it after <paramref name="grace"/>.</summary>
    public void Terminate(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }
        _ = Tmds.Linux.LibC.kill(_process.Id, Tmds.Linux.LibC.SIGTERM);
        if (!_process.WaitForExit(grace))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>Kills the child if it still runs.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _lines.Dispose();
    }
}
