namespace Mediator.Control;

/// <summary>Why the broker refused a control request.</summary>
public enum ErrorCode : uint
{
    /// <summary>Not an error.</summary>
    None = 0,
    /// <summary>Bad magic, a length that disagrees with the bytes received, or a body of the wrong size.</summary>
    Malformed = 1,
    /// <summary>The message's ABI version is not one the broker speaks.</summary>
    UnsupportedVersion = 2,
    /// <summary>A message type the broker does not know.</summary>
    UnknownType = 3,
    /// <summary>A message that is not allowed now (e.g. OpenQueue before Hello, Hello twice).</summary>
    OutOfOrder = 4,
    /// <summary>The policy for this peer forbids it.</summary>
    PolicyDenied = 5,
    /// <summary>More queues or memory than the policy allows.</summary>
    QuotaExceeded = 6,
    /// <summary>Ring or frame sizes out of range.</summary>
    InvalidGeometry = 7,
    /// <summary>No such queue on this connection.</summary>
    UnknownQueue = 8,
    /// <summary>The message carried file descriptors it should not (they were closed).</summary>
    UnexpectedFds = 9,
    /// <summary>The broker failed internally; the text says how.</summary>
    Internal = 10,
    /// <summary>The broker is shutting down and takes no new work.</summary>
    ShuttingDown = 11,
    /// <summary>Every device queue is taken.</summary>
    NoDeviceQueue = 12,
    /// <summary>Longer than <see cref="ControlCodec.MaxMessageSize"/>.</summary>
    TooLarge = 13,
}
