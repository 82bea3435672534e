using Mediator.Broker.Device;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

/// <summary>
/// The device translates descriptor rings a run at a time (TxQueue, RxQueue): a run must stop where the
/// ring's region stops, so a ring length that claims more than the region holds still faults at the
/// first descriptor outside it, exactly as per-descriptor translation did.
/// </summary>
public sealed unsafe class DescriptorRunTests : IDisposable
{
    private const long T0 = 1_000_000_000;
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
    private readonly NicPort _port;

    public DescriptorRunTests()
    {
        _port = _model.AddPort(new NicPortOptions { QueueCount = 1, TxBurst = 256 });
        _model.AddNullSink(_port);
    }

    public void Dispose() => _model.Dispose();

    [Fact]
    public void A_ring_length_past_its_region_faults_at_the_first_descriptor_outside_it()
    {
        using var q0 = new TestDriver(_model, _port, 0, ringSize: 32).EnableTx(); // the region holds 32 descriptors
        _port.WriteRegister(Registers.TXDCTL(0), 0);
        _port.WriteRegister(Registers.TDLEN(0), 64 * TxDescriptor.Size);           // the driver claims 64
        _port.WriteRegister(Registers.TXDCTL(0), Registers.QueueEnable);
        for (uint i = 0; i < 32; i++)
        {
            q0.TxRing[i] = TxDescriptor.ForFrame(q0.TxBuffer(i), 64);
        }
        _port.WriteRegister(Registers.TDT(0), 40); // 8 "descriptors" beyond the region

        _model.Step(256, T0);

        Assert.Equal(32, _port.Statistics.TxFrames);
        Assert.Equal(1, _port.Statistics.DescriptorFetchFaults);
        Assert.Equal(1, _model.Audit.Faults);
        Assert.Equal(32, DmaAudit.Stats(q0.TxRingRegion).Reads);
        Assert.Equal(32, DmaAudit.Stats(q0.TxRingRegion).Writes); // DD into each
        Assert.Equal(32u, _port.ReadRegister(Registers.TDH(0)));
        Assert.True(q0.TxDone(31));
    }

    [Fact]
    public void Descriptors_rewritten_after_a_run_was_translated_are_read_when_their_turn_comes()
    {
        using var q0 = new TestDriver(_model, _port, 0, ringSize: 32).EnableTx();
        for (int i = 0; i < 5; i++)
        {
            q0.Send(Frames.Make(Frames.MacA, 64));
        }
        _model.Step(256, T0);
        Assert.Equal(5, q0.ReapTx());
        // The tail wraps: descriptors 5..31 and 0..3 are one run to the ring's end, then one from 0.
        for (int i = 0; i < 31; i++)
        {
            q0.Send(Frames.Make(Frames.MacA, 64 + i));
        }

        _model.Step(256, T0 + 1);

        Assert.Equal(31, q0.ReapTx());
        Assert.Equal(36, _port.Statistics.TxFrames);
        Assert.Equal(36 * 64 + (30 * 31 / 2), _port.Statistics.TxBytes - 0);
        Assert.Equal(0, _model.Audit.Faults);
    }
}
