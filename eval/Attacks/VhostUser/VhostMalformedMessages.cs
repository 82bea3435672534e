using Mediator.Vhost;

namespace Mediator.Eval.Attacks.VhostUser;

/// <summary>Sends malformed, unsupported and out-of-order vhost-user messages, one per connection.</summary>
/// <remarks>Mitigation: each is refused with a log line and closes only that connection; the port serves the next front end.</remarks>
public sealed class VhostMalformedMessages : VhostAttack
{
    /// <inheritdoc />
    public override string Name => "VhostMalformedMessages";
    /// <inheritdoc />
    public override string Description => "vhost-user messages with a bad version, the reply flag, unknown requests, dirty logging, wrong payload sizes, a 1 GiB size field, descriptors on GET_FEATURES, features not offered, vring 2, a ring of 300, a kick that is not an eventfd, a memory table before SET_OWNER.";
    /// <inheritdoc />
    public override string Mitigation => "Each is refused and closes only that connection; the port then serves a faithful front end.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        string path = PortPath(context);
        (string Name, Action<VhostGuest> Send)[] cases =
        [
            ("version 2", g => g.Send(VhostRequest.GetFeatures, flags: 2)),
            ("reply flag", g => g.Send(VhostRequest.GetFeatures, flags: VhostMessageHeader.Version1 | VhostMessageHeader.ReplyFlag)),
            ("request 977", g => g.Send((VhostRequest)977, new byte[8])),
            ("SET_LOG_BASE", g => g.Send(VhostRequest.SetLogBase, new byte[8])),
            ("postcopy", g => g.Send(VhostRequest.PostcopyAdvise)),
            ("4-byte SET_VRING_NUM", g => g.Send(VhostRequest.SetVringNum, new byte[4])),
            ("1 GiB size field", g => g.Socket.Send([.. BitConverter.GetBytes((uint)VhostRequest.SetMemTable), .. BitConverter.GetBytes(1u), .. BitConverter.GetBytes(1u << 30)])),
            ("fds on GET_FEATURES", g => g.Send(VhostRequest.GetFeatures, default, [g.Kick[0].Handle.Fd])),
            ("indirect descriptors", g => g.Send(VhostRequest.SetFeatures, VirtioFeatures.IndirectDescriptors)),
            ("vring 2", g => g.Send(VhostRequest.SetVringNum, new VhostVringState { Index = 2, Num = 256 })),
            ("ring of 300", g => g.Send(VhostRequest.SetVringNum, new VhostVringState { Num = 300 })),
            ("kick is a memfd", g => g.Send(VhostRequest.SetVringKick, 0UL, [g.MemoryFd.Fd])),
            ("table before SET_OWNER", g => g.Send(VhostRequest.SetMemTable, VhostGuest.Table(VhostGuest.Region), [g.MemoryFd.Fd])),
        ];
        foreach (var (name, send) in cases)
        {
            using var guest = VhostGuest.Connect(path);
            send(guest);
            RequireClosed(context, guest, name);
        }
        using var faithful = VhostGuest.Connect(path);
        faithful.Start();
        context.Note("a faithful front end was served afterwards");
    }
}
