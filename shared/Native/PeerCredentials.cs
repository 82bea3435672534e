namespace Mediator.Native;

/// <summary>
/// Who is at the other end of a Unix socket, as the kernel recorded it at <c>connect(2)</c>
/// (SO_PEERCRED). A client cannot forge these.
/// </summary>
/// <param name="Pid">The peer's process id.</param>
/// <param name="Uid">The peer's user id.</param>
/// <param name="Gid">The peer's group id.</param>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    /// <summary>The peer's executable (<c>/proc/PID/exe</c>), or null when it cannot be read.</summary>
    public string? ExecutablePath
    {
        get
        {
            try
            {
                return new FileInfo($"/proc/{Pid}/exe").LinkTarget;
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
