using Mediator.Broker.Device;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

/// <summary>
/// The audit sums accesses per step when its log is off (<see cref="PendingAudit"/>) and records them
/// one by one when it is on: both must give the same counters, region by region, violations included.
/// </summary>
public sealed class PendingAuditTests
{
    private const long T0 = 1_000_000_000;

    [Fact]
    public void Summed_and_logged_audits_count_the_same_accesses()
    {
        (DmaAuditSnapshot summed, _) = Run(log: false);
        (DmaAuditSnapshot logged, DmaRecord[] records) = Run(log: true);

        Assert.Equal(logged.Reads, summed.Reads);
        Assert.Equal(logged.Writes, summed.Writes);
        Assert.Equal(logged.Faults, summed.Faults);
        Assert.Equal(logged.Violations, summed.Violations);
        Assert.True(summed.Violations >= 10); // the foreign reads below
        Assert.Equal(logged.Regions.Count, summed.Regions.Count);
        for (int i = 0; i < summed.Regions.Count; i++)
        {
            RegionDmaStats s = summed.Regions[i], l = logged.Regions[i];
            Assert.Equal((l.Name, l.Reads, l.Writes, l.BytesRead, l.BytesWritten, l.Violations), (s.Name, s.Reads, s.Writes, s.BytesRead, s.BytesWritten, s.Violations));
        }
        // The log saw every translated access on its own, in order.
        Assert.Equal(logged.Reads + logged.Writes, records.Count(r => r.RegionId != 0));
        Assert.True(records.Zip(records.Skip(1)).All(p => p.First.Sequence + 1 == p.Second.Sequence));
    }

    [Fact]
    public void Every_access_is_counted_before_the_driver_can_see_the_DD_that_follows_it()
    {
        using var model = new DeviceModel(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
        var port = model.AddPort(new NicPortOptions { QueueCount = 1 });
        using var q0 = new TestDriver(model, port, 0).EnableTx().EnableRx().SteerMac(0, Frames.MacA);
        var wire = new CheckingWire(q0);
        model.AddWire(wire, txOf: port);
        for (int i = 0; i < 20; i++)
        {
            q0.Send(Frames.Make(Frames.MacA, 64 + i));
        }

        model.Step(64, T0);

        // Inside the step, right after TX and right after RX: what the driver could see was already counted.
        Assert.Equal((20, 20L), wire.AfterTx);
        Assert.Equal((20, 20L), wire.AfterRx);
    }

    // A loopback that looks, from inside the step, at the DD bits a driver could read and at the audit.
    private sealed unsafe class CheckingWire(TestDriver q) : Wire
    {
        public (int DoneDescriptors, long BufferReads) AfterTx { get; private set; }
        public (int DoneDescriptors, long BufferWrites) AfterRx { get; private set; }

        public override void Transmit(NicPort from, FrameBatch frames)
        {
            int tx = 0;
            for (uint i = 0; i < q.RingSize; i++)
            {
                tx += q.TxDone(i) ? 1 : 0;
            }
            AfterTx = (tx, DmaAudit.Stats(q.BufferRegion).Reads);
            from.Receive(frames);
            int rx = 0;
            for (uint i = 0; i < q.RingSize; i++)
            {
                rx += (Volatile.Read(ref q.RxRing[i].WbStatusError) & RxDescriptor.StatusDd) != 0 ? 1 : 0;
            }
            AfterRx = (rx, DmaAudit.Stats(q.BufferRegion).Writes);
        }
    }

    // 3 rounds of 12 frames through the loopback (the ring of 32 wraps), each round with 10 descriptors
    // naming the other owner's memory and one that does not translate; MSI-X messages into the interrupt page.
    private static (DmaAuditSnapshot, DmaRecord[]) Run(bool log)
    {
        using var model = new DeviceModel(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
        var port = model.AddPort(new NicPortOptions { QueueCount = 2 });
        model.AddLoopback(port);
        using var q0 = new TestDriver(model, port, 0, ownerTag: 7, bufferKind: RegionKind.ClientUmem).EnableTx().EnableRx().SteerMac(0, Frames.MacA);
        using var other = new TestDriver(model, port, 1, ownerTag: 8, bufferKind: RegionKind.ClientUmem);
        using var irq = new Mediator.Native.EventFd();
        q0.RouteInterrupt(0, 0, irq);
        if (log)
        {
            model.Audit.EnableLog(1 << 12);
        }
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 12; i++)
            {
                q0.Send(Frames.Make(Frames.MacA, 60 + i, round));
            }
            model.Step(64, T0 + round * 1_000_000_000L);
            q0.ReceiveAll();
            q0.ReapTx();
            for (int i = 0; i < 10; i++)
            {
                q0.Post(TxDescriptor.ForFrame(other.TxBuffer((uint)i), 64));
            }
            q0.Post(TxDescriptor.ForFrame(0x7_0000_0000, 64)); // no region: a fault
            model.Step(64, T0 + round * 1_000_000_000L + 1);
            q0.ReceiveAll();
            q0.ReapTx();
        }
        return (model.Audit.Snapshot(), model.Audit.SnapshotLog());
    }
}
