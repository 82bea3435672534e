using Mediator.Broker.Device;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

public sealed class QueueLifecycleTests : IDisposable
{
    private const long T0 = 1_000_000_000;
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
    private readonly NicPort _port;

    public QueueLifecycleTests()
    {
        _port = _model.AddPort(new NicPortOptions { QueueCount = 2 });
        _model.AddLoopback(_port);
    }

    public void Dispose() => _model.Dispose();

    [Fact]
    public void UnmappedTxRing_StopsTheQueue_UntilTheDriverTogglesEnable()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx();
        Assert.Null(_model.Bus.FindRegion(_model.Canary.BusAddress + BusAddressSpace.PageSize));
        _port.WriteRegister(Registers.TDBAL(0), (uint)(_model.Canary.BusAddress + BusAddressSpace.PageSize)); // the guard page after the canary
        _port.WriteRegister(Registers.TXDCTL(0), 0);
        _model.Step(64, T0);
        _port.WriteRegister(Registers.TXDCTL(0), Registers.QueueEnable);
        q0.Send(Frames.Make(Frames.MacA, 64));

        _model.Step(64, T0 + 1);
        _model.Step(64, T0 + 2);

        Assert.Equal(1, _port.Statistics.DescriptorFetchFaults); // once: the queue stopped
        Assert.Equal(1u, _port.ReadRegister(Registers.DMAERR));

        q0.EnableTx(); // the driver resets the queue: good base, TDH = TDT = 0, enable
        _port.WriteRegister(Registers.TXDCTL(0), 0);
        _model.Step(64, T0 + 3);
        _port.WriteRegister(Registers.TXDCTL(0), Registers.QueueEnable);
        _model.Step(64, T0 + 4);
        Assert.Equal(1, _port.Statistics.DescriptorFetchFaults);
    }

    [Fact]
    public void RingLengthNotAMultipleOf128_IsRefused()
    {
        using var q0 = new TestDriver(_model, _port, 0);
        _port.WriteRegister(Registers.TDBAL(0), (uint)q0.TxRingRegion.BusAddress);
        _port.WriteRegister(Registers.TDBAH(0), (uint)(q0.TxRingRegion.BusAddress >> 32));
        _port.WriteRegister(Registers.TDLEN(0), 100);
        _port.WriteRegister(Registers.TXDCTL(0), Registers.QueueEnable);

        _model.Step(64, T0);

        Assert.Equal(1, _port.Statistics.QueueConfigErrors);
    }

    [Fact]
    public void RuntFrame_IsDroppedAndCounted()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().EnableRx();
        q0.Send(new byte[10]);

        _model.Step(64, T0);

        Assert.Equal(1, _port.Statistics.RuntDrops);
        Assert.Empty(q0.ReceiveAll());
        Assert.Equal(1, q0.ReapTx());
    }

    [Fact]
    public unsafe void RxBufferPointingIntoTheInterruptPage_StoresDataAndSignalsTheSlot()
    {
        using var fd = new EventFd();
        _model.Interrupts.Register(3, fd);
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().EnableRx(armed: 0).SteerMac(0, Frames.MacA);
        q0.RxRing[0] = RxDescriptor.ForBuffer(_model.Interrupts.SlotAddress(0));
        _port.WriteRegister(Registers.RDT(0), 1);
        byte[] frame = Frames.Make(Frames.MacA, 64);
        q0.Send(frame);

        _model.Step(64, T0);

        Assert.Equal(1UL, fd.TryConsume()); // slot 3 lies inside the 64 bytes written from slot 0
        Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(12)), _model.Interrupts.ReadSlot(3));
        _model.Interrupts.Unregister(3);
    }

    [Fact]
    public void UnmappedBuffer_OnRx_CountsDmaFault_AndHandsTheDescriptorBack()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().EnableRx(armed: 0).SteerMac(0, Frames.MacA);
        unsafe
        {
            q0.RxRing[0] = RxDescriptor.ForBuffer(0x9_0000_0000);
        }
        _port.WriteRegister(Registers.RDT(0), 1);
        q0.Send(Frames.Make(Frames.MacA, 64));

        _model.Step(64, T0);

        Assert.True(q0.TryReceive(out byte[] got, out uint status));
        Assert.Empty(got);
        Assert.NotEqual(0u, status & RxDescriptor.ErrorRxe);
        Assert.Equal(1u, _port.ReadRegister(Registers.DMAERR));
        Assert.Equal(0u, _port.ReadRegister(Registers.GPRC));
    }
}
