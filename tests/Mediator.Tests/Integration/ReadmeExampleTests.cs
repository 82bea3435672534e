using Mediator.Client;

namespace Mediator.Tests.Integration;

/// <summary>The ten-line client of the README works as printed.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void The_readme_client_gets_its_frame_back()
    {
        using var broker = BrokerProcess.Start();
        // --- as in README.md, with the socket path of this broker ---
        using var client = MediatorClient.Connect(broker.SocketPath, "hello");
        using var queue = client.OpenQueue();
        var frame = new byte[64];
        queue.Mac.CopyTo(frame);
        queue.Mac.CopyTo(frame.AsSpan(6));
        queue.TrySend(frame);
        var buffer = new byte[2048];
        int length = 0;
        bool got = queue.WaitForRx(TimeSpan.FromSeconds(10)) && queue.TryReceive(buffer, out length);
        // ---
        Assert.True(got);
        Assert.Equal(64, length);
        Assert.Equal(frame, buffer[..64]);
    }
}
