using System.Globalization;

namespace Mediator.Bench.Dpdk;

/// <summary>
/// How to run one <c>dpdk-testpmd</c>: one virtual device, one forwarding core, forwarding from the
/// start, driven by commands on its standard input (interactive mode) or, non-interactive, printing
/// statistics every <see cref="StatsPeriod"/> seconds. <see cref="Arguments"/> builds the command line.
/// </summary>
public sealed record TestPmdOptions
{
    public const string DefaultExecutable = "/usr/bin/dpdk-testpmd";

    /// <summary>The EAL virtual device, e.g. <c>net_virtio_user0,path=/tmp/m.sock,queues=1,mac=02:…</c> or <c>net_vhost0,iface=/tmp/x.sock,queues=1</c>.</summary>
    public required string Vdev { get; init; }

    /// <summary>testpmd forwarding engine: txonly, rxonly, macswap, flowgen, io, mac, …</summary>
    public string ForwardMode { get; init; } = "io";

    /// <summary>The CPU the forwarding lcore is pinned to.</summary>
    public int ForwardingCpu { get; init; } = 1;

    /// <summary>The CPU of the main lcore (it sleeps between statistics prints).</summary>
    public int MainCpu { get; init; }

    /// <summary>Unique per process: names its hugepage files and its runtime directory.</summary>
    public string FilePrefix { get; init; } = NewPrefix();

    /// <summary>Hugepage memory in MiB (<c>-m</c>).</summary>
    public int MemoryMb { get; init; } = 256;

    public string HugeDir { get; init; } = HugepageReservation.DefaultMountPoint;

    public int Burst { get; init; } = 64;

    /// <summary>Frame length of txonly/flowgen frames (<c>--txpkts</c>), bytes without FCS.</summary>
    public int FrameSize { get; init; } = 64;

    public int Descriptors { get; init; } = 1024;

    public int Mbufs { get; init; } = 16384;

    /// <summary>Destination MAC of generated frames (<c>--eth-peer=0,MAC</c>), or null for testpmd's default.</summary>
    public string? EthPeer { get; init; }

    /// <summary>
    /// Interactive (<c>-i</c>): testpmd reads commands (<c>show port stats 0</c>, <c>stop</c>, <c>quit</c>)
    /// from its standard input, so a caller can stop forwarding while the connection stays up.
    /// </summary>
    public bool Interactive { get; init; } = true;

    /// <summary>Start forwarding at once (<c>--auto-start</c>); otherwise an interactive caller sends <c>start</c> (see <see cref="TestPmd.StartForwarding"/>).</summary>
    public bool AutoStart { get; init; } = true;

    /// <summary>Non-interactive only: seconds between periodic NIC statistics blocks (0: none).</summary>
    public int StatsPeriod { get; init; } = 1;

    /// <summary>Further testpmd (application) arguments.</summary>
    public IReadOnlyList<string> Extra { get; init; } = [];

    public string Executable { get; init; } = DefaultExecutable;

    private static int s_count;

    /// <summary>A file prefix unique to this process and call.</summary>
    public static string NewPrefix() =>
        string.Create(CultureInfo.InvariantCulture, $"mdt{Environment.ProcessId}x{Interlocked.Increment(ref s_count)}");

    /// <summary>The command line (without the executable).</summary>
    public IReadOnlyList<string> Arguments()
    {
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string>
        {
            // lcore 0 = main on MainCpu, lcore 1 = forwarding on ForwardingCpu (may be the same CPU).
            "--lcores", string.Create(inv, $"0@{MainCpu},1@{ForwardingCpu}"), "--main-lcore", "0",
            "--no-pci", "--single-file-segments", "--file-prefix", FilePrefix, "--huge-dir", HugeDir,
            "-m", MemoryMb.ToString(inv), "--no-telemetry",
            "--vdev", Vdev,
            "--",
            "--forward-mode=" + ForwardMode, "--nb-cores=1",
            "--burst=" + Burst.ToString(inv), "--txpkts=" + FrameSize.ToString(inv),
            "--txd=" + Descriptors.ToString(inv), "--rxd=" + Descriptors.ToString(inv),
            "--total-num-mbufs=" + Mbufs.ToString(inv),
        };
        if (AutoStart)
        {
            args.Add("--auto-start");
        }
        if (Interactive)
        {
            args.Add("-i");
        }
        else if (StatsPeriod > 0)
        {
            args.Add("--stats-period=" + StatsPeriod.ToString(inv));
        }
        if (EthPeer is not null)
        {
            args.Add("--eth-peer=0," + EthPeer);
        }
        args.AddRange(Extra);
        return args;
    }
}
