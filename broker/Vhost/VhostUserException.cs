namespace Mediator.Broker.Vhost;

/// <summary>
/// A vhost-user port could not listen: its socket path is in use by a live process, or cannot be
/// created. The message names the path and the cause, for an operator to act on.
/// </summary>
public sealed class VhostUserException : IOException
{
    /// <summary>Creates the exception for the port at <paramref name="path"/>.</summary>
    public VhostUserException(string path, string message, Exception? inner = null)
        : base($"vhost-user port {path}: {message}", inner) => Path = path;

    /// <summary>The socket path of the port.</summary>
    public string Path { get; }
}
