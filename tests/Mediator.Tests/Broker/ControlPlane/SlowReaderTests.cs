using Mediator.Control;
using Mediator.Native;
using Mediator.Tests.Integration;
using static Tmds.Linux.LibC;

namespace Mediator.Tests.Broker.ControlPlane;

/// <summary>
/// A client that pipelines requests and never reads the replies must not stall the broker's single
/// control thread: replies pile up in that client's socket until the broker's send buffer is full,
/// and a blocking send there would stop every other client's Hello, OpenQueue and disconnect.
/// </summary>
public sealed class SlowReaderTests(SharedBroker shared) : IClassFixture<SharedBroker>
{
    private readonly BrokerProcess _broker = shared.Broker;

    [Fact]
    public void ClientThatNeverReadsReplies_DoesNotStallOtherClients()
    {
        int baselineFds = _broker.FdCount;
        using var hog = RawControlClient.Connect(_broker.SocketPath);
        hog.Hello();
        // Non-blocking on our side, so the test never blocks when the broker stops reading.
        int fd = hog.Socket.Handle.Fd;
        Assert.NotEqual(-1, fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK));
        var request = new byte[ControlCodec.MaxMessageSize];
        int length = ControlCodec.Write(request, MessageType.Stats, 1, new StatsRequest { QueueId = StatsRequest.AllQueues });
        int sent = 0;
        var end = Environment.TickCount64 + 3000;
        // 248-byte replies: a few thousand fill any send buffer the broker has.
        while (sent < 20_000 && Environment.TickCount64 < end)
        {
            try
            {
                hog.SendRaw(request.AsSpan(0, length));
                sent++;
            }
            catch (NativeException e) when (e.Errno == Errno.EAGAIN)
            {
                Thread.Sleep(1); // our send buffer is full: the broker is behind (or stuck)
            }
            catch (NativeException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
            {
                break; // the broker hung up on us: fine
            }
        }

        // Another client is served promptly all the same.
        try
        {
            using var client = Mediator.Client.MediatorClient.Connect(_broker.SocketPath, "patient", TimeSpan.FromSeconds(3));
            using var queue = client.OpenQueue(BrokerChecks.SmallGeometry);
            BrokerChecks.AssertRoundTrip(queue, 5);
        }
        catch (Exception e) when (e is TimeoutException or IOException or Mediator.Client.MediatorException)
        {
            Assert.Fail($"a well-behaved client was not served while another had {sent} unread replies: {e.Message}");
        }
        // The hog itself was cut off: after the replies that fitted, its connection ends.
        Assert.True(hog.WaitClosed(5000), "the broker disconnected the client whose replies it could not deliver");
        hog.Dispose();
        BrokerChecks.AssertFdsBackTo(_broker, baselineFds);
        BrokerChecks.AssertServing(_broker);
    }
}
