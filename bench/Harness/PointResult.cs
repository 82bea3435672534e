namespace Mediator.Bench.Harness;

/// <summary>One point in one mode in one repeat: what was measured, or why it was not.</summary>
public sealed record PointResult
{
    public required string Point { get; init; }
    public required string Group { get; init; }
    public required string Mode { get; init; }
    public int Repeat { get; init; }
    public string Traffic { get; init; } = "";
    public int Batch { get; init; }
    public int FrameSize { get; init; }
    public int Clients { get; init; }
    public string Pacing { get; init; } = "";
    public long LineRateBitsPerSecond { get; init; }
    public double LineRateMpps { get; init; }
    public string Wake { get; init; } = "";
    public string Rearm { get; init; } = "";

    /// <summary>"ok", "failed: …" or "not available: …".</summary>
    public string Status { get; init; } = "ok";

    /// <summary>Seconds of the measurement window (after warm-up).</summary>
    public double Seconds { get; init; }
    /// <summary>Frames the device sent (broker TxSent), per second, in millions.</summary>
    public double TxMpps { get; init; }
    /// <summary>Frames delivered on client RX rings (broker RxDelivered), per second, in millions.</summary>
    public double RxMpps { get; init; }
    /// <summary>The point's throughput: RX for pairs, TX for TX-only, round trips for latency.</summary>
    public double Mpps { get; init; }
    /// <summary><see cref="Mpps"/> × frame bytes × 8 (Ethernet frame without FCS, preamble or gap).</summary>
    public double Gbps { get; init; }
    /// <summary>Frames the device dropped for want of an armed RX buffer, per second, in millions.</summary>
    public double DropMpps { get; init; }

    /// <summary>Broker CPU (user + system, all threads) per packet, ns; and in cycles at the nominal MHz.</summary>
    public double BrokerNsPerPacket { get; init; }
    public double BrokerCyclesPerPacket { get; init; }
    /// <summary>Broker CPU in cores (CPU seconds / wall seconds).</summary>
    public double BrokerCores { get; init; }
    /// <summary>CPU of the broker's data-path thread alone per packet, ns (the packet path's busy time), and of its RX re-arm thread (0 with inline re-arm).</summary>
    public double DataPathNsPerPacket { get; init; }
    public double RearmThreadNsPerPacket { get; init; }
    /// <summary>All clients' CPU per packet, ns; and in cores.</summary>
    public double ClientNsPerPacket { get; init; }
    public double ClientCores { get; init; }

    /// <summary>Eventfd signals (client kicks + broker notifications, each one write(2)) per packet. Each signal costs the other side a wake-up (poll/epoll_wait + read(2)) too.</summary>
    public double SignalsPerPacket { get; init; }
    /// <summary>Eventfd signals per batch (batch = the point's batch size).</summary>
    public double SignalsPerBatch { get; init; }
    /// <summary>Broker wake-ups (epoll_wait returning on a kick) per packet.</summary>
    public double BrokerWakeupsPerPacket { get; init; }
    /// <summary>Voluntary context switches (blocking system calls that slept) of broker and clients, per packet.</summary>
    public double VoluntarySwitchesPerPacket { get; init; }
    /// <summary>Involuntary context switches (preemptions) of broker and clients, per second.</summary>
    public double PreemptionsPerSecond { get; init; }

    /// <summary>Jain's fairness index over the clients' own rates (1 = equal shares).</summary>
    public double Fairness { get; init; }
    /// <summary>Per-client rates (Mpps) as each client measured them.</summary>
    public double[] ClientMpps { get; init; } = [];

    /// <summary>Ping-pong round trip percentiles (µs) and samples.</summary>
    public double P50Us { get; init; }
    public double P99Us { get; init; }
    public double P999Us { get; init; }
    public long LatencySamples { get; init; }
    public string? LatencySamplesFile { get; init; }

    /// <summary>Frames that failed verification at a sink (must be 0), DMA violations (must be 0).</summary>
    public long Corrupt { get; init; }
    public long DmaViolations { get; init; }
    /// <summary>The CPU 0 ↔ CPU 1 cache-line round trip measured just before this point ran (no client running, the broker stopped), ns (<see cref="CacheLineProbe"/>).</summary>
    public double? LineRoundTripNs { get; init; }

    public bool Ok => Status == "ok";
}
