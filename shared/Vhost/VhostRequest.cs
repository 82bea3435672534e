namespace Mediator.Vhost;

/// <summary>
/// The vhost-user front-end requests (the <c>request</c> field of <see cref="VhostMessageHeader"/>), by
/// their numbers in the vhost-user specification. The broker serves the subset DPDK's virtio_user and
/// QEMU need (docs/vhost-user.md); every other number is refused and closes the connection.
/// </summary>
public enum VhostRequest : uint
{
    /// <summary>Reply: u64 device features.</summary>
    GetFeatures = 1,
    /// <summary>u64 features the front end accepts.</summary>
    SetFeatures = 2,
    /// <summary>Claims the session (first message of a session).</summary>
    SetOwner = 3,
    /// <summary>Stops every ring and forgets the negotiated state.</summary>
    ResetOwner = 4,
    /// <summary>The front end's memory regions, one fd per region (SCM_RIGHTS).</summary>
    SetMemTable = 5,
    /// <summary>Dirty-page logging: refused.</summary>
    SetLogBase = 6,
    /// <summary>Dirty-page logging: refused.</summary>
    SetLogFd = 7,
    /// <summary>Ring size.</summary>
    SetVringNum = 8,
    /// <summary>Ring addresses (front-end virtual addresses).</summary>
    SetVringAddr = 9,
    /// <summary>Next available index the back end reads.</summary>
    SetVringBase = 10,
    /// <summary>Stops the ring; reply: the next available index.</summary>
    GetVringBase = 11,
    /// <summary>Kick eventfd (or the no-fd flag: poll).</summary>
    SetVringKick = 12,
    /// <summary>Call eventfd (or the no-fd flag: never signal).</summary>
    SetVringCall = 13,
    /// <summary>Error eventfd.</summary>
    SetVringErr = 14,
    /// <summary>Reply: u64 protocol features.</summary>
    GetProtocolFeatures = 15,
    /// <summary>u64 protocol features the front end accepts.</summary>
    SetProtocolFeatures = 16,
    /// <summary>Reply: u64 queue pairs (with the MQ protocol feature).</summary>
    GetQueueNum = 17,
    /// <summary>Enables or disables a ring (with VHOST_USER_F_PROTOCOL_FEATURES).</summary>
    SetVringEnable = 18,
    /// <summary>Gratuitous ARP on migration: refused.</summary>
    SendRarp = 19,
    /// <summary>MTU: refused.</summary>
    NetSetMtu = 20,
    /// <summary>Back-end request channel: refused.</summary>
    SetBackendReqFd = 21,
    /// <summary>IOTLB messages: refused.</summary>
    IotlbMsg = 22,
    /// <summary>Refused.</summary>
    SetVringEndian = 23,
    /// <summary>Device config space: refused.</summary>
    GetConfig = 24,
    /// <summary>Device config space: refused.</summary>
    SetConfig = 25,
    /// <summary>Refused.</summary>
    CreateCryptoSession = 26,
    /// <summary>Refused.</summary>
    CloseCryptoSession = 27,
    /// <summary>Postcopy migration: refused.</summary>
    PostcopyAdvise = 28,
    /// <summary>Postcopy migration: refused.</summary>
    PostcopyListen = 29,
    /// <summary>Postcopy migration: refused.</summary>
    PostcopyEnd = 30,
    /// <summary>Refused.</summary>
    GetInflightFd = 31,
    /// <summary>Refused.</summary>
    SetInflightFd = 32,
    /// <summary>Refused.</summary>
    GpuSetSocket = 33,
    /// <summary>Refused.</summary>
    ResetDevice = 34,
    /// <summary>Refused.</summary>
    VringKick = 35,
    /// <summary>Refused.</summary>
    GetMaxMemSlots = 36,
    /// <summary>Refused.</summary>
    AddMemReg = 37,
    /// <summary>Refused.</summary>
    RemMemReg = 38,
    /// <summary>Device status (VHOST_USER_PROTOCOL_F_STATUS, not offered): refused.</summary>
    SetStatus = 39,
    /// <summary>Device status (not offered): refused.</summary>
    GetStatus = 40,
}
