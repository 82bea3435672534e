namespace Mediator.Bench.Harness;

/// <summary>What a point drives through the broker.</summary>
public enum Traffic
{
    /// <summary>N pktgen → sink pairs over the device's loopback wire: TX mediation, device TX+RX, RX delivery, fill re-arm.</summary>
    Pairs,
    /// <summary>N pktgens into the device's null wire: the direction "towards the device" only (TX mediation + device TX).</summary>
    TxOnly,
    /// <summary>One pktgen in ping-pong with itself through the loopback, busy-polling: round-trip latency.</summary>
    Latency,
    /// <summary>
    /// "From the device": the device's generator wire (broadcast, unpaced) into N counting sinks: device RX
    /// DMA, RX mediation, delivery and fill re-arm, with no client transmitting (the counterpart of DPDK's
    /// net_vhost txonly → virtio-user rxonly).
    /// </summary>
    RxOnly,
}

/// <summary>
/// How both sides wait: busy-poll (broker never sleeps, clients spin), hybrid (the product's defaults:
/// the broker spins 2,000 idle rounds, clients 50 µs without progress, then both sleep on eventfds), or
/// eventfd (both sleep when idle).
/// </summary>
public enum Wake
{
    Poll,
    Eventfd,
    Hybrid,
}

/// <summary>Where RX buffers are re-armed: the broker's parallel re-arm thread, or inline in the data path.</summary>
public enum Rearm
{
    Parallel,
    Inline,
}

/// <summary>One measurement point, independent of the mode it is run in.</summary>
public sealed record PointSpec
{
    public required string Group { get; init; }
    public Traffic Traffic { get; init; } = Traffic.Pairs;
    public int Batch { get; init; } = 64;
    public int FrameSize { get; init; } = 64;
    public int Clients { get; init; } = 1;
    /// <summary>Device TX line rate in bit/s; 0 = unpaced.</summary>
    public long LineRate { get; init; }
    public Wake Wake { get; init; } = Wake.Poll;
    public Rearm Rearm { get; init; } = Rearm.Parallel;

    /// <summary>A short stable name, e.g. "pairs b64 s64 c1 unpaced poll parallel".</summary>
    public string Name =>
        $"{Traffic.ToString().ToLowerInvariant()} b{Batch} s{FrameSize} c{Clients} {PacingName(LineRate)} {Wake.ToString().ToLowerInvariant()} {Rearm.ToString().ToLowerInvariant()}";

    public static string PacingName(long lineRate) => lineRate == 0 ? "unpaced" : $"{lineRate / 1e9:0.#}GbE";

    /// <summary>Packets per second of a line of <paramref name="lineRate"/> bit/s at <paramref name="frame"/> bytes (FCS, preamble and gap added, as the device's pacer counts).</summary>
    public static double LineRatePps(long lineRate, int frame) => lineRate / ((Math.Max(frame, 60) + 4 + 20) * 8.0);
}

/// <summary>The sweeps: quick (default, under a minute), full (--full), smoke (--smoke, CI).</summary>
public static class Plan
{
    public const long TenGbE = 10_000_000_000;
    public const long TwentyFiveGbE = 25_000_000_000;

    public static List<PointSpec> Quick() =>
    [
        new() { Group = "batch", Batch = 1 },
        new() { Group = "batch", Batch = 16 },
        new() { Group = "batch", Batch = 64 },
        new() { Group = "batch", Batch = 256 },
        new() { Group = "frame", Batch = 64, FrameSize = 1514 },
        new() { Group = "towards-device", Traffic = Traffic.TxOnly, Batch = 64 },
        // Inline re-arm, the product's choice on fewer than 4 cores: a parallel worker is a third busy thread here.
        new() { Group = "from-device", Traffic = Traffic.RxOnly, Batch = 64, Rearm = Rearm.Inline },
        new() { Group = "clients", Traffic = Traffic.TxOnly, Batch = 64, Clients = 4 },
        new() { Group = "pacing", Batch = 64, LineRate = TenGbE },
        new() { Group = "pacing", Traffic = Traffic.TxOnly, Batch = 64, LineRate = TenGbE },
        new() { Group = "pacing", Traffic = Traffic.TxOnly, Batch = 64, LineRate = TwentyFiveGbE },
        new() { Group = "wake", Batch = 64, Wake = Wake.Eventfd },
        new() { Group = "rearm", Batch = 64, Rearm = Rearm.Inline },
        new() { Group = "latency", Traffic = Traffic.Latency, Batch = 1 },
        new() { Group = "latency", Traffic = Traffic.Latency, Batch = 1, Rearm = Rearm.Inline },
    ];

