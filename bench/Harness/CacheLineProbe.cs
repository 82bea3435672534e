using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Mediator.Bench.Harness;

/// <summary>
/// Measures how long one cache line takes to go from CPU 0 to CPU 1 and back: two threads, one pinned to
/// each, hand a counter back and forth through a single line. Every packet the broker takes from a client
/// pays this transfer for the client's request, frame header and completion, so it bounds the mediated
/// rate; on this VM it moved between ~45 and ~400 ns from one quarter hour to the next (the hypervisor
/// places the vCPUs: sharing a cache, on different dies, on different sockets), with throughput moving with it. The harness records it at both ends of a run so
/// that a slow run can be told apart from a slow machine.
/// </summary>
internal static unsafe class CacheLineProbe
{
    private const int RoundTrips = 200_000;

    /// <summary>Median of three measurements in ns per round trip, or null with fewer than 2 CPUs or if a side stalled for a second.</summary>
    public static double? RoundTripNanoseconds()
    {
        if (Environment.ProcessorCount < 2)
        {
            return null;
        }
        var samples = new List<double>(3);
        for (int i = 0; i < 3; i++)
        {
            if (Measure() is { } ns)
            {
                samples.Add(ns);
            }
        }
        samples.Sort();
        return samples.Count == 0 ? null : samples[samples.Count / 2];
    }

    /// <summary>
    /// <see cref="RoundTripNanoseconds"/> with process <paramref name="pid"/> stopped (SIGSTOP, then SIGCONT
    /// however the probe ends), so that its busy threads do not share the probe's CPUs.
    /// </summary>
    public static double? RoundTripNanosecondsWhileStopped(int pid)
    {
        const int SigStop = 19, SigCont = 18;
        _ = Tmds.Linux.LibC.kill(pid, SigStop);
        try
        {
            return RoundTripNanoseconds();
        }
        finally
        {
            _ = Tmds.Linux.LibC.kill(pid, SigCont);
        }
    }

    private static double? Measure()
    {
        // 128 bytes, aligned: the line and its adjacent-line prefetch partner hold nothing else.
        long* line = (long*)NativeMemory.AlignedAlloc(128, 128);
        try
        {
            *line = 0;
            long stallTicks = Stopwatch.Frequency; // a side that waits this long gives up: the machine is busy
            bool stalled = false;
            var echo = new Thread(() =>
            {
                Affinity.PinCurrentThread(1);
                for (long i = 1; i <= RoundTrips && !Volatile.Read(ref stalled); i++)
                {
                    // Acquire read: wait for the odd value CPU 0 published; release write: publish the even reply.
                    long since = Stopwatch.GetTimestamp();
                    while (Volatile.Read(ref *line) != 2 * i - 1)
                    {
                        if (Stopwatch.GetTimestamp() - since > stallTicks || Volatile.Read(ref stalled))
                        {
                            Volatile.Write(ref stalled, true);
                            return;
                        }
                    }
                    Volatile.Write(ref *line, 2 * i);
                }
            }) { IsBackground = true, Name = "line-probe" };
            var previous = Affinity.CurrentThreadMask();
            Affinity.PinCurrentThread(0);
            try
            {
                echo.Start();
                long start = Stopwatch.GetTimestamp();
                for (long i = 1; i <= RoundTrips && !Volatile.Read(ref stalled); i++)
                {
                    Volatile.Write(ref *line, 2 * i - 1);
                    long since = Stopwatch.GetTimestamp();
                    while (Volatile.Read(ref *line) != 2 * i)
                    {
                        if (Volatile.Read(ref stalled) || Stopwatch.GetTimestamp() - since > stallTicks)
                        {
                            Volatile.Write(ref stalled, true);
                            break;
                        }
                    }
                }
                long elapsed = Stopwatch.GetTimestamp() - start;
                echo.Join();
                return stalled ? null : elapsed * 1e9 / Stopwatch.Frequency / RoundTrips;
            }
            finally
            {
                Affinity.SetCurrentThreadMask(previous);
            }
        }
        finally
        {
            NativeMemory.AlignedFree(line);
        }
    }
}
