using System.Diagnostics;
using Mediator.Broker.Device;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

public sealed class InterruptTests : IDisposable
{
    private const long T0 = 1_000_000_000;
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
    private readonly NicPort _port;
    private readonly EventFd _fd0 = new();
    private readonly EventFd _fd1 = new();

    public InterruptTests()
    {
        _port = _model.AddPort(new NicPortOptions { QueueCount = 2 });
        _model.AddLoopback(_port);
    }

    public void Dispose()
    {
        _model.Dispose();
        _fd0.Dispose();
        _fd1.Dispose();
    }

    [Fact]
    public void MsixMessage_SignalsTheEventFdOfItsSlot_AndStoresTheData()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().EnableRx().SteerMac(0, Frames.MacA).RouteInterrupt(vector: 0, slot: 5, _fd0, data: 0xAB);
        using var q1 = new TestDriver(_model, _port, 1).EnableRx().SteerMac(1, Frames.MacB).RouteInterrupt(vector: 1, slot: 9, _fd1, data: 0xCD);
        q0.Send(Frames.Make(Frames.MacB, 64)); // TX on q0 (vector 0), RX on q1 (vector 1)

        _model.Step(64, T0);

        Assert.Equal(1UL, _fd0.TryConsume());
        Assert.Equal(1UL, _fd1.TryConsume());
        Assert.Equal(0xABu, _model.Interrupts.ReadSlot(5));
        Assert.Equal(0xCDu, _model.Interrupts.ReadSlot(9));
        Assert.Equal(0b11u, _port.TakeInterruptCause());
        Assert.Equal(0u, _port.ReadRegister(Registers.EICR));
        Assert.Equal(0, _model.Audit.Violations); // the interrupt page is never a violation
    }

    [Fact]
    public void VectorMaskedInEims_HoldsTheMessageUntilUnmasked()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().RouteInterrupt(vector: 2, slot: 1, _fd0);
        _port.WriteRegister(Registers.EIMS, 0);
        q0.Send(Frames.Make(Frames.MacA, 64));

        _model.Step(64, T0);
        Assert.Equal(0UL, _fd0.TryConsume());
        Assert.Equal(1u << 2, _port.ReadRegister(Registers.EICR)); // cause is recorded regardless

        _port.WriteRegister(Registers.EIMS, 1u << 2);
        _model.Step(64, T0 + 1);
        Assert.Equal(1UL, _fd0.TryConsume());
    }

    [Fact]
    public void MsixEntryMasked_HoldsTheMessageUntilUnmasked()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().RouteInterrupt(vector: 0, slot: 1, _fd0);
        _port.WriteMsixEntry(0, _model.Interrupts.SlotAddress(1), 7, masked: true);
        q0.Send(Frames.Make(Frames.MacA, 64));

        _model.Step(64, T0);
        Assert.Equal(0UL, _fd0.TryConsume());

        _port.WriteMsixEntry(0, _model.Interrupts.SlotAddress(1), 7);
        _model.Step(64, T0 + 1);
        Assert.Equal(1UL, _fd0.TryConsume());
    }

    [Fact]
    public void Eitr_LimitsMessages_AndRaisesThrottledVectorLater()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().RouteInterrupt(vector: 0, slot: 0, _fd0);
        const uint units = 50; // 100 µs
        _port.WriteRegister(Registers.EITR(0), units << 3);
        long interval = 100 * Stopwatch.Frequency / 1_000_000;

        for (int i = 0; i < 10; i++)
        {
            q0.Send(Frames.Make(Frames.MacA, 64, i));
            _model.Step(64, T0 + i); // ten completions within one interval
        }
        Assert.Equal(1UL, _fd0.TryConsume());
        Assert.True(_port.Statistics.MsixThrottled > 0);

        _model.Step(64, T0 + interval - 1);
        Assert.Equal(0UL, _fd0.TryConsume());
        _model.Step(64, T0 + interval); // the held-back cause goes out once the interval has passed
        Assert.Equal(1UL, _fd0.TryConsume());
        Assert.Equal(2, _port.Statistics.MsixMessages);
    }

    [Fact]
    public void EitrZero_DoesNotThrottle()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().RouteInterrupt(vector: 0, slot: 0, _fd0);
        for (int i = 0; i < 5; i++)
        {
            q0.Send(Frames.Make(Frames.MacA, 64, i));
            _model.Step(64, T0 + i);
        }
        Assert.Equal(5, _port.Statistics.MsixMessages);
        Assert.Equal(5UL, _fd0.TryConsume());
    }

    [Fact]
    public void MsixEntryPointedAtTheCanary_CorruptsIt_AndTheAuditRecordsTheWrite()
    {
        using var q0 = new TestDriver(_model, _port, 0, ownerTag: 7).EnableTx().RouteInterrupt(vector: 0, slot: 0, _fd0);
        _model.Audit.EnableLog(64);
        // Whoever can program the MSI-X table can write memory: aim the message into the canary page.
        _port.WriteMsixEntry(0, _model.Canary.BusAddress + 128, 0x41414141);
        q0.Send(Frames.Make(Frames.MacA, 64));

        _model.Step(64, T0);

        Assert.False(_model.CanaryIntact());
        Assert.Equal(0UL, _fd0.TryConsume());
        RegionDmaStats canary = DmaAudit.Stats(_model.Canary);
        Assert.Equal(1, canary.Writes);
        Assert.Equal(4, canary.BytesWritten);
        Assert.Equal(1, canary.Violations); // queue 0 works for owner 7; the canary is the broker's
        Assert.Contains(_model.Audit.SnapshotLog(), r => r.Op == DmaOp.Write && r.RegionId == _model.Canary.Id
            && r.BusAddress == _model.Canary.BusAddress + 128 && r.Length == 4 && r.Kind == RegionKind.Canary);
    }

    [Fact]
    public void MsixEntryPointedAtUnmappedAddress_IsAFaultNotACrash()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().RouteInterrupt(vector: 0, slot: 0, _fd0);
        _port.WriteMsixEntry(0, 0x42, 1);
        q0.Send(Frames.Make(Frames.MacA, 64));

        _model.Step(64, T0);

        Assert.Equal(1, _port.Statistics.MsixFaults);
        Assert.Equal(1, _model.Audit.Faults);
        Assert.True(_model.CanaryIntact());
    }
}
