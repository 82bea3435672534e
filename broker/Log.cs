using Microsoft.Extensions.Logging;

namespace Mediator.Broker;

/// <summary>The broker's log messages (source-generated; none is on the per-packet path).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Broker listening on {SocketPath} with {Queues} device queue pairs, wire {Wire}, device stepping {Threading}, RX re-arm {Rearm}")]
    public static partial void Listening(ILogger logger, string socketPath, int queues, string wire, string threading, string rearm);

    [LoggerMessage(2, LogLevel.Warning, "UNSAFE MODES ENABLED: clients granted TxDirect can make the device read any memory, DirectMap clients can read and write any memory. Use only for evaluation.")]
    public static partial void UnsafeModesEnabled(ILogger logger);

    [LoggerMessage(3, LogLevel.Information, "Client {ClientId} connected: pid {Pid} uid {Uid} gid {Gid} app '{App}' policy '{Policy}'")]
    public static partial void ClientHello(ILogger logger, uint clientId, int pid, uint uid, uint gid, string app, string policy);

    [LoggerMessage(4, LogLevel.Information, "Client {ClientId} opened queue {QueueId} on device queue {DeviceQueue}: {Geometry}")]
    public static partial void QueueOpened(ILogger logger, uint clientId, uint queueId, int deviceQueue, string geometry);

    [LoggerMessage(5, LogLevel.Information, "Client {ClientId} queue {QueueId} closed: {TxSent} sent, {TxRefused} refused, {RxDelivered} received, {Cancelled} cancelled")]
    public static partial void QueueClosed(ILogger logger, uint clientId, uint queueId, ulong txSent, ulong txRefused, ulong rxDelivered, ulong cancelled);

    [LoggerMessage(6, LogLevel.Information, "Client {ClientId} disconnected")]
    public static partial void ClientGone(ILogger logger, uint clientId);

    [LoggerMessage(7, LogLevel.Warning, "Client {ClientId}: refused {MessageType}: {Code} ({Reason})")]
    public static partial void ControlRefused(ILogger logger, uint clientId, string messageType, string code, string reason);

    [LoggerMessage(8, LogLevel.Critical, "The data path failed; the broker stops")]
    public static partial void DataPathFailed(ILogger logger, Exception exception);

    [LoggerMessage(9, LogLevel.Critical, "The RX re-arm worker failed; the broker stops")]
    public static partial void RearmFailed(ILogger logger, Exception exception);

    [LoggerMessage(10, LogLevel.Error, "Client {ClientId}: control connection failed")]
    public static partial void ConnectionFailed(ILogger logger, uint clientId, Exception exception);

    [LoggerMessage(11, LogLevel.Information, "Broker stopping: {Clients} clients told, in-flight work drained")]
    public static partial void Stopped(ILogger logger, int clients);

    [LoggerMessage(19, LogLevel.Warning, "Cannot accept a connection now: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Connection refused: {Connections} connections is the configured maximum")]
    public static partial void TooManyConnections(ILogger logger, int connections);

    [LoggerMessage(40, LogLevel.Warning, "Client {ClientId} queue {QueueId}: device queue {DeviceQueue} mapped into the client ({Mode}); the broker no longer guards its DMA")]
    public static partial void DeviceMapped(ILogger logger, uint clientId, uint queueId, int deviceQueue, string mode);

    [LoggerMessage(13, LogLevel.Information, "Policies reloaded: {Connections} connected clients kept, {Changed} of them with new packet rules on their live queues")]
    public static partial void PoliciesReloaded(ILogger logger, int connections, int changed);

    [LoggerMessage(14, LogLevel.Information, "Client {ClientId} ('{App}', {Queues} queues): packet rules changed by the reload: {Changes}")]
    public static partial void ClientPolicyChanged(ILogger logger, uint clientId, string app, int queues, string changes);

    [LoggerMessage(15, LogLevel.Warning, "Client {ClientId} keeps policy '{Policy}': the reloaded rules would refuse it ({Reason}); it stays connected")]
    public static partial void ReloadKeepsPolicy(ILogger logger, uint clientId, string policy, string reason);

    [LoggerMessage(16, LogLevel.Error, "Configuration reload refused, the running rules stay in force: {Failures}")]
    public static partial void ReloadRefused(ILogger logger, string failures);

    [LoggerMessage(17, LogLevel.Information, "Configuration changed: reloading {Rules} policy rules (other Broker settings take effect on restart)")]
    public static partial void Reloading(ILogger logger, int rules);
}
