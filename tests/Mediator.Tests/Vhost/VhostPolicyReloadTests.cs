using Mediator.Control;
using Mediator.Tests.Integration;

namespace Mediator.Tests.Vhost;

/// <summary>A policy reload reaches a connected vhost-user port's packet rules, as it reaches a library client's.</summary>
public sealed class VhostPolicyReloadTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mediator-vhost-reload-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static void Write(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    [Fact]
    public void A_reloaded_ethertype_allow_list_applies_to_the_connected_port()
    {
        string config = Path.Combine(_dir.FullName, "mediator.json");
        Write(config, """{ "Broker": { "DefaultPolicy": { "Name": "default" } } }""");
        string vhost = Path.Combine(_dir.FullName, "vh.sock");
        using var broker = BrokerProcess.Start("--config", config, "--vhost-user", vhost);
        using var fe = VhostFrontEnd.Connect(vhost);
        fe.Start();
        byte[] frame = [0x02, 0x4D, 0x56, 0x00, 0x00, 0x01, 0x02, 0x4D, 0x56, 0x00, 0x00, 0x01, 0x88, 0xB5, .. new byte[50]];
        fe.SendFrame(frame);
        fe.WaitTxUsed();
        Assert.Single(fe.Receive(1));

        Write(config, """{ "Broker": { "DefaultPolicy": { "Name": "default", "AllowedEthertypes": [ "IPv4", "ARP" ] } } }""");
        Assert.Equal(0, Tmds.Linux.LibC.kill(broker.Pid, Tmds.Linux.LibC.SIGHUP));
        var end = DateTime.UtcNow.AddSeconds(20);
        while (broker.Stats()[QueueCounter.RefusedEthertypeNotAllowed] == 0)
        {
            Assert.True(DateTime.UtcNow < end, "the new allow-list never reached the vhost-user port");
            fe.SendFrame(frame);
            fe.WaitTxUsed();
            Thread.Sleep(50);
        }
        // Every frame taken from the guest was either sent or refused by the policy: nothing lost.
        while (broker.Stats() is var s && s[QueueCounter.VhostTxFrames] != s[QueueCounter.TxSent] + s[QueueCounter.TxRefused])
        {
            Assert.True(DateTime.UtcNow < end, "TX frames unaccounted for");
            Thread.Sleep(20);
        }
    }
}
