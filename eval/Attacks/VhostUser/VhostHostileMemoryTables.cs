using Mediator.Native;
using Mediator.Vhost;

namespace Mediator.Eval.Attacks.VhostUser;

/// <summary>Offers hostile memory tables: overlapping, zero-sized, larger than the file, wrapping, nine regions, an fd that is not memory, a missing fd.</summary>
/// <remarks>Mitigation: GuestMemory refuses each before anything is mapped; the connection closes; the port serves the next front end.</remarks>
public sealed class VhostHostileMemoryTables : VhostAttack
{
    /// <inheritdoc />
    public override string Name => "VhostHostileMemoryTables";
    /// <inheritdoc />
    public override string Description => "SET_MEM_TABLE with regions overlapping in guest-physical or user addresses, of size 0, of 1 TiB over a 4 MiB file, wrapping the address space, nine regions, an eventfd or a socket as region fd, no fd.";
    /// <inheritdoc />
    public override string Mitigation => "Every table is checked (count, sizes, overflow-safe ranges, overlaps, fd a memory file of sufficient size) before any mapping; refused tables close the connection.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        string path = PortPath(context);
        var r = VhostGuest.Region;
        var small = r with { MemorySize = 1 << 20 };
        using var notMemory = new EventFd();
        var (left, right) = UnixStreamSocket.Pair();
        using (left)
        using (right)
        {
            (string Name, byte[] Table, Func<VhostGuest, int[]> Fds)[] cases =
            [
                ("overlap in guest-physical", VhostGuest.Table(small, small with { GuestPhysAddr = r.GuestPhysAddr + 4096, UserspaceAddr = r.UserspaceAddr + (2 << 20), MmapOffset = 2 << 20 }), g => [g.MemoryFd.Fd, g.MemoryFd.Fd]),
                ("overlap in user addresses", VhostGuest.Table(small, small with { GuestPhysAddr = r.GuestPhysAddr + (2 << 20), MmapOffset = 2 << 20 }), g => [g.MemoryFd.Fd, g.MemoryFd.Fd]),
                ("zero size", VhostGuest.Table(r with { MemorySize = 0 }), g => [g.MemoryFd.Fd]),
                ("1 TiB over a 4 MiB file", VhostGuest.Table(r with { MemorySize = 1UL << 40 }), g => [g.MemoryFd.Fd]),
                ("offset past the file", VhostGuest.Table(r with { MmapOffset = 1UL << 30 }), g => [g.MemoryFd.Fd]),
                ("wraps", VhostGuest.Table(r with { GuestPhysAddr = ulong.MaxValue - 4095 }), g => [g.MemoryFd.Fd]),
                ("nine regions", VhostGuest.Table([.. Enumerable.Range(0, 9).Select(i => small with { GuestPhysAddr = (ulong)i << 30, UserspaceAddr = (ulong)i << 30 })]), g => [g.MemoryFd.Fd]),
                ("eventfd as memory", VhostGuest.Table(r), _ => [notMemory.Handle.Fd]),
                ("socket as memory", VhostGuest.Table(r), _ => [left.Handle.Fd]),
                ("no fd", VhostGuest.Table(r), _ => []),
            ];
            foreach (var (name, table, fds) in cases)
            {
                using var guest = VhostGuest.Connect(path);
                guest.Send(VhostRequest.SetOwner);
                guest.Send(VhostRequest.SetMemTable, table, fds(guest), VhostMessageHeader.Version1 | VhostMessageHeader.NeedReplyFlag);
                RequireClosed(context, guest, name);
            }
        }
        using var faithful = VhostGuest.Connect(path);
        faithful.Start();
        context.Note("a faithful front end was served afterwards");
    }
}
