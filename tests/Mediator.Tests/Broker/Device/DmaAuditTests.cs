using Mediator.Broker.Device;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

public sealed class DmaAuditTests : IDisposable
{
    private const long T0 = 1_000_000_000;
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
    private readonly NicPort _port;

    public DmaAuditTests()
    {
        _port = _model.AddPort(new NicPortOptions { QueueCount = 2 });
        _model.AddLoopback(_port);
    }

    public void Dispose() => _model.Dispose();

    [Fact]
    public void AccessesWithinTheQueueOwnersMemory_AreNotViolations()
    {
        using var q0 = new TestDriver(_model, _port, 0, ownerTag: 7, bufferKind: RegionKind.ClientUmem).EnableTx().EnableRx().SteerMac(0, Frames.MacA);
        q0.Send(Frames.Make(Frames.MacA, 100));

        _model.Step(64, T0);

        Assert.Equal(0, _model.Audit.Violations);
        RegionDmaStats buffers = DmaAudit.Stats(q0.BufferRegion);
        Assert.Equal(1, buffers.Reads);
        Assert.Equal(100, buffers.BytesRead);
        Assert.Equal(1, buffers.Writes);
        Assert.Equal(100, buffers.BytesWritten);
        RegionDmaStats txRing = DmaAudit.Stats(q0.TxRingRegion);
        Assert.Equal(1, txRing.Reads); // descriptor fetch
        Assert.Equal(1, txRing.Writes); // DD write-back
    }

    [Fact]
    public unsafe void DescriptorNamingAnotherOwnersMemory_CountsAViolation()
    {
        using var q0 = new TestDriver(_model, _port, 0, ownerTag: 7, bufferKind: RegionKind.ClientUmem).EnableTx();
        using var other = new TestDriver(_model, _port, 1, ownerTag: 8, bufferKind: RegionKind.ClientUmem);
        _model.Audit.EnableLog(16);
        q0.Post(TxDescriptor.ForFrame(other.BufferRegion.BusAddress, 64)); // client 7 reads client 8's UMEM
        q0.Post(TxDescriptor.ForFrame(_model.Canary.BusAddress, 64));       // and the broker's canary

        _model.Step(64, T0);

        Assert.Equal(2, _model.Audit.Violations);
        Assert.Equal(1, DmaAudit.Stats(other.BufferRegion).Violations);
        Assert.Equal(1, DmaAudit.Stats(_model.Canary).Violations);
        DmaRecord[] log = _model.Audit.SnapshotLog();
        Assert.Equal(2, log.Count(r => r.Violation));
        Assert.All(log, r => Assert.Equal(_port.AuditQueue(0), r.Queue));
        Assert.True(_model.CanaryIntact()); // read, not written
    }

    [Fact]
    public void SnapshotAndLog_ReportFaultsAndRegions()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx();
        _model.Audit.EnableLog(4);
        q0.Post(TxDescriptor.ForFrame(0x7_0000_0000, 64));
        for (int i = 0; i < 3; i++)
        {
            q0.Send(Frames.Make(Frames.MacA, 64));
        }

        _model.Step(64, T0);

        DmaAuditSnapshot snapshot = _model.Audit.Snapshot();
        Assert.Equal(1, snapshot.Faults);
        Assert.Contains(snapshot.Regions, r => r.Kind == RegionKind.Canary && r.Writes == 0);
        Assert.Contains(snapshot.Regions, r => r.Kind == RegionKind.InterruptPage);
        DmaRecord[] log = _model.Audit.SnapshotLog();
        Assert.Equal(4, log.Length); // bounded: the last four of 4 fetches + 4 payload accesses + 4 DD writes
        Assert.True(log[0].Sequence < log[3].Sequence);
        Assert.Equal(11, log[3].Sequence);
    }
}
