namespace Mediator.Bench.Harness;

/// <summary>
/// The data-path modes the harness compares, and what each needs. A mode is "available" when the
/// clients can be started in it; to add one (TxDirect/DirectMap once their driver is on main) give it
/// its client arguments (e.g. <c>["--mode", "DirectMap"]</c>) and, if needed, broker arguments
/// (<c>--Broker:EnableUnsafeModes=true</c> plus a policy granting the mode).
/// </summary>
public static class Modes
{
    public const string Mediated = "Mediated";
    public const string TxDirect = "TxDirect";
    public const string DirectMap = "DirectMap";

    /// <summary>The baseline the ratios divide by.</summary>
    public const string Baseline = DirectMap;

    public static readonly string[] All = [Mediated, TxDirect, DirectMap];

    /// <summary>Extra pktgen/sink arguments per mode; null = not available on this build.</summary>
    public static string[]? ClientArgs(string mode) => mode switch
    {
        Mediated => [],
        TxDirect => ["--mode", "txdirect"],
        DirectMap => ["--mode", "directmap"],
        _ => null,
    };

    /// <summary>Extra broker arguments per mode (for unsafe modes: enable them and grant them by policy).</summary>
    public static string[] BrokerArgs(string mode) => mode switch
    {
        TxDirect or DirectMap => ["--Broker:EnableUnsafeModes=true", $"--Broker:DefaultPolicy:Mode={mode}"],
        _ => [],
    };

    /// <summary>Why a mode or a point cannot run here, or null.</summary>
    public static string? Unavailable(string mode, PointSpec point)
    {
        if (ClientArgs(mode) is null)
        {
            return $"{mode}: not available (the DirectMap/TxDirect driver and `--mode` are not on main yet)";
        }
        if (mode != Mediated && (point.Traffic == Traffic.Latency || point.Wake != Wake.Poll))
        {
            return $"{mode}: not available for this point (the direct drivers busy-poll and have no ping-pong mode)";
        }
        return null;
    }
}
