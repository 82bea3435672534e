namespace Mediator.Vhost;

/// <summary>
/// Virtio / vhost-user feature bits (GET_FEATURES, SET_FEATURES) as masks. The broker offers only
/// <see cref="Offered"/>: no indirect descriptors, no offloads, no event index, because it implements
/// none of them; a SET_FEATURES with any other bit is refused.
/// </summary>
public static class VirtioFeatures
{
    /// <summary>VIRTIO_NET_F_MRG_RXBUF (15): the 12-byte header with num_buffers; the broker always uses one buffer.</summary>
    public const ulong MergeableRxBuffers = 1UL << 15;

    /// <summary>VIRTIO_NET_F_STATUS (16): not offered (virtio_user adds it on its own side).</summary>
    public const ulong NetStatus = 1UL << 16;

    /// <summary>VIRTIO_RING_F_INDIRECT_DESC (28): not offered.</summary>
    public const ulong IndirectDescriptors = 1UL << 28;

    /// <summary>VIRTIO_RING_F_EVENT_IDX (29): not offered.</summary>
    public const ulong EventIndex = 1UL << 29;

    /// <summary>VHOST_USER_F_PROTOCOL_FEATURES (30): protocol feature negotiation; rings start disabled.</summary>
    public const ulong ProtocolFeatures = 1UL << 30;

    /// <summary>VIRTIO_F_VERSION_1 (32): virtio 1.0 (little-endian, 12-byte net header).</summary>
    public const ulong Version1 = 1UL << 32;

    /// <summary>What the broker offers.</summary>
    public const ulong Offered = MergeableRxBuffers | ProtocolFeatures | Version1;
}

/// <summary>vhost-user protocol feature bits (GET/SET_PROTOCOL_FEATURES) as masks.</summary>
public static class VhostProtocolFeatures
{
    /// <summary>VHOST_USER_PROTOCOL_F_MQ (0): GET_QUEUE_NUM is served (answer: one queue pair).</summary>
    public const ulong MultiQueue = 1UL << 0;

    /// <summary>VHOST_USER_PROTOCOL_F_LOG_SHMFD (1): not offered.</summary>
    public const ulong LogShmFd = 1UL << 1;

    /// <summary>VHOST_USER_PROTOCOL_F_REPLY_ACK (3): NEED_REPLY is honoured with a u64 status.</summary>
    public const ulong ReplyAck = 1UL << 3;

    /// <summary>VHOST_USER_PROTOCOL_F_STATUS (16): not offered.</summary>
    public const ulong Status = 1UL << 16;

    /// <summary>What the broker offers.</summary>
    public const ulong Offered = MultiQueue | ReplyAck;
}
