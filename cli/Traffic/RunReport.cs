using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mediator.Cli.Traffic;

/// <summary>
/// What pktgen, sink, echo and respond print as their last stdout line (one JSON object), so that the demo and
/// the tests read numbers the programs measured rather than recomputing them.
/// </summary>
internal sealed record RunReport
{
    public string Role { get; init; } = "";
    public long Sent { get; init; }
    public long Completed { get; init; }
    public long Refused { get; init; }
    public long Received { get; init; }
    public long Verified { get; init; }
    public long Corrupt { get; init; }
    public long OutOfOrder { get; init; }
    public long Gaps { get; init; }
    public long LastSequence { get; init; }
    public double Seconds { get; init; }
    public double Mpps { get; init; }
    public string Mac { get; init; } = "";
    public long ArpReplies { get; init; }
    public long EchoReplies { get; init; }
    public long UdpEchoes { get; init; }
    public long Ignored { get; init; }
    public long BadChecksums { get; init; }
    /// <summary>CPU time (user + system, all threads) the process used over the run, from Process.TotalProcessorTime.</summary>
    public double CpuSeconds { get; init; }
    /// <summary>Eventfd kicks the client sent the broker (each one write(2)).</summary>
    public long Kicks { get; init; }
    /// <summary>Ping-pong (pktgen --latency): round trips measured, and their percentiles in microseconds.</summary>
    public long Samples { get; init; }
    public double P50Us { get; init; }
    public double P99Us { get; init; }
    public double P999Us { get; init; }

    public const string Prefix = "REPORT ";

    public string ToLine() => Prefix + JsonSerializer.Serialize(this, RunReportJson.Default.RunReport);

    public static RunReport? TryParse(string line) =>
        line.StartsWith(Prefix, StringComparison.Ordinal)
            ? JsonSerializer.Deserialize(line.AsSpan(Prefix.Length), RunReportJson.Default.RunReport)
            : null;
}

[JsonSerializable(typeof(RunReport))]
internal sealed partial class RunReportJson : JsonSerializerContext;
