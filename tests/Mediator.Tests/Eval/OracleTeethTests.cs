using Mediator.Broker.Device;
using Mediator.Eval;
using Mediator.Eval.Attacks;
using Mediator.Eval.Runner;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Tests.Eval;

/// <summary>
/// The oracle has teeth: "attacks" that bypass the broker and use the device model's own API (what a
/// client in DirectMap mode could do) must be classified Leaked or Corrupted, not Blocked.
/// </summary>
[Collection(EvalCollection.Name)]
public sealed class OracleTeethTests
{
    [Fact]
    public void Msix_entry_aimed_at_the_canary_is_classified_corrupted()
    {
        var result = AttackRunner.Run(new MsixAtCanary(), EvalMode.Mediated, EvalTestOptions.Run);
        Assert.True(result.Outcome == Outcome.Corrupted, EvalTestOptions.Describe(result));
        Assert.True(result.Evidence!.WriteViolations > 0, EvalTestOptions.Describe(result));
        Assert.False(result.Evidence.BrokerCanaryIntact);
    }

    [Fact]
    public void Tx_descriptor_at_the_canary_is_classified_leaked()
    {
        var result = AttackRunner.Run(new DescriptorAtCanary(), EvalMode.Mediated, EvalTestOptions.Run);
        Assert.True(result.Outcome == Outcome.Leaked, EvalTestOptions.Describe(result));
        Assert.True(result.Evidence!.ReadViolations > 0, EvalTestOptions.Describe(result));
        Assert.True(result.Evidence.BrokerCanaryIntact);
    }

    /// <summary>Reprograms the attacker queue's MSI-X vector to the broker canary with the port's own API, then makes it fire.</summary>
    private sealed class MsixAtCanary : Attack
    {
        public override string Name => "TestMsixAtCanary";
        public override AttackFamily Family => AttackFamily.DeviceRegisters;
        public override string Description => "test only";
        public override string Mitigation => "none: it bypasses the broker";

        public override void Run(AttackContext context)
        {
            context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned);
            using var q = context.OpenQueue();
            var port = context.DeviceModel.Ports[0];
            port.WriteMsixEntry(q.DeviceQueue % 32, context.Targets.BrokerCanary + 128, 0x0BAD_F00D);
            q.WriteFrame(0, 64);
            long end = Environment.TickCount64 + 2000;
            while (context.DeviceModel.CanaryIntact() && Environment.TickCount64 < end)
            {
                q.PostTx(0, 64);
                q.Reap();
            }
        }
    }

    /// <summary>Programs a spare device queue's TX ring with a descriptor at the canary, as a DirectMap client would.</summary>
    private sealed unsafe class DescriptorAtCanary : Attack
    {
        public override string Name => "TestDescriptorAtCanary";
        public override AttackFamily Family => AttackFamily.DeviceRegisters;
        public override string Description => "test only";
        public override string Mitigation => "none: it bypasses the broker";

        public override void Run(AttackContext context)
        {
            const int queue = 15; // spare: the run uses two device queues
            var device = context.DeviceModel;
            var port = device.Ports[0];
            using var ring = MappedMemory.Anonymous(BusAddressSpace.PageSize);
            var region = device.Bus.Map("q15 tx ring", RegionKind.DeviceRing, ring.Pointer, BusAddressSpace.PageSize);
            try
            {
                device.Audit.SetQueueOwner(port.AuditQueue(queue), 0x7777);
                var d = (TxDescriptor*)ring.Pointer;
                d[0].BufferAddress = context.Targets.BrokerCanary;
                d[0].CmdTypeLen = 64u | TxDescriptor.DtypData | TxDescriptor.CmdEop | TxDescriptor.CmdDext | TxDescriptor.CmdRs;
                port.WriteRegister(Registers.TDBAL(queue), (uint)region.BusAddress);
                port.WriteRegister(Registers.TDBAH(queue), (uint)(region.BusAddress >> 32));
                port.WriteRegister(Registers.TDLEN(queue), 8 * TxDescriptor.Size);
                port.WriteRegister(Registers.TDH(queue), 0);
                port.WriteRegister(Registers.TDT(queue), 0);
                port.WriteRegister(Registers.TXDCTL(queue), Registers.QueueEnable);
                port.WriteRegister(Registers.TDT(queue), 1);
                long end = Environment.TickCount64 + 2000;
                while ((Volatile.Read(ref d[0].OlinfoStatus) & TxDescriptor.StatusDd) == 0 && Environment.TickCount64 < end)
                {
                    Thread.Yield();
                }
            }
            finally
            {
                port.WriteRegister(Registers.TXDCTL(queue), 0);
                device.Bus.Unmap(region);
            }
        }
    }
}
