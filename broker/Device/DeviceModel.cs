using System.Diagnostics;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Broker.Device;

/// <summary>
/// The whole modelled device: the bus (no IOMMU), the DMA audit, the interrupt page, a canary page,
/// the NIC ports and the wires between them. <see cref="Step(int)"/> advances everything once.
/// </summary>
/// <remarks>
/// <para><b>Default mode: inline stepping.</b> The broker's data-path loop calls <see cref="Step(int)"/>
/// between its own passes. On the 2-core machines this project targets, a third busy thread (the
/// device's) would take a core from the broker or the client; stepping inline costs nothing when idle
/// and keeps the device exactly as fast as its driver.</para>
/// <para><b>Thread mode</b> (<see cref="Start"/>/<see cref="Stop"/>) runs Step on its own thread (spinning
/// briefly, then sleeping when idle), like real hardware running beside the CPU. Use it on machines with
/// cores to spare. While it runs, Step must not be called from elsewhere.</para>
/// <para>Control operations (map, unmap, register eventfds, add ports and wires) may run on any one
/// control thread; add ports and wires before stepping starts.</para>
/// </remarks>
public sealed unsafe class DeviceModel : IDisposable
{
    /// <summary>The canary pattern, repeated over the page.</summary>
    public const ulong CanaryPattern = 0xC4A7_C4A7_DEAD_BEEF;

    private readonly BusMaster _dma;
    private readonly MappedMemory _canaryMemory;
    private NicPort[] _ports = [];
    private Wire[] _wires = [];
    private Wire[] _sources = []; // wires that produce frames (override Poll): only these are polled
    private readonly StepClock _clock = new();
    private Thread? _thread;
    private volatile bool _stopRequested;
    private bool _disposed;

    /// <summary>Creates a device with no ports, an interrupt page and a canary page.</summary>
    public DeviceModel(DeviceModelOptions? options = null)
    {
        options ??= new DeviceModelOptions();
        Bus = new BusAddressSpace(options.BusWindowBase, options.BusWindowBytes);
        Audit = new DmaAudit(Bus, options.MaxPorts * Registers.MaxQueues);
        Interrupts = new InterruptController(Bus);
        _dma = new BusMaster(Bus, Audit, Interrupts);
        MaxPorts = options.MaxPorts;
        _canaryMemory = MappedMemory.Private("mediator-canary", BusAddressSpace.PageSize);
        FillCanary();
        Canary = Bus.Map("canary", RegionKind.Canary, _canaryMemory.Pointer, BusAddressSpace.PageSize);
    }

    /// <summary>The bus address space.</summary>
    public BusAddressSpace Bus { get; }

    /// <summary>The DMA audit (the evaluation's oracle).</summary>
    public DmaAudit Audit { get; }

    /// <summary>The interrupt page and its eventfds.</summary>
    public InterruptController Interrupts { get; }

    /// <summary>The canary page's region: broker-owned, never a legitimate DMA target.</summary>
    public BusRegion Canary { get; }

    /// <summary>Most ports this model can hold.</summary>
    public int MaxPorts { get; }

    /// <summary>The ports, in index order.</summary>
    public IReadOnlyList<NicPort> Ports => _ports;

    /// <summary>Whether the own-thread mode runs.</summary>
    public bool IsRunning => _thread != null;

