using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Client.Unsafe;

/// <summary>Opening queues in the unsafe modes (TxDirect, DirectMap) the broker's policy may grant.</summary>
public static class MediatorClientUnsafeExtensions
{
    /// <summary>
    /// Opens a queue in the unsafe mode this client's policy grants (<see cref="MediatorClient.Mode"/>)
    /// and maps its device rings (and, in DirectMap, BAR0 and the MSI-X table): OpenQueue with
    /// <see cref="OpenQueueFlags.DeviceAccess"/>, then MapDevice. No RX buffers are lent to the broker;
    /// a TxDirect caller posts them with <c>Queue.Refill()</c>.
    /// </summary>
    /// <exception cref="MediatorException"><see cref="ErrorCode.PolicyDenied"/> when the policy grants only Mediated.</exception>
    public static DirectQueue OpenDirectQueue(this MediatorClient client, QueueGeometry? geometry = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var queue = client.OpenQueue(geometry, OpenQueueFlags.DeviceAccess, refill: false);
        try
        {
            var request = new MapDeviceRequest { QueueId = queue.QueueId };
            var reply = client.Request(MessageType.MapDevice, in request, MessageType.MapDeviceReply);
            if (!ControlCodec.TryReadBody(reply.Message, out MapDeviceReply body) || body.QueueId != queue.QueueId)
            {
                foreach (var fd in reply.Fds)
                {
                    fd.Dispose();
                }
                throw new MediatorException(ErrorCode.Malformed, MessageType.MapDevice, "MapDeviceReply has the wrong size or queue", fromBroker: false);
            }
            var device = DeviceMapping.Attach(body, reply.Fds);
            return new DirectQueue(queue, body, device);
        }
        catch
        {
            queue.Dispose();
            throw;
        }
    }
}
