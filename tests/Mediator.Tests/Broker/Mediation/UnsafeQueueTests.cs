using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using Mediator.Control;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>
/// Queues in the unsafe modes, on the broker side: what QueueFactory keeps for the client (ring memfds,
/// the doorbell page), and what a client holding them can make the device do. The DMA audit is the
/// evidence: in TxDirect and DirectMap a descriptor naming the broker's canary makes the device read it
/// (a violation on that queue); in DirectMap an MSI-X entry pointed at the canary overwrites it.
/// </summary>
public sealed unsafe class UnsafeQueueTests : IDisposable
{
    private const long T0 = 1_000_000_000;
    private static readonly QueueGeometry Small = new() { FrameSize = 2048, FrameCount = 64, TxSize = 32, CompletionSize = 32, FillSize = 32, RxSize = 32 };
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
    private readonly NicPort _port;

    public UnsafeQueueTests()
    {
        _port = _model.AddPort(new NicPortOptions { QueueCount = 4 });
        _model.AddLoopback(_port);
        _model.Audit.EnableLog(4096);
    }

    public void Dispose() => _model.Dispose();

    private QueueSession Open(ClientMode mode, int deviceQueue = 1) =>
        QueueFactory.Create(_model, clientId: 7, queueId: 1, deviceQueue, Small, 1514, 0, mode);

    private void Close(QueueSession s) => QueueTeardown.Run(s, TimeSpan.FromSeconds(1), () => _model.Step(64));

    [Fact]
    public void Mediated_queues_keep_no_ring_descriptors_and_no_doorbell_page()
    {
        var s = Open(ClientMode.Mediated);
        Assert.Null(s.Driver.TxRingFile);
        Assert.Null(s.Driver.RxRingFile);
        Assert.Null(s.Driver.DoorbellPage);
        Assert.True(s.BrokerDrivesTx);
        Assert.True(s.BrokerDrivesRx);
        Close(s);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Device_writes_stream_into_a_queue_read_on_another_core_and_are_cached_for_one_read_in_the_broker(bool consumerInBroker)
    {
        var s = QueueFactory.Create(_model, clientId: 7, queueId: 1, deviceQueue: 1, Small, 1514, 0, consumerInBroker: consumerInBroker);
        var umem = _model.Bus.FindRegion(s.Driver.UmemBusAddress)!;
        Assert.Equal(RegionKind.ClientUmem, umem.Kind);
        Assert.Equal(!consumerInBroker, umem.StreamDmaWrites);
        Assert.Equal(!consumerInBroker, s.StreamCompletions);
        Assert.False(_model.Bus.FindRegion(s.Driver.UmemBusAddress + (ulong)Small.UmemSize + BusAddressSpace.PageSize)?.StreamDmaWrites ?? false);
        Close(s);
    }

    [Fact]
    public void TxDirect_client_descriptor_naming_the_canary_makes_the_device_read_it_never_write_it()
    {
        var s = Open(ClientMode.TxDirect);
        Assert.False(s.BrokerDrivesTx);
        Assert.True(s.BrokerDrivesRx);
        var page = s.Driver.DoorbellPage!;
        Assert.True(Memfd.GetSeals(s.Driver.TxRingFile!).HasFlag(MemfdSeals.Shrink));

        // What the client does with the two descriptors MapDevice hands it.
        using var ring = MappedMemory.Map(s.Driver.TxRingFile!, s.Driver.TxSize * TxDescriptor.Size, MapAccess.ReadWrite);
        using var doorbell = MappedMemory.Map(page.File, DoorbellPage.Size, MapAccess.ReadWrite);
        ((TxDescriptor*)ring.Pointer)[0] = TxDescriptor.ForFrame(_model.Canary.BusAddress, 64);
        Volatile.Write(ref *(uint*)doorbell.Pointer, 1u);
        Assert.True(s.Driver.DeviceTxPending());
        _model.Step(64, T0);

        Assert.False(s.Driver.DeviceTxPending());
        int auditQueue = _port.AuditQueue(s.Driver.Queue);
        Assert.Contains(_model.Audit.SnapshotLog(), r => r.Queue == auditQueue && r.Op == DmaOp.Read && r.Kind == RegionKind.Canary && r.Violation);
        Assert.True(_model.CanaryIntact());
        Close(s);
    }

    [Fact]
    public void DirectMap_client_reads_the_canary_through_a_TX_descriptor_and_corrupts_it_through_MSIX()
    {
        var s = Open(ClientMode.DirectMap);
        Assert.False(s.BrokerDrivesTx);
        Assert.False(s.BrokerDrivesRx);
        Assert.Null(s.Driver.DoorbellPage);
        int q = s.Driver.Queue;
        using var ring = MappedMemory.Map(s.Driver.TxRingFile!, s.Driver.TxSize * TxDescriptor.Size, MapAccess.ReadWrite);
        using var bar = MappedMemory.Map(_port.ShareBar0(), Registers.Bar0Size, MapAccess.ReadWrite);
        using var msix = MappedMemory.Map(_port.MsixTableFile, MsixEntry.TableSize, MapAccess.ReadWrite);
        uint* regs = (uint*)bar.Pointer;

        // Leak: the device fetches 64 bytes of the canary for this queue.
        ((TxDescriptor*)ring.Pointer)[0] = TxDescriptor.ForFrame(_model.Canary.BusAddress, 64);
        Volatile.Write(ref regs[Registers.TDT(q) / 4], 1u);
        _model.Step(64, T0);
        int auditQueue = _port.AuditQueue(q);
        Assert.Contains(_model.Audit.SnapshotLog(), r => r.Queue == auditQueue && r.Op == DmaOp.Read && r.Kind == RegionKind.Canary && r.Violation);
        Assert.True(_model.CanaryIntact());

        // Corruption: the queue's vector now "interrupts" into the canary page.
        var entry = (MsixEntry*)msix.Pointer + s.Driver.Vector;
        entry->MessageAddressLow = (uint)_model.Canary.BusAddress;
        entry->MessageAddressHigh = (uint)(_model.Canary.BusAddress >> 32);
        entry->MessageData = 0x41414141;
        Volatile.Write(ref entry->VectorControl, 0u);
        Volatile.Write(ref regs[Registers.EIMS / 4], 1u << s.Driver.Vector);
        ((TxDescriptor*)ring.Pointer)[1] = TxDescriptor.ForFrame(s.Driver.UmemBusAddress, 64);
        Volatile.Write(ref regs[Registers.TDT(q) / 4], 2u);
        _model.Step(64, T0 + 1_000_000);

        Assert.False(_model.CanaryIntact());
        Assert.Contains(_model.Audit.SnapshotLog(), r => r.Op == DmaOp.Write && r.Kind == RegionKind.Canary);
        Close(s);
    }
}
