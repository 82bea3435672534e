using System.Diagnostics;
using Mediator.Bench.Harness;

namespace Mediator.Bench.Dpdk;

/// <summary>
/// A measurement window bounded by two of testpmd's statistics blocks (<c>show port stats 0</c>):
/// packets from a cumulative counter, seconds from the blocks' arrival times, and the CPU every listed
/// process used over the same window (from /proc, see <see cref="ProcSample"/>).
/// </summary>
public sealed record RateWindow(double Seconds, long Packets, double[] Cores)
{
    public double Mpps => Seconds > 0 ? Packets / Seconds / 1e6 : 0;

    /// <summary>CPU of process <paramref name="i"/> per packet, ns.</summary>
    public double NsPerPacket(int i) => Packets > 0 ? Cores[i] * Seconds * 1e9 / Packets : double.NaN;

    /// <summary>
    /// Measures over <paramref name="seconds"/>: asks the interactive <paramref name="counted"/> for its
    /// port statistics (the start), samples CPU, sleeps, asks again (the end), samples again.
    /// </summary>
    public static RateWindow Measure(TestPmd counted, Func<NicStatistics, long> counter, IReadOnlyList<int> pids, double seconds)
    {
        var blockTimeout = TimeSpan.FromSeconds(10);
        var first = counted.ShowPortStats(blockTimeout);
        var cpu0 = pids.Select(ProcSample.Read).ToArray();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var last = counted.ShowPortStats(blockTimeout);
        var cpu1 = pids.Select(ProcSample.Read).ToArray();
        double dt = (double)(last.Timestamp - first.Timestamp) / Stopwatch.Frequency;
        return new RateWindow(dt, counter(last) - counter(first), [.. cpu1.Zip(cpu0, (b, a) => dt > 0 ? (b - a).CpuSeconds / dt : 0)]);
    }
}
