using Mediator.Broker.Device;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

/// <summary>
/// <see cref="NicPort"/> latches the queues it has seen enabled every step, and every queue when a driver
/// wrote through <see cref="NicPort.WriteRegister"/> or <see cref="NicPort.FullLatchSteps"/> steps passed.
/// Writes straight into a mapping of BAR0 (a DirectMap client's) must therefore still take effect:
/// a disable at the next step, an enable within <see cref="NicPort.FullLatchSteps"/> steps.
/// </summary>
public sealed unsafe class NicPortLatchTests : IDisposable
{
    private const long T0 = 1_000_000_000;
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
    private readonly NicPort _port;
    private readonly MappedMemory _bar;

    public NicPortLatchTests()
    {
        _port = _model.AddPort(new NicPortOptions { QueueCount = 4 });
        _model.AddNullSink(_port);
        _bar = MappedMemory.Map(_port.ShareBar0(), Registers.Bar0Size, MapAccess.ReadWrite);
    }

    public void Dispose()
    {
        _bar.Dispose();
        _model.Dispose();
    }

    private void StoreDirect(int offset, uint value) => Volatile.Write(ref *(uint*)(_bar.Pointer + offset), value); // release, as a driver's MMIO store

    [Fact]
    public void A_disable_written_straight_into_BAR0_stops_the_queue_at_the_next_step()
    {
        using var q1 = new TestDriver(_model, _port, 1).EnableTx();
        q1.Send(Frames.Make(Frames.MacA, 64));
        _model.Step(64, T0);
        Assert.Equal(1, q1.ReapTx());

        StoreDirect(Registers.TXDCTL(1), 0);
        q1.TxRing[1] = TxDescriptor.ForFrame(q1.TxBuffer(1), 64);
        StoreDirect(Registers.TDT(1), 2);
        _model.Step(64, T0 + 1);

        Assert.Equal(1, _port.Statistics.TxFrames);
        Assert.False(q1.TxDone(1));
    }

    [Fact]
    public void An_enable_written_straight_into_BAR0_is_seen_within_the_full_latch_period()
    {
        using var q2 = new TestDriver(_model, _port, 2);
        _model.Step(64, T0); // latches everything once: q2 is off
        StoreDirect(Registers.TDBAL(2), (uint)q2.TxRingRegion.BusAddress);
        StoreDirect(Registers.TDBAH(2), (uint)(q2.TxRingRegion.BusAddress >> 32));
        StoreDirect(Registers.TDLEN(2), q2.RingSize * TxDescriptor.Size);
        q2.TxRing[0] = TxDescriptor.ForFrame(q2.TxBuffer(0), 64);
        StoreDirect(Registers.TDT(2), 1);
        StoreDirect(Registers.TXDCTL(2), Registers.QueueEnable);

        int steps = 0;
        while (!q2.TxDone(0) && steps < NicPort.FullLatchSteps + 1)
        {
            _model.Step(64, T0 + ++steps);
        }

        Assert.True(q2.TxDone(0), $"not sent after {steps} steps");
        Assert.InRange(steps, 1, NicPort.FullLatchSteps);
    }
}