    public static List<PointSpec> Full()
    {
        var points = new List<PointSpec>();
        foreach (int size in new[] { 64, 512, 1514 })
        {
            foreach (int batch in new[] { 1, 4, 16, 64, 256 })
            {
                points.Add(new() { Group = size == 64 ? "batch" : "frame", Batch = batch, FrameSize = size });
            }
        }
        foreach (int batch in new[] { 1, 4, 16, 64, 256 })
        {
            points.Add(new() { Group = "towards-device", Traffic = Traffic.TxOnly, Batch = batch });
        }
        foreach (int batch in new[] { 1, 4, 16, 64, 256 })
        {
            points.Add(new() { Group = "from-device", Traffic = Traffic.RxOnly, Batch = batch, Rearm = Rearm.Inline });
        }
        foreach (long rate in new[] { TenGbE, TwentyFiveGbE })
        {
            foreach (int size in new[] { 64, 512, 1514 })
            {
                foreach (int batch in new[] { 32, 64, 256 })
                {
                    points.Add(new() { Group = "pacing", Batch = batch, FrameSize = size, LineRate = rate });
                    points.Add(new() { Group = "pacing", Traffic = Traffic.TxOnly, Batch = batch, FrameSize = size, LineRate = rate });
                }
            }
        }
        foreach (int clients in new[] { 1, 4, 16, 64 })
        {
            points.Add(new() { Group = "clients", Traffic = Traffic.TxOnly, Batch = 64, Clients = clients });
            // 64 busy-polling processes on 2 cores starve the broker: bounded spinning (hybrid) or sleeping
            // at once (eventfd) are the settings a deployment with more clients than cores would use.
            points.Add(new() { Group = "clients-hybrid", Traffic = Traffic.TxOnly, Batch = 64, Clients = clients, Wake = Wake.Hybrid });
            points.Add(new() { Group = "clients-eventfd", Traffic = Traffic.TxOnly, Batch = 64, Clients = clients, Wake = Wake.Eventfd });
        }
        foreach (int clients in new[] { 1, 4, 16, 32 })
        {
            points.Add(new() { Group = "clients-pairs", Batch = 64, Clients = clients });
            points.Add(new() { Group = "clients-pairs-hybrid", Batch = 64, Clients = clients, Wake = Wake.Hybrid });
            // On 2 cores the parallel re-arm worker is a third busy thread: the same sweep with inline re-arm.
            points.Add(new() { Group = "clients-pairs-hybrid-inline", Batch = 64, Clients = clients, Wake = Wake.Hybrid, Rearm = Rearm.Inline });
            points.Add(new() { Group = "clients-pairs-eventfd", Batch = 64, Clients = clients, Wake = Wake.Eventfd });
            points.Add(new() { Group = "clients-pairs-eventfd-inline", Batch = 64, Clients = clients, Wake = Wake.Eventfd, Rearm = Rearm.Inline });
        }
        foreach (int batch in new[] { 1, 16, 64, 256 })
        {
            points.Add(new() { Group = "wake", Batch = batch, Wake = Wake.Eventfd });
            points.Add(new() { Group = "wake", Traffic = Traffic.TxOnly, Batch = batch, Wake = Wake.Eventfd });
        }
        foreach (long rate in new[] { 0L, TenGbE })
        {
            points.Add(new() { Group = "rearm", Batch = 64, LineRate = rate, Rearm = Rearm.Inline });
        }
        points.Add(new() { Group = "latency", Traffic = Traffic.Latency, Batch = 1 });
        points.Add(new() { Group = "latency", Traffic = Traffic.Latency, Batch = 1, Rearm = Rearm.Inline });
        return points;
    }

    public static List<PointSpec> Smoke() =>
    [
        new() { Group = "batch", Batch = 64 },
        new() { Group = "latency", Traffic = Traffic.Latency, Batch = 1 },
    ];
}
