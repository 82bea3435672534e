using Microsoft.Extensions.Logging;

namespace Mediator.Broker;

/// <summary>Log messages of the vhost-user back end (event ids 200-219).</summary>
internal static partial class Log
{
    [LoggerMessage(200, LogLevel.Information, "vhost-user port {Path}: listening, MAC {Mac}")]
    public static partial void VhostListening(ILogger logger, string path, string mac);

    [LoggerMessage(201, LogLevel.Information, "vhost-user port {Path}: front end connected as client {ClientId}: pid {Pid} uid {Uid} gid {Gid}, policy '{Policy}'")]
    public static partial void VhostConnected(ILogger logger, string path, uint clientId, int pid, uint uid, uint gid, string policy);

    [LoggerMessage(202, LogLevel.Warning, "vhost-user port {Path}: connection refused: {Reason}")]
    public static partial void VhostConnectionRefused(ILogger logger, string path, string reason);

    [LoggerMessage(203, LogLevel.Warning, "vhost-user client {ClientId}: refused {Request}: {Reason}; closing the connection")]
    public static partial void VhostRefused(ILogger logger, uint clientId, string request, string reason);

    [LoggerMessage(204, LogLevel.Information, "vhost-user client {ClientId}: features 0x{Features:x} negotiated (virtio-net header {HeaderSize} bytes)")]
    public static partial void VhostFeatures(ILogger logger, uint clientId, ulong features, int headerSize);

    [LoggerMessage(205, LogLevel.Information, "vhost-user client {ClientId}: protocol features 0x{Features:x} negotiated")]
    public static partial void VhostProtocolFeatures(ILogger logger, uint clientId, ulong features);

    [LoggerMessage(206, LogLevel.Information, "vhost-user client {ClientId}: memory table of {Regions} regions, {Bytes} bytes mapped ({Unsealed} can shrink under the broker: hugetlbfs or unsealable memfd)")]
    public static partial void VhostMemoryTable(ILogger logger, uint clientId, int regions, ulong bytes, int unsealed);

    [LoggerMessage(207, LogLevel.Information, "vhost-user client {ClientId}: rings RX {Rx}, TX {Tx}")]
    public static partial void VhostRings(ILogger logger, uint clientId, string rx, string tx);

    [LoggerMessage(208, LogLevel.Information, "vhost-user client {ClientId} disconnected: {TxFrames} frames taken from the guest, {RxFrames} delivered to it, {NoBuffer} dropped without a guest buffer, {Refused} chains refused")]
    public static partial void VhostGone(ILogger logger, uint clientId, ulong txFrames, ulong rxFrames, ulong noBuffer, ulong refused);

    [LoggerMessage(209, LogLevel.Error, "vhost-user client {ClientId}: connection failed")]
    public static partial void VhostFailed(ILogger logger, uint clientId, System.Exception exception);
}
