using Mediator.Broker.Hosting;
using Mediator.Policies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mediator.Tests.Policies;

/// <summary>Bad policy configuration stops the broker at start with a message naming the rule and the field.</summary>
public sealed class PolicyValidationTests
{
    private static string[] Failures(params string[] args)
    {
        using var host = BrokerHost.Build(["--Broker:SocketPath=/tmp/mediator-validation-test.sock", .. args]);
        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<BrokerOptions>>().Value);
        return [.. e.Failures];
    }

    private static void AssertFailure(string[] failures, params string[] fragments) =>
        Assert.Contains(failures, f => fragments.All(x => f.Contains(x, StringComparison.Ordinal)));

    [Fact]
    public void Require_without_a_vlan_id_names_the_rule_and_field()
    {
        var f = Failures("--Broker:Policies:0:Name=web", "--Broker:Policies:0:VlanMode=Require");
        AssertFailure(f, "policy 'web'", "Broker:Policies:0", "VlanId", "Require");
    }

    [Fact]
    public void A_vlan_id_out_of_range_is_refused_by_its_attribute()
    {
        var f = Failures("--Broker:Policies:0:Name=web", "--Broker:Policies:0:VlanMode=Insert", "--Broker:Policies:0:VlanId=5000");
        AssertFailure(f, "policy 'web'", "VlanId");
    }

    [Fact]
    public void A_vlan_id_without_a_vlan_mode_is_refused()
    {
        var f = Failures("--Broker:DefaultPolicy:VlanId=7");
        AssertFailure(f, "policy 'default'", "Broker:DefaultPolicy", "VlanMode is None");
    }

    [Fact]
    public void An_unparsable_or_tag_ethertype_is_refused_with_its_index()
    {
        var f = Failures("--Broker:Policies:0:Name=a", "--Broker:Policies:0:AllowedEthertypes:0=IPv4",
            "--Broker:Policies:0:AllowedEthertypes:1=banana", "--Broker:Policies:0:AllowedEthertypes:2=0x8100");
        AssertFailure(f, "policy 'a'", "AllowedEthertypes[1] 'banana'");
        AssertFailure(f, "policy 'a'", "AllowedEthertypes[2] '0x8100'");
        Assert.DoesNotContain(f, x => x.Contains("AllowedEthertypes[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bit_rate_whose_burst_cannot_hold_one_frame_is_refused()
    {
        var f = Failures("--Broker:Policies:0:Name=slow", "--Broker:Policies:0:BitsPerSecond=1000000", "--Broker:Policies:0:BurstBytes=1000");
        AssertFailure(f, "policy 'slow'", "BurstBytes (1000)", "1514");
    }

    [Fact]
    public void A_packet_rate_with_no_burst_and_a_negative_rate_are_refused()
    {
        var f = Failures("--Broker:Policies:0:Name=p", "--Broker:Policies:0:PacketsPerSecond=10", "--Broker:Policies:0:PacketBurst=0",
            "--Broker:Policies:1:Name=q", "--Broker:Policies:1:BitsPerSecond=-1");
        AssertFailure(f, "policy 'p'", "PacketBurst");
        AssertFailure(f, "policy 'q'", "Broker:Policies:1", "BitsPerSecond");
    }

    [Fact]
    public void Quota_ranges_of_nested_rules_are_checked_and_duplicate_names_refused()
    {
        var f = Failures("--Broker:Policies:0:Name=x", "--Broker:Policies:0:MaxQueues=0", "--Broker:Policies:1:Name=x");
        AssertFailure(f, "policy 'x'", "MaxQueues");
        AssertFailure(f, "policy 'x'", "Broker:Policies:1", "same Name");
    }

    [Fact]
    public void A_good_rule_compiles_to_the_policy_it_describes()
    {
        var rule = new PolicyRule
        {
            Name = "ok", VlanMode = VlanMode.Insert, VlanId = 12, VlanPriority = 3, AllowedEthertypes = ["IPv4", "0x86dd", "2054", "ipv4"],
            PacketsPerSecond = 1000, BitsPerSecond = 1_000_000,
        };
        Assert.Empty(rule.Validate("test"));
        var p = rule.ToPolicy();
        Assert.Equal([Ethertypes.IPv4, Ethertypes.IPv6, Ethertypes.Arp], p.AllowedEthertypes);
        Assert.Equal((ushort)12, p.VlanId);
        Assert.True(p.ChecksHeaders);
    }
}
