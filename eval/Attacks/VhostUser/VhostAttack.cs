using Mediator.Broker.Hosting;

namespace Mediator.Eval.Attacks.VhostUser;

/// <summary>
/// An attack through a vhost-user port: the broker under test gets a port (socket in the cell's scratch
/// directory) and the attacker plays a hostile virtio front end on it, while the victim (a library
/// client) runs its traffic. The port's MAC is the default, 02:4d:56:00:00:01.
/// </summary>
public abstract class VhostAttack : Attack
{
    /// <summary>The port's MAC.</summary>
    protected static readonly byte[] PortMac = [0x02, 0x4D, 0x56, 0x00, 0x00, 0x01];

    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.VhostUser;

    /// <inheritdoc />
    public override void Configure(BrokerOptions options) =>
        options.VhostUser.Add(new VhostUserPortOptions { Path = Path.Combine(Path.GetDirectoryName(options.SocketPath)!, "vh.sock") });

    /// <summary>The port's socket.</summary>
    protected static string PortPath(AttackContext context) => Path.Combine(context.ScratchDirectory, "vh.sock");

    /// <summary>A 64-byte frame from the port's MAC to itself.</summary>
    protected static byte[] Frame(int seq)
    {
        var f = new byte[64];
        PortMac.CopyTo(f, 0);
        PortMac.CopyTo(f, 6);
        f[12] = 0x88;
        f[13] = 0xB5;
        BitConverter.TryWriteBytes(f.AsSpan(14), seq);
        return f;
    }

    /// <summary>Requires that the broker closed <paramref name="guest"/>'s connection after <paramref name="what"/>.</summary>
    protected static void RequireClosed(AttackContext context, VhostGuest guest, string what)
    {
        if (!guest.WaitClosed())
        {
            throw new InvalidOperationException($"{what}: the broker kept the connection open");
        }
        context.Note($"{what}: connection closed");
    }
}
