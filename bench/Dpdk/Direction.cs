namespace Mediator.Bench.Dpdk;

/// <summary>Which way frames cross a vhost-user connection.</summary>
public enum Direction
{
    /// <summary>From the untrusted front end (virtio-user, txonly) into the trusted back end (rxonly / the device).</summary>
    TowardsBackEnd,
    /// <summary>From the back end (txonly / the device) to the front end (virtio-user, rxonly).</summary>
    FromBackEnd,
}
