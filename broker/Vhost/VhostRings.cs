using Mediator.Native;

namespace Mediator.Broker.Vhost;

/// <summary>
/// What the data path serves for one vhost-user port: the started virtqueues (null: stopped), their
/// eventfds and the memory table they live in. Built by the control thread, handed over whole by
/// <see cref="VhostPort.Install"/>; the control thread keeps ownership of the descriptors and the
/// mappings and releases them only after the data path has let go of this snapshot.
/// </summary>
internal sealed class VhostRings
{
    /// <summary>receiveq1 (vring 0): the guest's RX buffers, filled with frames from the device.</summary>
    public SplitVirtqueue? Rx { get; init; }

    /// <summary>transmitq1 (vring 1): the guest's TX frames.</summary>
    public SplitVirtqueue? Tx { get; init; }

    /// <summary>The TX kick eventfd (null: the front end asked the back end to poll).</summary>
    public EventFd? TxKick { get; init; }

    /// <summary>The RX call eventfd (null: never signal).</summary>
    public EventFd? RxCall { get; init; }

    /// <summary>The TX call eventfd (null: never signal).</summary>
    public EventFd? TxCall { get; init; }

    /// <summary>Bytes of the virtio-net header for the negotiated features (12 or 10).</summary>
    public required int HeaderSize { get; init; }

    /// <summary>The memory table the rings and every buffer are translated through.</summary>
    public required GuestMemory Memory { get; init; }
}