    /// <summary>Whether the canary page still holds its pattern (false: some DMA wrote it).</summary>
    public bool CanaryIntact()
    {
        ulong* p = (ulong*)_canaryMemory.Pointer;
        for (int i = 0; i < BusAddressSpace.PageSize / sizeof(ulong); i++)
        {
            if (Volatile.Read(ref p[i]) != CanaryPattern) // acquire: pairs with a device write's release
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Adds a NIC function.</summary>
    public NicPort AddPort(NicPortOptions? options = null)
    {
        ThrowIfRunning();
        if (_ports.Length >= MaxPorts)
        {
            throw new InvalidOperationException($"at most {MaxPorts} ports");
        }
        var port = new NicPort(_ports.Length, options ?? new NicPortOptions(), Bus, _dma);
        _ports = [.. _ports, port];
        return port;
    }

    /// <summary>Plugs a loopback into <paramref name="port"/>: its TX becomes its own RX.</summary>
    public LoopbackWire AddLoopback(NicPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        var wire = new LoopbackWire();
        Attach(wire);
        port.TxWire = wire;
        return wire;
    }

    /// <summary>Cables <paramref name="a"/> to <paramref name="b"/>.</summary>
    public CrossoverWire AddCrossover(NicPort a, NicPort b)
    {
        var wire = new CrossoverWire(a, b);
        Attach(wire);
        a.TxWire = wire;
        b.TxWire = wire;
        return wire;
    }

    /// <summary>Sends <paramref name="port"/>'s TX into a counting sink.</summary>
    public NullSink AddNullSink(NicPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        var wire = new NullSink();
        Attach(wire);
        port.TxWire = wire;
        return wire;
    }

    /// <summary>Adds a generator feeding <paramref name="port"/>'s RX (the port's TX wire is unchanged).</summary>
    public TrafficGenerator AddGenerator(NicPort port, TrafficGeneratorOptions options)
    {
        var wire = new TrafficGenerator(port, options);
        Attach(wire);
        return wire;
    }

    /// <summary>Adds a wire of another kind (e.g. a TAP) and, if <paramref name="txOf"/> is given, routes that port's TX into it.</summary>
    public void AddWire(Wire wire, NicPort? txOf = null)
    {
        ArgumentNullException.ThrowIfNull(wire);
        Attach(wire);
        if (txOf != null)
        {
            txOf.TxWire = wire;
        }
    }

    /// <summary>
    /// Advances the device once at the current time; see <see cref="Step(int, long)"/>. The clock is read
    /// only if the step needs the time (pacing, interrupt throttling, a source wire).
    /// </summary>
    public int Step(int budget)
    {
        _clock.StartLazy();
        return StepNow(budget);
    }

    /// <summary>
    /// Advances the device once as of <paramref name="timestamp"/> (Stopwatch ticks; tests pass their
    /// own for determinism): latches queue and filter configuration, walks each port's TX queues (at
    /// most <paramref name="budget"/> descriptors per port), polls sources (at most
    /// <paramref name="budget"/> frames each), then sends due MSI-X messages. Returns work done
    /// (descriptors, generated frames, messages); 0 means idle.
    /// </summary>
    public int Step(int budget, long timestamp)
    {
        _clock.StartAt(timestamp);
        return StepNow(budget);
    }

    private int StepNow(int budget)
    {
        if (_thread != null && Environment.CurrentManagedThreadId != _thread.ManagedThreadId)
        {
            throw new InvalidOperationException("the device runs on its own thread; do not step it inline");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(budget);
        NicPort[] ports = _ports;
        Wire[] sources = _sources;
        int work = 0;
        Bus.Quiescence.Enter();
        try
        {
            _dma.BeginAudit();
            foreach (NicPort port in ports)
            {
                port.Latch();
            }
            foreach (NicPort port in ports)
            {
                work += port.StepTransmit(budget, _clock);
            }
            foreach (Wire wire in sources)
            {
                work += wire.Poll(budget, _clock.Now);
            }
            foreach (NicPort port in ports)
            {
                work += port.ServiceInterrupts(_clock);
            }
        }
        finally
        {
            _dma.FlushAudit(); // the step's summed DMA records reach the audit before the step ends
            Bus.Quiescence.Exit();
        }
        return work;
    }

    /// <summary>Starts the own-thread mode (for machines with a core to spare; inline stepping is the default).</summary>
    public void Start(int budget = 256)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfRunning();
        _stopRequested = false;
        var thread = new Thread(() => Run(budget)) { IsBackground = true, Name = "mediator-device" };
        _thread = thread;
        thread.Start();
    }

    /// <summary>Stops the own-thread mode and waits for the thread to finish its step.</summary>
    public void Stop()
    {
        Thread? thread = _thread;
        if (thread == null)
        {
            return;
        }
        _stopRequested = true;
        thread.Join();
        _thread = null;
    }

    /// <summary>Stops the thread, frees ports, the interrupt page and the canary.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Stop();
        foreach (NicPort port in _ports)
        {
            port.Dispose();
        }
        Interrupts.Dispose();
        Bus.Unmap(Canary);
        _canaryMemory.Dispose();
    }

    private void Run(int budget)
    {
        const int SpinRounds = 2000;
        int idle = 0;
        while (!_stopRequested)
        {
            if (Step(budget) > 0)
            {
                idle = 0;
                continue;
            }
            idle++;
            if (idle < SpinRounds)
            {
                Thread.SpinWait(20);
            }
            else
            {
                Thread.Sleep(1); // idle: give the core back to broker and clients
            }
        }
    }

    private void Attach(Wire wire)
    {
        ThrowIfRunning();
        _wires = [.. _wires, wire];
        if (wire.IsSource)
        {
            _sources = [.. _sources, wire];
        }
    }

    private void ThrowIfRunning()
    {
        if (_thread != null)
        {
            throw new InvalidOperationException("stop the device thread before reconfiguring ports or wires");
        }
    }

    private void FillCanary()
    {
        ulong* p = (ulong*)_canaryMemory.Pointer;
        for (int i = 0; i < BusAddressSpace.PageSize / sizeof(ulong); i++)
        {
            p[i] = CanaryPattern;
        }
    }
}
