using System.Diagnostics;
using Mediator.Broker.Device;
using Mediator.Broker.Hosting;
using Mediator.Control;
using Mediator.Eval.Attacks;
using Mediator.Eval.Children;
using Mediator.Eval.Modes;
using Mediator.Eval.Oracle;

namespace Mediator.Eval.Runner;

/// <summary>Knobs of a matrix run.</summary>
public sealed record RunOptions
{
    /// <summary>Victim's offered load (frames/s); well under a fair share of the broker on a 2-core machine.</summary>
    public double VictimRate { get; init; } = 20_000;
    /// <summary>Victim baseline window, without the attacker.</summary>
    public TimeSpan Baseline { get; init; } = TimeSpan.FromMilliseconds(250);
    /// <summary>Shortest attack window (long attacks run until it ends; the victim is measured over the whole attack).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>An attack still running this long after its window is abandoned (reported).</summary>
    public TimeSpan AttackTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Seed of the attacks' randomness.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Starts child processes for the attacks that need them.</summary>
    public IChildLauncher? Launcher { get; init; }
    /// <summary>
    /// A cell judged Denied on the victim's rate alone is run again this many times, each on a fresh
    /// broker, and stays Denied only if every run says so. A 2-core machine's scheduler can take a tenth
    /// of a victim's quarter-second window with no attacker at all; a real denial of service reproduces.
    /// </summary>
    public int DenialConfirmations { get; init; } = 2;
}

/// <summary>
/// Runs one attack in one mode: a fresh broker, a victim with a baseline, the attack with the victim
/// measured alongside, then evidence from the device and the broker, the oracle's verdict and the
/// reconciliation of refusal counters.
/// </summary>
public static class AttackRunner
{
    /// <summary>
    /// Runs <paramref name="attack"/> in <paramref name="mode"/>; a verdict of Denied resting on the
    /// victim's rate alone is confirmed by <see cref="RunOptions.DenialConfirmations"/> further runs.
    /// </summary>
    public static AttackResult Run(IAttack attack, EvalMode mode, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(options);
        var result = RunOnce(attack, mode, options);
        var denials = new List<string>();
        for (int run = 1; run <= options.DenialConfirmations && IsRateOnlyDenial(result); run++)
        {
            denials.Add($"run {run}: {string.Join("; ", result.Reasons)}");
            double seconds = result.Seconds;
            result = RunOnce(attack, mode, options);
            result = result with { Seconds = result.Seconds + seconds };
        }
        if (denials.Count == 0)
        {
            return result;
        }
        string verdict = IsRateOnlyDenial(result)
            ? $"Denied in all {denials.Count + 1} runs"
            : $"the victim's rate fell below {OutcomeOracle.DeniedBelow:P0} in {denials.Count} run(s) but not in run {denials.Count + 1}, which is the verdict";
        return result with { Notes = [.. result.Notes, .. denials, verdict] };
    }

    /// <summary>Denied with no evidence but the victim's rate (a stalled broker is never re-run).</summary>
    private static bool IsRateOnlyDenial(AttackResult r) =>
        r.Outcome == Outcome.Denied && r.Evidence is { BrokerStalled: false } && r.AttackError is null;

    private static AttackResult RunOnce(IAttack attack, EvalMode mode, RunOptions options)
    {
        var clock = Stopwatch.StartNew();
        if (mode != EvalMode.Mediated && UnsafeModes.Unavailable is { } why)
        {
            return new AttackResult
            {
                Attack = attack.Name, Family = attack.Family, Mode = mode, Outcome = Outcome.NotRun, Reasons = [$"mode unavailable: {why}"],
            };
        }
        using var broker = BrokerInstance.Start(o =>
        {
            if (mode != EvalMode.Mediated)
            {
                o.EnableUnsafeModes = true;
                o.DefaultPolicy.Mode = (ClientMode)mode;
            }
            attack.Configure(o);
        });
        return RunOn(broker, attack, mode, options, clock);
    }

