using System.ComponentModel.DataAnnotations;
using Mediator.Policies;

namespace Mediator.Broker.Hosting;

/// <summary>Which wire the device's port 0 is attached to.</summary>
public enum WireKind
{
    /// <summary>Frames a client sends come back in on the same port, steered by destination MAC.</summary>
    Loopback,
    /// <summary>Frames are counted and dropped.</summary>
    Null,
    /// <summary>
    /// A Linux TAP interface (<see cref="BrokerOptions.TapInterface"/>) the broker creates at start and
    /// removes at stop: client frames reach the Linux network stack, and frames Linux sends reach the
    /// clients by destination MAC. Needs /dev/net/tun and CAP_NET_ADMIN.
    /// </summary>
    Tap,
    /// <summary>
    /// A traffic generator in the device delivers frames to port 0's receive side, addressed to
    /// <see cref="BrokerOptions.GeneratorDestinationMac"/> (e.g. a vhost-user port's MAC), at
    /// <see cref="BrokerOptions.GeneratorFramesPerSecond"/>; frames clients send are counted and dropped.
    /// The source for measuring the direction "from the device" alone.
    /// </summary>
    Generator,
}

/// <summary>Who steps the device model.</summary>
public enum DeviceThreading
{
    /// <summary>
    /// The broker's data-path loop steps the device after each round. Default: on a 2-core machine a
    /// third busy thread (client, broker, device) would starve one of the others.
    /// </summary>
    Inline,
    /// <summary>The device runs on its own thread, like real hardware (machines with cores to spare).</summary>
    Thread,
}

/// <summary>Which thread turns clients' fill entries into armed device RX descriptors.</summary>
public enum RxRearmThreading
{
    /// <summary>
    /// The RX re-arm worker, a thread of its own beside the data path: re-arming costs CPU on another
    /// core, not packets per second on the data path.
    /// </summary>
    Parallel,
    /// <summary>
    /// The data-path thread re-arms within its round (before the device step), and no re-arm thread
    /// runs: one busy thread fewer, for machines where every core is taken.
    /// </summary>
    Inline,
    /// <summary>
    /// <see cref="Parallel"/> when the machine has at least <see cref="BrokerOptions.ParallelRearmMinCores"/>
    /// cores, else <see cref="Inline"/> (the default). The parallel worker only pays off on a core of
    /// its own: on two cores it competes with the data path and the clients (measured in
    /// docs/performance.md: inline re-arm gave more packets per second and a 1,000× shorter p99.9 there).
    /// </summary>
    Auto,
}

/// <summary>
/// The broker's configuration (section "Broker" of appsettings.json, MEDIATOR_Broker__* environment
/// variables, or --Broker:Name=value on the command line). Validated at start: a bad value stops the
/// broker with a message naming it.
/// </summary>
public sealed class BrokerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Broker";

    /// <summary>Path of the control socket.</summary>
    [Required]
    [MaxLength(107)]
    public string SocketPath { get; set; } = "/run/mediator/mediator.sock";

    /// <summary>Mode bits of the control socket file (octal string), e.g. "0666" lets any user connect.</summary>
    [RegularExpression("^0?[0-7]{3}$")]
    public string SocketMode { get; set; } = "0666";

    /// <summary>Device queue pairs (one per client queue).</summary>
    [Range(1, 64)]
    public int DeviceQueues { get; set; } = 16;

    /// <summary>The wire of port 0.</summary>
    public WireKind Wire { get; set; } = WireKind.Loopback;

    /// <summary>Name of the TAP interface when <see cref="Wire"/> is Tap (at most 15 bytes).</summary>
    public string TapInterface { get; set; } = "mediator0";

    /// <summary>With <see cref="Wire"/> Generator: destination MAC of the generated frames (required).</summary>
    public string? GeneratorDestinationMac { get; set; }

    /// <summary>With <see cref="Wire"/> Generator: frames per second (0: as many as each device step takes, 64 at most).</summary>
    [Range(0L, 1_000_000_000L)]
    public long GeneratorFramesPerSecond { get; set; }

    /// <summary>With <see cref="Wire"/> Generator: frame bytes without FCS.</summary>
    [Range(22, 1514)]
    public int GeneratorFrameSize { get; set; } = 64;

    /// <summary>
    /// Line rate of port 0's TX in bits/s, for pacing the device (0: unpaced, as fast as the model runs).
    /// 10 GbE: 10000000000 (14.88 Mpps of 64-byte frames); 25 GbE: 25000000000 (37.2 Mpps).
    /// </summary>
    [Range(0L, 400_000_000_000L)]
    public long LineRateBitsPerSecond { get; set; }

    /// <summary>Who steps the device.</summary>
    public DeviceThreading DeviceThreading { get; set; } = DeviceThreading.Inline;

    /// <summary>Who re-arms RX buffers: the parallel re-arm worker, the data path itself, or chosen by core count.</summary>
    public RxRearmThreading RxRearm { get; set; } = RxRearmThreading.Auto;

    /// <summary>Fewest cores on which <see cref="RxRearmThreading.Auto"/> picks the parallel worker.</summary>
    public const int ParallelRearmMinCores = 4;

    /// <summary><see cref="RxRearm"/> with <see cref="RxRearmThreading.Auto"/> resolved for <paramref name="cores"/> cores.</summary>
    public RxRearmThreading EffectiveRxRearm(int cores) =>
        RxRearm != RxRearmThreading.Auto ? RxRearm : cores >= ParallelRearmMinCores ? RxRearmThreading.Parallel : RxRearmThreading.Inline;

    /// <summary>TX requests the broker takes from one client per round (the fairness quantum).</summary>
    [Range(1, 4096)]
    public int ClientBudget { get; set; } = 256;

    /// <summary>Idle rounds the data path spins before it sleeps on its eventfds.</summary>
    [Range(0, 1_000_000)]
    public int IdleSpins { get; set; } = 2000;

    /// <summary>Interrupt throttle interval of each queue's vectors, in microseconds (0: none).</summary>
    [Range(0, 1000)]
    public int InterruptThrottleMicroseconds { get; set; } = 20;

    /// <summary>How long a closing queue waits for the device to finish in-flight frames before cancelling them.</summary>
    [Range(1, 60_000)]
    public int DrainTimeoutMilliseconds { get; set; } = 500;

    /// <summary>Most simultaneous client connections.</summary>
    [Range(1, 4096)]
    public int MaxConnections { get; set; } = 256;

    /// <summary>
    /// Allows policies to grant TxDirect and DirectMap. Off by default; turning it on logs a warning,
    /// because a client in those modes can make the device read (or write) any memory.
    /// </summary>
    public bool EnableUnsafeModes { get; set; }

    /// <summary>Limits for clients no rule matches.</summary>
    public PolicyRule DefaultPolicy { get; set; } = new() { Name = "default" };

    /// <summary>Rules by peer identity, first match wins.</summary>
    public List<PolicyRule> Policies { get; set; } = [];

    /// <summary>vhost-user ports: sockets where unmodified virtio front ends (DPDK virtio_user, QEMU) connect (docs/vhost-user.md).</summary>
    public List<VhostUserPortOptions> VhostUser { get; set; } = [];

    /// <summary>
    /// Refuse a vhost-user memory table unless every region's file is sealed against shrinking (the broker
    /// tries to add the seal itself). Off by default: DPDK's hugetlbfs files cannot be sealed (docs/security.md).
    /// </summary>
    public bool VhostUserRequireSealedMemory { get; set; }

    /// <summary>Records every DMA access in the audit log (costly; for evaluations).</summary>
    public bool DetailedDmaAudit { get; set; }
}
