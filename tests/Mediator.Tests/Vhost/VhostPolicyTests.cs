using Mediator.Control;
using Mediator.Eval.Attacks.VhostUser;
using Mediator.Tests.Integration;

namespace Mediator.Tests.Vhost;

/// <summary>
/// The policies apply to vhost-user front ends as to library clients: chosen by SO_PEERCRED at connect
/// (quotas included), and a reload reaches a connected port's packet rules.
/// </summary>
public sealed class VhostPolicyTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mediator-vhost-reload-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static void Write(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    [Fact]
    public void A_front_end_whose_policy_does_not_cover_the_ports_memory_is_refused_at_connect()
    {
        string vhost = Path.Combine(_dir.FullName, "vh.sock");
        using var broker = BrokerProcess.Start("--vhost-user", vhost, "--Broker:DefaultPolicy:MaxUmemBytes=1048576");
        int mapsBefore = broker.MappingCount;
        using var fe = VhostGuest.Connect(vhost);
        Assert.True(fe.WaitClosed(), "a front end over its UMEM quota was accepted");
        Assert.Equal(mapsBefore, broker.MappingCount); // no queue was made for it
        Assert.Equal(0ul, broker.Stats()[QueueCounter.VhostTxFrames]);
    }

    [Fact]
    public void A_reloaded_ethertype_allow_list_applies_to_the_connected_port()
    {
        string config = Path.Combine(_dir.FullName, "mediator.json");
        Write(config, """{ "Broker": { "DefaultPolicy": { "Name": "default" } } }""");
        string vhost = Path.Combine(_dir.FullName, "vh.sock");
        using var broker = BrokerProcess.Start("--config", config, "--vhost-user", vhost);
        using var fe = VhostGuest.Connect(vhost);
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
