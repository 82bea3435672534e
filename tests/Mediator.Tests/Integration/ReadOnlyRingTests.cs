using Mediator.Cli;
using Mediator.Control;

namespace Mediator.Tests.Integration;

/// <summary>The rings the broker writes are read-only in the client, and the kernel, not convention, enforces it.</summary>
public sealed class ReadOnlyRingTests
{
    [Fact]
    public void A_client_process_that_writes_the_broker_area_faults_and_the_broker_lives_on()
    {
        using var broker = BrokerProcess.Start();
        using var victim = broker.Connect("victim");
        using var victimQueue = victim.OpenQueue();

        using var attacker = ChildProcess.StartSelf("selftest", "write-readonly", "--socket", broker.SocketPath);
        Assert.NotNull(attacker.WaitForLine("MAPPED", TimeSpan.FromSeconds(30)));
        Assert.True(attacker.WaitForExit(TimeSpan.FromSeconds(30)), "the writer should have been killed by SIGSEGV");
        Assert.Null(attacker.WaitForLine("WROTE", TimeSpan.FromMilliseconds(100)));
        Assert.NotEqual(0, attacker.ExitCode);

        // The broker noticed the death, freed that queue, and still serves the other client.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        ulong open;
        do
        {
            open = broker.Stats()[QueueCounter.TxRequests];
        }
        while (open != 0 && DateTime.UtcNow < deadline);
        Span<byte> frame = stackalloc byte[64];
        victimQueue.Mac.CopyTo(frame);
        victimQueue.Mac.CopyTo(frame[6..]);
        Assert.True(victimQueue.TrySend(frame));
        Assert.True(victimQueue.WaitForRx(TimeSpan.FromSeconds(10)));
        Span<byte> back = stackalloc byte[2048];
        Assert.True(victimQueue.TryReceive(back, out int length));
        Assert.Equal(64, length);
    }
}
