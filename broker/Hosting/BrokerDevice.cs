using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Broker.Hosting;

/// <summary>Builds the device model the configuration describes and wires its interrupts to the data path.</summary>
internal sealed class BrokerDevice : IDisposable
{
    /// <summary>MSI-X vectors the broker uses: one per queue pair, wrapping at 32 (the width of EIMS).</summary>
    public const int MaxVectors = 32;

    /// <summary>Epoll tag of the TAP descriptor in the data path's set.</summary>
    private const ulong TapTag = 0x2_0000_0000UL;

    private readonly List<EventFd> _vectors = [];

    private BrokerDevice(DeviceModel model, NicPort port)
    {
        Model = model;
        Port = port;
    }

    /// <summary>The device model.</summary>
    public DeviceModel Model { get; }

    /// <summary>Port 0, whose queue pairs serve the clients.</summary>
    public NicPort Port { get; }

    /// <summary>The TAP wire of port 0, when the configuration asks for one.</summary>
    public TapWire? Tap { get; private set; }

    /// <summary>Creates the model: one port with the configured queue pairs and wire.</summary>
    /// <exception cref="TapException">The TAP interface could not be created (the message says why).</exception>
    public static BrokerDevice Create(BrokerOptions o)
    {
        var model = new DeviceModel();
        TapWire? tap = null;
        try
        {
            var port = model.AddPort(new NicPortOptions { QueueCount = o.DeviceQueues, Name = "port0", LineRateBitsPerSecond = o.LineRateBitsPerSecond });
            switch (o.Wire)
            {
                case WireKind.Loopback:
                    model.AddLoopback(port);
                    break;
                case WireKind.Null:
                    model.AddNullSink(port);
                    break;
                case WireKind.Tap:
                    tap = new TapWire(port, o.TapInterface);
                    model.AddWire(tap, txOf: port);
                    break;
                case WireKind.Generator:
                    model.AddNullSink(port);
                    model.AddGenerator(port, new TrafficGeneratorOptions
                    {
                        DestinationMac = MacAddress.Parse(o.GeneratorDestinationMac!), // validated at start
                        FramesPerSecond = o.GeneratorFramesPerSecond,
                        FrameSize = o.GeneratorFrameSize,
                    });
                    break;
            }
            if (o.DetailedDmaAudit)
            {
                model.Audit.EnableLog(1 << 16);
            }
            return new BrokerDevice(model, port) { Tap = tap };
        }
        catch
        {
            model.Dispose();
            tap?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Programs the MSI-X vectors to write into the interrupt page and, with the device on its own
    /// thread, has the data path sleep on the matching eventfds, so that the device wakes the data path
    /// with an interrupt, as real hardware does. With the device stepped inline
    /// (<paramref name="deviceInline"/>) the messages are still sent and written into the page (and
    /// audited, wherever an entry points), but no eventfd is attached to the slots: the data path steps the
    /// device itself and the device never runs while it sleeps, so each signal would only be the data
    /// path waking itself, a <c>write(2)</c> per throttle interval (~10,000 a second under busy-polling).
    /// </summary>
    public void RouteInterrupts(SessionSet dataPath, int queues, bool deviceInline)
    {
        int vectors = Math.Min(queues, MaxVectors);
        uint mask = 0;
        for (int v = 0; v < vectors; v++)
        {
            if (!deviceInline)
            {
                var fd = new EventFd();
                _vectors.Add(fd);
                Model.Interrupts.Register(v, fd);
                dataPath.AddWakeSource(fd, 0x1_0000_0000UL + (ulong)v);
            }
            Port.WriteMsixEntry(v, Model.Interrupts.SlotAddress(v), (uint)v);
            mask |= 1u << v;
        }
        Port.WriteRegister(Registers.EIMS, mask);
    }

    /// <summary>
    /// With an inline device, has the data path also wake when Linux sends a frame on the TAP interface
    /// (level-triggered: it wakes until the device step has read what is waiting). If the interface goes
    /// away under the broker, the descriptor leaves the set so that it cannot keep waking the loop.
    /// </summary>
    public void WakeOnTap(SessionSet dataPath, Action<string, int> onDetached)
    {
        if (Tap is not { } tap)
        {
            return;
        }
        dataPath.Epoll.Add(tap.Descriptor.Fd, TapTag);
        tap.Detached = (wire, errno) =>
        {
            dataPath.Epoll.Remove(wire.Descriptor.Fd);
            onDetached(wire.InterfaceName, errno);
        };
    }

    /// <summary>Adds the device's own counters (DMA audit, drops) to a broker-wide stats reply.</summary>
    public void AddCountersTo(Span<ulong> sum)
    {
        var audit = Model.Audit;
        var port = Port.Statistics;
        sum[(int)Control.QueueCounter.DmaReads] += (ulong)audit.Reads;
        sum[(int)Control.QueueCounter.DmaWrites] += (ulong)audit.Writes;
        sum[(int)Control.QueueCounter.DmaFaults] += (ulong)audit.Faults;
        sum[(int)Control.QueueCounter.DmaViolations] += (ulong)audit.Violations;
        sum[(int)Control.QueueCounter.CanaryIntact] = Model.CanaryIntact() ? 1UL : 0UL;
        sum[(int)Control.QueueCounter.RxNoBuffer] += (ulong)(port.NoDescriptorDrops + port.UnknownDestinationDrops);
        sum[(int)Control.QueueCounter.DeviceTxFrames] += (ulong)port.TxFrames;
        sum[(int)Control.QueueCounter.DeviceRxFrames] += (ulong)port.RxFrames;
    }

    public void Dispose()
    {
        Model.Dispose();
        Tap?.Dispose(); // the interface disappears
        foreach (var fd in _vectors)
        {
            fd.Dispose();
        }
    }
}
