using System.Globalization;

namespace Mediator.Bench.Harness;

/// <summary>
/// A process's own CPU accounting from /proc: user + system time of all its threads (utime + stime of
/// /proc/PID/stat, in clock ticks of 10 ms at USER_HZ 100) and its context switches summed over its
/// live threads (/proc/PID/task/*/status). Voluntary switches are the proxy for blocking system calls.
/// </summary>
public readonly record struct ProcSample(double CpuSeconds, long Voluntary, long Involuntary)
{
    public const double TicksPerSecond = 100; // USER_HZ on Linux

    public static ProcSample Read(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may contain spaces.
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // f[0] is field 3 (state); utime is field 14, stime field 15.
            double cpu = (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            long vol = 0, invol = 0;
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    foreach (string line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            vol += long.Parse(line.AsSpan(24).Trim(), CultureInfo.InvariantCulture);
                        }
                        else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            invol += long.Parse(line.AsSpan(27).Trim(), CultureInfo.InvariantCulture);
                        }
                    }
                }
                catch (IOException)
                {
                    // a thread ended while we looked
                }
            }
            return new ProcSample(cpu, vol, invol);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default; // the process is gone
        }
    }

    /// <summary>
    /// CPU seconds (utime + stime) of the threads of <paramref name="pid"/> whose name starts with
    /// <paramref name="namePrefix"/> (/proc/PID/task/TID/stat; names are cut to 15 bytes, e.g. "mediator-datapa").
    /// </summary>
    public static double ThreadCpuSeconds(int pid, string namePrefix)
    {
        double sum = 0;
        foreach (string[] f in ThreadStats(pid, namePrefix))
        {
            sum += (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        return sum;
    }

    // The fields after "(comm)" of each matching thread's /proc stat line (f[0] is field 3); threads
    // that end while we look, or a process that is gone, yield nothing.
    private static List<string[]> ThreadStats(int pid, string namePrefix)
    {
        var stats = new List<string[]>();
        try
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    string stat = File.ReadAllText(Path.Combine(task, "stat"));
                    int open = stat.IndexOf('(', StringComparison.Ordinal), close = stat.LastIndexOf(')');
                    if (stat.AsSpan(open + 1, close - open - 1).StartsWith(namePrefix, StringComparison.Ordinal))
                    {
                        stats.Add(stat[(close + 2)..].Split(' '));
                    }
                }
                catch (IOException)
                {
                    // a thread ended while we looked
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return stats;
    }

    public static ProcSample operator -(ProcSample a, ProcSample b) =>
        new(a.CpuSeconds - b.CpuSeconds, a.Voluntary - b.Voluntary, a.Involuntary - b.Involuntary);

    public static ProcSample operator +(ProcSample a, ProcSample b) =>
        new(a.CpuSeconds + b.CpuSeconds, a.Voluntary + b.Voluntary, a.Involuntary + b.Involuntary);
}

/// <summary>Facts about the machine the run is on, written into every result file.</summary>
public sealed record MachineInfo
{
    public string Host { get; init; } = Environment.MachineName;
    public int Cores { get; init; } = Environment.ProcessorCount;
    public string CpuModel { get; init; } = "";
    public double CpuMHz { get; init; }
    public string Kernel { get; init; } = "";
    public string Runtime { get; init; } = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
    public double LoadAverage1m { get; init; }
    /// <summary>CPU 0 ↔ CPU 1 cache-line round trip at the start of the run (<see cref="CacheLineProbe"/>), ns; null if not measured.</summary>
    public double? LineRoundTripNs { get; init; }

    public static MachineInfo Read()
    {
        string model = "";
        double mhz = 0;
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (model.Length == 0 && line.StartsWith("model name", StringComparison.Ordinal))
                {
                    model = line[(line.IndexOf(':') + 1)..].Trim();
                }
                else if (mhz == 0 && line.StartsWith("cpu MHz", StringComparison.Ordinal))
                {
                    mhz = double.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return new MachineInfo
        {
            CpuModel = model, CpuMHz = mhz,
            Kernel = TryRead("/proc/sys/kernel/osrelease").Trim(),
            LoadAverage1m = double.TryParse(TryRead("/proc/loadavg").Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double l) ? l : 0,
            LineRoundTripNs = CacheLineProbe.RoundTripNanoseconds(),
        };
    }

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
