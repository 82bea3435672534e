using Mediator.Broker.Mediation;

namespace Mediator.Broker.ControlPlane;

/// <summary>The control server's part in the packet policies: compiling them onto new queues.</summary>
internal sealed partial class ControlServer
{
    /// <summary>Compiles the client's policy for a new queue (its MAC) and shares the client's rate limiter with it.</summary>
    private static void AttachPolicy(ClientConnection c, QueueSession session, int deviceQueue)
    {
        session.RateLimiter = c.RateLimiter;
        session.PublishPolicy(PacketPolicy.Compile(c.Policy!, QueueFactory.MacFor(deviceQueue)));
    }
}
