using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>
/// An in-process broker data path: a device model with one 4-queue port and a loopback wire, and
/// up to two queue sessions built by <see cref="QueueFactory"/> on device queues 0 and 1, each with a
/// client view (<see cref="HarnessQueue"/>). <see cref="Pump"/> plays the data-path thread and the
/// re-arm worker inline, deterministically.
/// </summary>
internal sealed unsafe class MediationHarness : IDisposable
{
    /// <summary>64 frames of 2 KiB; TX, completion and fill rings of 16, RX ring of 32.</summary>
    public static QueueGeometry SmallGeometry => new()
    {
        FrameSize = 2048, FrameCount = 64, TxSize = 16, CompletionSize = 16, FillSize = 16, RxSize = 32,
    };

    public const int MaxFrameLength = 1514;
    public const uint Budget = 64;
    private const int MaxPumpRounds = 1000;

    private readonly List<HarnessQueue> _queues = [];

    public MediationHarness(int sessions = 1, QueueGeometry? geometry = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sessions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sessions, 2);
        Device = new DeviceModel();
        try
        {
            Port = Device.AddPort(new NicPortOptions { QueueCount = 4 });
            Device.AddLoopback(Port);
            for (int q = 0; q < sessions; q++)
            {
                var session = QueueFactory.Create(Device, clientId: (uint)q + 1, queueId: 0, deviceQueue: q,
                    geometry ?? SmallGeometry, MaxFrameLength, throttleMicroseconds: 0);
                session.Memory.CloseDescriptors(); // as after the reply carrying them was sent
                _queues.Add(new HarnessQueue(session, q));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public DeviceModel Device { get; }

    public NicPort Port { get; }

    public RearmSignal Rearm { get; } = new();

    public HarnessQueue A => _queues[0];

    public HarnessQueue B => _queues[1];

    /// <summary>Frames the device put on the wire so far.</summary>
    public long DeviceTxFrames => Port.Statistics.TxFrames;

    /// <summary>
    /// Runs TX path, a device step, re-arm and RX path for every live session until a whole round
    /// does nothing. Returns the rounds that did work.
    /// </summary>
    public int Pump()
    {
        for (int round = 0; round < MaxPumpRounds; round++)
        {
            int work = 0;
            foreach (var q in _queues)
            {
                if (!q.TornDown)
                {
                    work += TxPath.Run(q.Session, Budget);
                }
            }
            work += Device.Step((int)Budget);
            foreach (var q in _queues)
            {
                if (!q.TornDown)
                {
                    work += RxRearm.Run(q.Session, Budget);
                    work += RxPath.Run(q.Session, Budget, Rearm);
                }
            }
            if (work == 0)
            {
                return round;
            }
        }
        throw new InvalidOperationException($"data path still busy after {MaxPumpRounds} rounds");
    }

    /// <summary>Reads the device TX descriptor in ring slot <paramref name="slot"/> of <paramref name="q"/> over the bus, as the device would.</summary>
    public TxDescriptor ReadDeviceTxDescriptor(HarnessQueue q, uint slot)
    {
        int queue = q.DeviceQueue;
        ulong ringBase = Port.ReadRegister(Registers.TDBAL(queue)) | ((ulong)Port.ReadRegister(Registers.TDBAH(queue)) << 32);
        ulong bus = ringBase + (slot & q.Session.Driver.TxMask) * (ulong)TxDescriptor.Size;
        if (!Device.Bus.TryTranslate(bus, TxDescriptor.Size, out byte* host, out _))
        {
            throw new InvalidOperationException("TX ring does not translate");
        }
        return *(TxDescriptor*)host;
    }

    /// <summary>Opens a new session on the device queue <paramref name="old"/> served (it must be torn down), as the queue pool reuses it.</summary>
    public HarnessQueue Reopen(HarnessQueue old, uint clientId)
    {
        if (!old.TornDown)
        {
            throw new InvalidOperationException("tear the old session down first");
        }
        var session = QueueFactory.Create(Device, clientId, queueId: 0, old.DeviceQueue, old.Session.Geometry, MaxFrameLength, throttleMicroseconds: 0);
        session.Memory.CloseDescriptors();
        var q = new HarnessQueue(session, old.DeviceQueue);
        _queues.Add(q);
        return q;
    }

    /// <summary>Tears <paramref name="q"/> down the way the data-path loop does.</summary>
    public void Teardown(HarnessQueue q, TimeSpan drainTimeout, Action? stepDevice)
    {
        q.TornDown = true;
        QueueTeardown.Run(q.Session, drainTimeout, stepDevice);
    }

    public void Dispose()
    {
        foreach (var q in _queues)
        {
            if (!q.TornDown)
            {
                q.TornDown = true;
                QueueTeardown.Run(q.Session, TimeSpan.Zero, null);
            }
        }
        Device.Dispose();
        Rearm.Dispose();
    }
}
