using Mediator.Broker.Device;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

public sealed class LoopbackTests : IDisposable
{
    private const long T0 = 1_000_000_000;
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
    private readonly NicPort _port;

    public LoopbackTests()
    {
        _port = _model.AddPort(new NicPortOptions { QueueCount = 4 });
        _model.AddLoopback(_port);
    }

    public void Dispose() => _model.Dispose();

    [Fact]
    public unsafe void Loopback_FramesArriveByteExact_WithDdAndLength()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().EnableRx().SteerMac(0, Frames.MacA);
        byte[][] sent = [Frames.Make(Frames.MacA, 60, 1), Frames.Make(Frames.MacA, 1514, 2), Frames.Make(Frames.MacA, 200, 3)];
        foreach (byte[] f in sent)
        {
            q0.Send(f);
        }

        int work = _model.Step(64, T0);

        Assert.Equal(3, work);
        Assert.Equal(3, q0.ReapTx());
        Assert.Equal(3u, _port.ReadRegister(Registers.TDH(0)));
        for (int i = 0; i < sent.Length; i++)
        {
            Assert.True(q0.TryReceive(out byte[] got, out uint status));
            Assert.Equal(sent[i], got);
            Assert.Equal(RxDescriptor.StatusDd | RxDescriptor.StatusEop, status);
        }
        Assert.False(q0.TryReceive(out _, out _));
        Assert.Equal(3u, _port.ReadRegister(Registers.RDH(0)));
        Assert.Equal(3u, _port.ReadRegister(Registers.GPTC));
        Assert.Equal(3u, _port.ReadRegister(Registers.GPRC));
        Assert.Equal(3u, _port.ReadRegister(Registers.QPTC(0)));
        Assert.Equal(3u, _port.ReadRegister(Registers.QPRC(0)));
        Assert.Equal(0, _model.Audit.Faults);
        Assert.Equal(0, _model.Audit.Violations);
        Assert.True(_model.CanaryIntact());
    }

    [Fact]
    public void Steering_ByDestinationMac_PicksTheQueue_UnknownIsDroppedAndCounted()
    {
        using var q1 = new TestDriver(_model, _port, 1).EnableTx().EnableRx().SteerMac(3, Frames.MacA);
        using var q2 = new TestDriver(_model, _port, 2).EnableRx().SteerMac(7, Frames.MacB);
        q1.Send(Frames.Make(Frames.MacB, 64));
        q1.Send(Frames.Make(Frames.MacA, 64));
        q1.Send(Frames.Make(Frames.MacUnknown, 64));
        q1.Send(Frames.Make(Frames.MacB, 65));

        _model.Step(64, T0);

        Assert.Single(q1.ReceiveAll());
        List<byte[]> toB = q2.ReceiveAll();
        Assert.Equal(2, toB.Count);
        Assert.Equal(65, toB[1].Length);
        Assert.Equal(1, _port.Statistics.UnknownDestinationDrops);
        Assert.Equal(1u, _port.ReadRegister(Registers.QPRC(1)));
        Assert.Equal(2u, _port.ReadRegister(Registers.QPRC(2)));
    }

    [Fact]
    public void Broadcast_GoesToQueueZero()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableRx();
        using var q3 = new TestDriver(_model, _port, 3).EnableTx();
        q3.Send(Frames.Make(MacAddress.Broadcast, 64));

        _model.Step(64, T0);

        Assert.Single(q0.ReceiveAll());
    }

    [Fact]
    public void Broadcast_WithAddressFilters_ReachesEveryFilteredQueue_EachInItsOwnDescriptor()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableRx();
        using var q1 = new TestDriver(_model, _port, 1).EnableRx().SteerMac(0, Frames.MacA);
        using var q2 = new TestDriver(_model, _port, 2).EnableRx().SteerMac(1, Frames.MacB);
        using var q3 = new TestDriver(_model, _port, 3).EnableTx();
        byte[] arp = Frames.Make(MacAddress.Broadcast, 60, 7);
        q3.Send(arp);

        _model.Step(64, T0);

        Assert.Empty(q0.ReceiveAll()); // no filter: an ARP request is not for it
        Assert.Equal(arp, Assert.Single(q1.ReceiveAll()));
        Assert.Equal(arp, Assert.Single(q2.ReceiveAll()));
        Assert.Equal(1u, _port.ReadRegister(Registers.QPRC(1)));
        Assert.Equal(1u, _port.ReadRegister(Registers.QPRC(2)));
    }

    [Fact]
    public void NoArmedRxDescriptor_DropsAndCountsRnbc()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().EnableRx(armed: 2).SteerMac(0, Frames.MacA);
        for (int i = 0; i < 5; i++)
        {
            q0.Send(Frames.Make(Frames.MacA, 64, i));
        }

        _model.Step(64, T0);

        Assert.Equal(2, q0.ReceiveAll().Count);
        Assert.Equal(3u, _port.ReadRegister(Registers.RNBC));
        Assert.Equal(3, _port.Statistics.NoDescriptorDrops);
        Assert.Equal(5, q0.ReapTx()); // TX side completes regardless
    }

    [Fact]
    public void RxFrameLongerThanBuffer_IsCutAndFlaggedRxe()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().EnableRx(srrctlKb: 1).SteerMac(0, Frames.MacA);
        byte[] big = Frames.Make(Frames.MacA, 1500);
        q0.Send(big);

        _model.Step(64, T0);

        Assert.True(q0.TryReceive(out byte[] got, out uint status));
        Assert.Equal(1024, got.Length);
        Assert.Equal(big.AsSpan(0, 1024).ToArray(), got);
        Assert.NotEqual(0u, status & RxDescriptor.ErrorRxe);
        Assert.Equal(1, _port.Statistics.RxTruncated);
    }

    [Fact]
    public void TxDescriptorWithBadBusAddress_CountsDmaFault_AndStillWritesDd()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().EnableRx().SteerMac(0, Frames.MacA);
        q0.Post(TxDescriptor.ForFrame(0xDEAD_0000, 64)); // below the bus window
        q0.Send(Frames.Make(Frames.MacA, 64));

        _model.Step(64, T0);

        Assert.True(q0.TxDone(0));
        Assert.True(q0.TxDone(1));
        Assert.Equal(1u, _port.ReadRegister(Registers.DMAERR));
        Assert.Equal(1, _model.Audit.Faults);
        Assert.Equal(1u, _port.ReadRegister(Registers.GPTC));
        Assert.Single(q0.ReceiveAll());
    }

    [Fact]
    public void TailBeyondRing_IsIgnoredAndCounted()
    {
        using var q0 = new TestDriver(_model, _port, 0, ringSize: 8).EnableTx();
        q0.Send(Frames.Make(Frames.MacA, 64));
        _port.WriteRegister(Registers.TDT(0), 9999);

        int work = _model.Step(64, T0);

        Assert.Equal(0, work);
        Assert.Equal(0u, _port.ReadRegister(Registers.TDH(0)));
        Assert.Equal(1, _port.Statistics.BadTailDoorbells);
        Assert.Equal(0, _model.Audit.Reads); // nothing was fetched, least of all outside the ring
    }

    [Fact]
    public void RingWrapsAround_OverManySteps()
    {
        using var q0 = new TestDriver(_model, _port, 0, ringSize: 8).EnableTx().EnableRx().SteerMac(0, Frames.MacA);
        int received = 0;
        for (int round = 0; round < 10; round++)
        {
            for (int i = 0; i < 5; i++)
            {
                q0.Send(Frames.Make(Frames.MacA, 64 + i, round));
            }
            _model.Step(64, T0 + round);
            Assert.Equal(5, q0.ReapTx());
            received += q0.ReceiveAll().Count;
        }
        Assert.Equal(50, received);
    }

    [Fact]
    public void Bar0_IsMemfdBacked_AndVisibleThroughAnotherMapping()
    {
        using var second = Mediator.Native.MappedMemory.Map(_port.ShareBar0(), Registers.Bar0Size, Mediator.Native.MapAccess.ReadWrite);
        _port.WriteRegister(Registers.EITR(3), 0x1234);
        Assert.Equal(0x1234u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(second.Span[Registers.EITR(3)..]));
        Assert.NotEqual(0u, _port.ReadRegister(Registers.STATUS) & 2); // link up
    }
}
