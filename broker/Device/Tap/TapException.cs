namespace Mediator.Broker.Device;

/// <summary>
/// A TAP interface could not be created or configured. The message names the interface and the cause
/// (no /dev/net/tun, missing CAP_NET_ADMIN, name in use, ...), for an operator to act on.
/// </summary>
public sealed class TapException : IOException
{
    /// <summary>Creates the exception for <paramref name="interfaceName"/>.</summary>
    public TapException(string interfaceName, int errno, string message)
        : base($"TAP interface '{interfaceName}': {message}")
    {
        InterfaceName = interfaceName;
        Errno = errno;
        HResult = errno;
    }

    /// <summary>The interface asked for.</summary>
    public string InterfaceName { get; }

    /// <summary>The errno of the failed call (0 when the name itself was refused).</summary>
    public int Errno { get; }
}
