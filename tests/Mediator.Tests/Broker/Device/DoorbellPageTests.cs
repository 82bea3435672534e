using Mediator.Broker.Device;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

/// <summary>
/// The model's per-queue TX doorbell page: while attached the device takes the queue's tail from the
/// page and ignores TDT in BAR0; a client mapping the page through its memfd rings that queue only.
/// </summary>
public sealed unsafe class DoorbellPageTests : IDisposable
{
    private const long T0 = 1_000_000_000;
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
    private readonly NicPort _port;

    public DoorbellPageTests()
    {
        _port = _model.AddPort(new NicPortOptions { QueueCount = 2 });
        _model.AddLoopback(_port);
    }

    public void Dispose() => _model.Dispose();

    [Fact]
    public void With_a_page_attached_the_device_follows_the_page_and_ignores_TDT()
    {
        using var q = new TestDriver(_model, _port, 0).EnableTx().EnableRx().SteerMac(0, Frames.MacA);
        var page = _port.AttachTxDoorbellPage(0);
        q.TxRing[0] = TxDescriptor.ForFrame(q.TxBuffer(0), 60);
        q.TxRing[1] = TxDescriptor.ForFrame(q.TxBuffer(1), 60);

        _port.WriteRegister(Registers.TDT(0), 1); // the BAR doorbell no longer counts
        _model.Step(64, T0);
        Assert.False(q.TxDone(0));

        // The page as a client maps it: its own memfd, its own mapping.
        using var mapped = MappedMemory.Map(page.File, DoorbellPage.Size, MapAccess.ReadWrite);
        Volatile.Write(ref *(uint*)(mapped.Pointer + DoorbellPage.TxTail), 2u);
        Assert.Equal(2u, _port.ReadTxTail(0));
        _model.Step(64, T0 + 1);
        Assert.True(q.TxDone(0));
        Assert.True(q.TxDone(1));
        Assert.Equal(2u, _port.ReadRegister(Registers.TDH(0)));
        Assert.Equal(2L, _port.Statistics.TxFrames);
    }

    [Fact]
    public void A_tail_beyond_the_ring_is_ignored_and_counted()
    {
        using var q = new TestDriver(_model, _port, 0, ringSize: 32).EnableTx();
        var page = _port.AttachTxDoorbellPage(0);
        page.WriteTail(1000);
        _model.Step(64, T0);
        Assert.Equal(0u, _port.ReadRegister(Registers.TDH(0)));
        Assert.True(_port.Statistics.BadTailDoorbells > 0);
    }

    [Fact]
    public void Detaching_gives_the_doorbell_back_to_TDT_and_closes_the_page()
    {
        using var q = new TestDriver(_model, _port, 1).EnableTx();
        var page = _port.AttachTxDoorbellPage(1);
        Assert.Throws<InvalidOperationException>(() => _port.AttachTxDoorbellPage(1));
        _port.DetachTxDoorbellPage(1);
        _port.DetachTxDoorbellPage(1); // idempotent
        Assert.True(page.File.IsInvalid || page.File.IsClosed);

        q.Send(Frames.Make(Frames.MacB, 60));
        _model.Step(64, T0);
        Assert.True(q.TxDone(0));
    }
}
