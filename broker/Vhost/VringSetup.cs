using Mediator.Native;
using Mediator.Vhost;

namespace Mediator.Broker.Vhost;

/// <summary>What the front end told the control thread about one vring; turned into a <see cref="SplitVirtqueue"/> when the ring can start.</summary>
internal sealed class VringSetup : IDisposable
{
    /// <summary>SET_VRING_NUM (0: not yet).</summary>
    public uint Num { get; set; }

    /// <summary>SET_VRING_ADDR, when received.</summary>
    public VhostVringAddress? Address { get; set; }

    /// <summary>SET_VRING_BASE, or where the data path left the ring when it stopped.</summary>
    public ushort Base { get; set; }

    /// <summary>A kick was received (fd or poll flag) since the ring last stopped: the ring may start.</summary>
    public bool Kicked { get; set; }

    /// <summary>The kick eventfd (null with the poll flag).</summary>
    public EventFd? Kick { get; set; }

    /// <summary>The call eventfd (null: never signal).</summary>
    public EventFd? Call { get; set; }

    /// <summary>SET_VRING_ENABLE (rings start disabled when VHOST_USER_F_PROTOCOL_FEATURES is negotiated).</summary>
    public bool Enabled { get; set; }

    /// <summary>Forgets everything (RESET_OWNER) and closes the eventfds.</summary>
    public void Dispose()
    {
        Kick?.Dispose();
        Call?.Dispose();
        Kick = null;
        Call = null;
        Num = 0;
        Address = null;
        Base = 0;
        Kicked = false;
        Enabled = false;
    }
}
