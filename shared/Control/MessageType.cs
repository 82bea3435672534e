namespace Mediator.Control;

/// <summary>Control message types. Replies have the high bit set and echo the request id.</summary>
public enum MessageType : ushort
{
    /// <summary>Client → broker: first message; names the ABI version and the app.</summary>
    Hello = 1,
    /// <summary>Client → broker: create a queue (UMEM + rings + eventfds).</summary>
    OpenQueue = 2,
    /// <summary>Client → broker: close a queue; in-flight requests are drained or cancelled.</summary>
    CloseQueue = 3,
    /// <summary>Client → broker: read a queue's counters (or the broker's with <see cref="StatsRequest.AllQueues"/>).</summary>
    Stats = 4,
    /// <summary>
    /// Client → broker: hand over the device rings (and, in DirectMap, BAR0 and the MSI-X table) of a
    /// queue opened with <see cref="OpenQueueFlags.DeviceAccess"/>. Unsafe modes only.
    /// </summary>
    MapDevice = 5,
    /// <summary>Broker → client: answer to Hello.</summary>
    HelloReply = 0x81,
    /// <summary>Broker → client: answer to OpenQueue, with seven descriptors attached.</summary>
    OpenQueueReply = 0x82,
    /// <summary>Broker → client: answer to CloseQueue.</summary>
    CloseQueueReply = 0x83,
    /// <summary>Broker → client: answer to Stats.</summary>
    StatsReply = 0x84,
    /// <summary>Broker → client: answer to MapDevice, with the mode's descriptors attached.</summary>
    MapDeviceReply = 0x85,
    /// <summary>Broker → client: broker shuts down; queues stop after in-flight work drains.</summary>
    Goodbye = 0xFE,
    /// <summary>Broker → client: a request failed; carries an <see cref="ErrorCode"/> and a text.</summary>
    Error = 0xFF,
}