    private static AttackResult RunOn(BrokerInstance broker, IAttack attack, EvalMode mode, RunOptions options, Stopwatch clock)
    {
        var device = broker.Device;
        using var observer = RawClient.ConnectHello(broker.SocketPath, "eval-observer");
        using var victim = new Victim(broker.SocketPath, options.VictimRate);
        victim.Start();
        WaitUntil(() => victim.Received >= (long)(options.VictimRate / 20), TimeSpan.FromSeconds(10)); // warm: 50 ms of traffic back

        // Evidence starts here: everything the attack does, Prepare included, falls inside the deltas.
        var targets = TargetsOf(device, victim);
        var regionsBefore = device.Audit.Snapshot();
        long readViolations = device.Audit.ReadViolations, writeViolations = device.Audit.WriteViolations;
        long logStart = LastSequence(device);
        ulong[] allBefore = observer.Stats() ?? new ulong[(int)QueueCounter.Count];
        ulong[] victimBefore = victim.Client.GetStatistics(victim.Queue).ToArray();

        using var window = new CancellationTokenSource();
        using var direct = new DirectAccesses(broker.SocketPath, mode);
        AttackContext? context = null;
        context = new AttackContext(broker.SocketPath, mode, targets, device, options.Launcher, options.Seed,
            q => DeviceFor(q, mode, device, context!, direct), window.Token) { VictimMac = victim.Queue.Mac.ToArray() };
        string? prepareError = null;
        try
        {
            attack.Prepare(context);
        }
        catch (Exception e)
        {
            prepareError = $"prepare: {e.GetType().Name}: {e.Message}";
        }

        // Baseline, same run, no attacker.
        var baselineWindow = Measure(victim, () => Wait(options.Baseline));


        string? attackError = prepareError;
        var thread = new Thread(() =>
        {
            try
            {
                attack.Run(context);
            }
            catch (Exception e)
            {
                attackError = $"{e.GetType().Name}: {e.Message}";
            }
        }) { Name = $"attack-{attack.Name}", IsBackground = true };
        var attackWindow = Measure(victim, () =>
        {
            window.CancelAfter(options.Window);
            thread.Start();
            Wait(options.Window);
            if (!thread.Join(options.AttackTimeout))
            {
                attackError = $"the attack did not finish within {options.AttackTimeout.TotalSeconds:N0} s after its window";
            }
        });
        Wait(Grace); // frames offered in the window may still be on their way back
        double baseline = baselineWindow();
        double underAttack = attackWindow();
        victim.Stop();

        // Reconcile (Mediated): poll until the broker's counters match the declarations, or 2 s pass.
        var expected = context.Expectations;
        IReadOnlyList<ReconcileLine> lines = [];
        bool stalled = false;
        long end = Environment.TickCount64 + 2000;
        while (true)
        {
            ulong[]? all = observer.Stats();
            if (all is null)
            {
                stalled = true;
                break;
            }
            ulong[] victimNow = TryVictimStats(victim) ?? victimBefore;
            lines = Reconcile(expected, allBefore, all, victimBefore, victimNow);
            if (lines.All(l => l.Ok) || Environment.TickCount64 > end)
            {
                break;
            }
            Thread.Yield();
        }

        var regionsAfter = device.Audit.Snapshot();
        var (foreignReads, foreignWrites) = ForeignRingAccesses(device, logStart);
        var (privateReads, privateWrites) = PrivateRegionAccesses(regionsBefore, regionsAfter);
        var evidence = new Evidence
        {
            BrokerFault = broker.Service.Fault?.Message,
            BrokerStalled = stalled,
            ReadViolations = device.Audit.ReadViolations - readViolations,
            WriteViolations = device.Audit.WriteViolations - writeViolations,
            ForeignRingReads = foreignReads,
            ForeignRingWrites = foreignWrites,
            PrivateRegionReads = privateReads,
            PrivateRegionWrites = privateWrites,
            BrokerCanaryIntact = device.CanaryIntact(),
            VictimCanaryIntact = victim.CanaryIntact(),
            VictimBaseline = baseline,
            VictimUnderAttack = underAttack,
            VictimOffered = options.VictimRate,
        };
        var (outcome, reasons) = OutcomeOracle.Classify(evidence);
        return new AttackResult
        {
            Attack = attack.Name, Family = attack.Family, Mode = mode, Outcome = outcome, Reasons = reasons, Evidence = evidence,
            Refusals = mode == EvalMode.Mediated ? lines : [], Reconciled = mode != EvalMode.Mediated || lines.All(l => l.Ok),
            Notes = [.. context.Notes, .. victim.Fault is { } f ? [$"victim fault: {f.Message}"] : Array.Empty<string>()],
            AttackError = attackError, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    private static IHostileDevice DeviceFor(RawQueue queue, EvalMode mode, DeviceModel device, AttackContext context, DirectAccesses direct)
    {
        if (mode != EvalMode.Mediated)
        {
            return new DirectDevice(direct.For(queue, context));
        }
        string name = $"umem c{queue.Client.ClientId}q{queue.QueueId}";
        var region = device.Bus.SnapshotRegions().FirstOrDefault(r => r.Name == name && r.IsMapped)
            ?? throw new InvalidOperationException($"no bus region '{name}'");
        return new MediatedDevice(queue, context, region.BusAddress);
    }

    internal static BusTargets TargetsOf(DeviceModel device, Victim victim)
    {
        var regions = device.Bus.SnapshotRegions();
        var umem = regions.First(r => r.IsMapped && r.Name == $"umem c{victim.Client.ClientId}q{victim.Queue.QueueId}");
        var ring = regions.First(r => r.IsMapped && r.Name == $"q{victim.Queue.DeviceQueue} tx ring");
        var port = device.Ports[0];
        ulong unmapped = device.Bus.WindowBase + device.Bus.WindowBytes - BusAddressSpace.PageSize;
        return new BusTargets(umem.BusAddress, umem.BusAddress + victim.CanaryOffset, device.Canary.BusAddress,
            device.Interrupts.Region.BusAddress, ring.BusAddress, port.Bar0Region.BusAddress, port.MsixRegion.BusAddress, unmapped);
    }

    private static IReadOnlyList<ReconcileLine> Reconcile(IReadOnlyDictionary<QueueCounter, Expected> expected,
        ulong[] allBefore, ulong[] allAfter, ulong[] victimBefore, ulong[] victimAfter)
    {
        var lines = new List<ReconcileLine>();
        IEnumerable<QueueCounter> counters = [.. AbiRules.RefusalCounters, QueueCounter.RingIndexInvalid];
        foreach (var counter in counters.Union(expected.Keys))
        {
            int i = (int)counter;
            long actual = (long)(allAfter[i] - allBefore[i]) - (long)(victimAfter[i] - victimBefore[i]);
            var e = expected.GetValueOrDefault(counter);
            bool ok = actual >= e.Min && actual <= e.Max;
            if (actual != 0 || e != default)
            {
                lines.Add(new ReconcileLine(counter.ToString(), e.ToString(), actual, ok));
            }
        }
        return lines;
    }

    private static ulong[]? TryVictimStats(Victim victim)
    {
        try
        {
            return victim.Client.GetStatistics(victim.Queue).ToArray();
        }
        catch (Exception e) when (e is IOException or Client.MediatorException or TimeoutException or Native.NativeException)
        {
            return null;
        }
    }

    private static (long Reads, long Writes) PrivateRegionAccesses(DmaAuditSnapshot before, DmaAuditSnapshot after)
    {
        long reads = 0, writes = 0;
        foreach (var r in after.Regions)
        {
            if (r.Kind is not (RegionKind.Canary or RegionKind.Bar or RegionKind.InterruptPage or RegionKind.BrokerPrivate))
            {
                continue;
            }
            if (r.Kind == RegionKind.BrokerPrivate && r.OwnerTag >= 0)
            {
                // Broker memory staged for one queue (the checked TX headers the broker posts from):
                // the device reads it for that queue by design; a read for another queue is a
                // violation the audit counts by owner tag.
                continue;
            }
            var b = before.Regions.FirstOrDefault(x => x.RegionId == r.RegionId);
            reads += r.Reads - b.Reads;
            if (r.Kind != RegionKind.InterruptPage)
            {
                writes += r.Writes - b.Writes; // MSI-X messages land in the interrupt page: that is its purpose
            }
        }
        return (reads, writes);
    }

    private static long LastSequence(DeviceModel device)
    {
        var log = device.Audit.SnapshotLog();
        return log.Length == 0 ? -1 : log[^1].Sequence;
    }

    /// <summary>
    /// The audit exempts device rings (the device walks them for every queue); a queue's DMA that
    /// touches another queue's ring is still foreign. Scans the log since <paramref name="fromSequence"/>.
    /// </summary>
    private static (long Reads, long Writes) ForeignRingAccesses(DeviceModel device, long fromSequence)
    {
        var rings = new Dictionary<int, int>();
        foreach (var r in device.Audit.Snapshot().Regions)
        {
            if (r.Kind == RegionKind.DeviceRing && r.Name.StartsWith('q') && int.TryParse(r.Name.AsSpan(1, r.Name.IndexOf(' ', StringComparison.Ordinal) - 1), out int q))
            {
                rings[r.RegionId] = q;
            }
        }
        long reads = 0, writes = 0;
        foreach (var record in device.Audit.SnapshotLog())
        {
            if (record.Sequence <= fromSequence || record.Queue < 0)
            {
                continue;
            }
            if (record.Kind == RegionKind.InterruptPage)
            {
                // Legitimate: an MSI-X message, 4 bytes in the slot of the vector the broker gave the
                // queue it is sent for (vector = device queue % 32, slot = vector). Anything else (a frame
                // DMA'd into the page, a message in another vector's slot) forges or clobbers another
                // queue's interrupt. Reads of the page count as private-region reads elsewhere.
                ulong slot = (record.BusAddress - device.Interrupts.Region.BusAddress) / sizeof(uint);
                if (record.Op == DmaOp.Write && (record.Length != sizeof(uint) || slot != (ulong)(record.Queue % Nic.Registers.MaxQueues % 32)))
                {
                    writes++;
                }
                continue;
            }
            if (record.Kind != RegionKind.DeviceRing)
            {
                continue;
            }
            if (!rings.TryGetValue(record.RegionId, out int owner) || owner != record.Queue % Nic.Registers.MaxQueues)
            {
                if (record.Op == DmaOp.Read)
                {
                    reads++;
                }
                else
                {
                    writes++;
                }
            }
        }
        return (reads, writes);
    }

    /// <summary>
    /// The unsafe-mode accesses an attack opened, one per attack queue; closed when the cell's
    /// evidence is in (closing disables the device queue pair).
    /// </summary>
    private sealed class DirectAccesses(string socketPath, EvalMode mode) : IDisposable
    {
        private readonly Dictionary<RawQueue, DirectQueueAccess> _open = [];

        public DirectQueueAccess For(RawQueue queue, AttackContext context)
        {
            lock (_open)
            {
                if (!_open.TryGetValue(queue, out var access))
                {
                    access = UnsafeModes.OpenDirect(socketPath, queue, mode);
                    _open[queue] = access;
                    context.Note($"{mode} device access: device queue {access.DeviceQueue} (the attack's queue {queue.DeviceQueue} aliases it)");
                }
                return access;
            }
        }

        public void Dispose()
        {
            lock (_open)
            {
                foreach (var access in _open.Values)
                {
                    access.Dispose();
                }
                _open.Clear();
            }
        }
    }

    /// <summary>How long after a window frames offered in it may still arrive and count.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs <paramref name="during"/> and returns how to compute, later, the victim's goodput over it:
    /// the frames it sent in the window that came back by the end of the grace period, per second of
    /// window. Lag is forgiven; loss, and frames it could not send at its paced rate, are not.
    /// </summary>
    private static Func<double> Measure(Victim victim, Action during)
    {
        long first = victim.Sent;
        var sw = Stopwatch.StartNew();
        during();
        double seconds = sw.Elapsed.TotalSeconds;
        long last = victim.Sent;
        return () => victim.DeliveredBetween(first, last) / seconds;
    }

    private static void Wait(TimeSpan span)
    {
        using var never = new ManualResetEventSlim();
        never.Wait(span); // a measurement window, not a synchronisation
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException("the victim received nothing: the broker does not work");
            }
            Thread.Yield();
        }
    }
}
