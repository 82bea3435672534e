using Mediator.Broker.Device;
using Mediator.Control;
using Mediator.Eval.Children;
using Mediator.Eval.Modes;

namespace Mediator.Eval.Attacks;

/// <summary>Bus addresses an attacker would aim at (the evaluator knows the bus layout; a real attacker can guess it).</summary>
/// <param name="VictimUmem">First byte of the victim's UMEM.</param>
/// <param name="VictimCanary">The victim's canary frame (never sent, never posted for RX).</param>
/// <param name="BrokerCanary">The broker's canary page.</param>
/// <param name="InterruptPage">The interrupt page (MSI-X targets).</param>
/// <param name="VictimTxRing">The device TX ring of the victim's queue (broker-private).</param>
/// <param name="Bar0">BAR0 of port 0 as seen on the bus.</param>
/// <param name="MsixTable">The MSI-X table of port 0 as seen on the bus.</param>
/// <param name="Unmapped">An address nothing is mapped at.</param>
public sealed record BusTargets(ulong VictimUmem, ulong VictimCanary, ulong BrokerCanary, ulong InterruptPage, ulong VictimTxRing,
    ulong Bar0, ulong MsixTable, ulong Unmapped)
{
    /// <summary>Every foreign target with a name, for attacks that sweep them.</summary>
    public IReadOnlyList<(string Name, ulong Address)> Foreign =>
    [
        ("victim UMEM", VictimUmem), ("victim canary", VictimCanary), ("broker canary", BrokerCanary),
        ("interrupt page", InterruptPage), ("victim TX ring", VictimTxRing), ("BAR0", Bar0), ("MSI-X table", MsixTable),
    ];
}

/// <summary>How many refusals of one kind an attack expects: exactly <see cref="Min"/> when Min == Max.</summary>
/// <param name="Min">Fewest.</param>
/// <param name="Max">Most.</param>
public readonly record struct Expected(long Min, long Max)
{
    /// <inheritdoc />
    public override string ToString() => Min == Max ? $"{Min}" : Max == long.MaxValue ? $">= {Min}" : $"{Min}..{Max}";
}

/// <summary>What an attack may use: the socket, the mode adapter, god-view bus targets, child processes, and its expectations.</summary>
public sealed class AttackContext
{
    private readonly Dictionary<QueueCounter, Expected> _expected = [];
    private readonly List<string> _notes = [];
    private readonly Func<RawQueue, IHostileDevice> _deviceFor;

    internal AttackContext(string socketPath, EvalMode mode, BusTargets targets, DeviceModel device,
        IChildLauncher? launcher, int seed, Func<RawQueue, IHostileDevice> deviceFor, CancellationToken token)
    {
        SocketPath = socketPath;
        Mode = mode;
        Targets = targets;
        DeviceModel = device;
        Token = token;
        Launcher = launcher;
        Random = new Random(seed);
        _deviceFor = deviceFor;
    }

    /// <summary>The broker's control socket.</summary>
    public string SocketPath { get; }
    /// <summary>The mode under test.</summary>
    public EvalMode Mode { get; }
    /// <summary>The victim's MAC (public knowledge on a LAN).</summary>
    public byte[] VictimMac { get; internal init; } = new byte[6];
    /// <summary>Foreign bus addresses.</summary>
    public BusTargets Targets { get; }
    /// <summary>Cancelled when the attack window ends; long-running attacks stop then.</summary>
    public CancellationToken Token { get; }
    /// <summary>Seeded randomness.</summary>
    public Random Random { get; }
    /// <summary>Starts child processes (null when the host cannot).</summary>
    public IChildLauncher? Launcher { get; }
    /// <summary>The device model: for the evaluator's bookkeeping only; attacks must not touch it.</summary>
    internal DeviceModel DeviceModel { get; }

    /// <summary>What the attack declared.</summary>
    public IReadOnlyDictionary<QueueCounter, Expected> Expectations => _expected;
    /// <summary>What the attack observed (for the report).</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Connects and says Hello.</summary>
    public RawClient Connect(string app = "attacker") => RawClient.ConnectHello(SocketPath, app);

    /// <summary>Connects, says Hello and opens one queue with the default geometry.</summary>
    public RawQueue OpenQueue(string app = "attacker")
    {
        var client = Connect(app);
        try
        {
            return client.OpenQueue();
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The mode's way to drive the device for <paramref name="queue"/> (its hostile primitives).</summary>
    public IHostileDevice Device(RawQueue queue) => _deviceFor(queue);

    /// <summary>Declares exactly <paramref name="n"/> more events on <paramref name="counter"/>.</summary>
    public void Expect(QueueCounter counter, long n) => Add(counter, n, n);

    /// <summary>Declares at least <paramref name="n"/> more events on <paramref name="counter"/>.</summary>
    public void ExpectAtLeast(QueueCounter counter, long n) => Add(counter, n, long.MaxValue);

    /// <summary>Declares between <paramref name="min"/> and <paramref name="max"/> more events on <paramref name="counter"/>.</summary>
    public void ExpectBetween(QueueCounter counter, long min, long max) => Add(counter, min, max);

    /// <summary>Declares that <paramref name="counter"/> may move by any amount (races).</summary>
    public void ExpectAny(QueueCounter counter) => Add(counter, 0, long.MaxValue);

    /// <summary>Records an observation.</summary>
    public void Note(string note)
    {
        lock (_notes)
        {
            _notes.Add(note);
        }
    }

    /// <summary>State an attack keeps between <see cref="IAttack.Prepare"/> and <see cref="IAttack.Run"/>.</summary>
    public Dictionary<string, object> State { get; } = [];

    /// <summary>A private scratch directory for this run (go-signal files for children).</summary>
    public string ScratchDirectory => Path.GetDirectoryName(SocketPath)!;

    /// <summary>Whether the attack window is still open.</summary>
    public bool Running => !Token.IsCancellationRequested;

    private void Add(QueueCounter counter, long min, long max)
    {
        lock (_expected)
        {
            var e = _expected.GetValueOrDefault(counter);
            _expected[counter] = new Expected(e.Min + min, e.Max == long.MaxValue || max == long.MaxValue ? long.MaxValue : e.Max + max);
        }
    }
}
