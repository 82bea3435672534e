using Mediator.Control;
using Mediator.Vhost;

namespace Mediator.Eval.Attacks.VhostUser;

/// <summary>
/// Publishes hostile TX chains on a started port: descriptors at the victim's UMEM, the broker canary,
/// the interrupt page and BAR0 bus addresses (not guest addresses: nothing to translate), across the end
/// of its region, loops, indices outside the table, writable and indirect buffers, zero lengths.
/// </summary>
/// <remarks>Mitigation: SplitVirtqueue fetches each descriptor once and refuses it with its reason; every chain still completes (used length 0).</remarks>
public sealed class VhostHostileDescriptors : VhostAttack
{
    /// <inheritdoc />
    public override string Name => "VhostHostileDescriptors";
    /// <inheritdoc />
    public override string Description => "TX descriptors naming foreign bus addresses (victim UMEM, broker canary, interrupt page, BAR0), straddling the region's end, a two-descriptor loop, a head and a next outside the table, a device-writable buffer, an indirect table, a zero length.";
    /// <inheritdoc />
    public override string Mitigation => "Descriptors are translated only through the front end's own memory table; each refusal is counted by reason and the chain is returned exactly once.";

    /// <inheritdoc />
    public override unsafe void Run(AttackContext context)
    {
        using var guest = VhostGuest.Connect(PortPath(context));
        guest.Start();
        var d = guest.TxDescriptors;
        ulong good = VhostGuest.GuestBase + VhostGuest.TxBuffers;
        var t = context.Targets;
        ulong[] foreign = [t.VictimUmem, t.VictimCanary, t.BrokerCanary, t.InterruptPage, t.Bar0, VhostGuest.GuestBase + VhostGuest.RegionSize - 32];
        if (foreign.Any(a => a - VhostGuest.GuestBase < VhostGuest.RegionSize - 32))
        {
            throw new InvalidOperationException("a target bus address is also one of the guest's own addresses; move VhostGuest.GuestBase");
        }
        ushort slot = 10;
        var heads = new List<ushort>();
        foreach (ulong address in foreign)
        {
            d[slot] = new VirtqDescriptor { Address = address, Length = 64 };
            heads.Add(slot++);
        }
        d[20] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagNext, Next = 21 };
        d[21] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagNext, Next = 20 };
        d[22] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagNext, Next = 4000 };
        d[23] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagWrite };
        d[24] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagIndirect };
        d[25] = new VirtqDescriptor { Address = good, Length = 0 };
        heads.AddRange([20, 22, 23, 24, 25, 9999]);
        foreach (ushort head in heads)
        {
            guest.PublishTx(head);
        }
        if (!guest.WaitTxDone())
        {
            throw new InvalidOperationException($"only {guest.TxUsed} of {guest.TxPublished} hostile chains came back in the used ring");
        }
        guest.SendFrame(Frame(1)); // the port still works
        if (!guest.WaitTxDone())
        {
            throw new InvalidOperationException("an honest frame after the hostile chains was not taken");
        }
        context.Expect(QueueCounter.VhostRefusedOutsideMemory, foreign.Length);
        context.Expect(QueueCounter.VhostRefusedChainLoop, 1);
        context.Expect(QueueCounter.VhostRefusedIndexOutOfRange, 2);
        context.Expect(QueueCounter.VhostRefusedWrongDirection, 1);
        context.Expect(QueueCounter.VhostRefusedIndirect, 1);
        context.Expect(QueueCounter.VhostRefusedBadLength, 1);
        context.Expect(QueueCounter.VhostTxRefused, heads.Count);
        context.Expect(QueueCounter.VhostTxFrames, 1);
        context.Note($"{heads.Count} hostile chains returned, one honest frame taken");
    }
}
