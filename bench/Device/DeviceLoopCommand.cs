using System.Diagnostics;
using System.Globalization;

namespace Mediator.Bench.Device;

/// <summary>
/// <c>bench devloop [Null|Loopback] [frames] [batch]</c>: runs <see cref="BrokerCoreLoop"/> for a fixed
/// number of 64-byte frames and prints the rate, so a profiler sees only the broker core:
/// <c>perf record -g</c> (with <c>DOTNET_PerfMapEnabled=1</c>) or <c>valgrind --tool=callgrind</c>, whose
/// instruction count per frame is the difference of two runs of different lengths.
/// </summary>
public static class DeviceLoopCommand
{
    public static int Run(string[] args)
    {
        string wire = args.Length > 0 ? args[0] : "Null";
        long frames = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 10_000_000;
        uint batch = args.Length > 2 ? uint.Parse(args[2], CultureInfo.InvariantCulture) : 64;
        using var loop = new BrokerCoreLoop(wire, 64);
        // Warm-up for a second: the tiered JIT promotes hot methods after ~100 ms and compiles them in the
        // background, so a shorter warm-up measures partly unoptimised code.
        var warm = Stopwatch.StartNew();
        long warmFrames = 0;
        while (warm.Elapsed < TimeSpan.FromSeconds(1))
        {
            loop.Run(1_000_000, batch);
            warmFrames += 1_000_000;
        }
        var cpu = Environment.CpuUsage.TotalTime;
        var watch = Stopwatch.StartNew();
        loop.Run(frames, batch);
        watch.Stop();
        double cpuNs = (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds * 1e6 / frames;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"devloop {wire} batch {batch}: {frames} frames, completed {loop.Completed}, received {loop.Received}, {watch.Elapsed.TotalMilliseconds * 1e6 / frames:F1} ns/frame, {frames / watch.Elapsed.TotalSeconds / 1e6:F2} Mpps, {cpuNs:F1} ns CPU/frame"));
        return loop.Completed >= warmFrames + frames - 2048 ? 0 : 1; // the last rounds' frames may still be at the device
    }
}
