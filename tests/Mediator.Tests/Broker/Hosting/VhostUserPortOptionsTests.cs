using Mediator.Broker.Hosting;

namespace Mediator.Tests.Broker.Hosting;

/// <summary>The vhost-user port configuration: MAC parsing, defaults, and the start-time validation.</summary>
public sealed class VhostUserPortOptionsTests
{
    [Fact]
    public void The_default_MAC_is_locally_administered_and_numbered_by_position()
    {
        Assert.Equal("02:4d:56:00:00:01", VhostUserPortOptions.Format(new VhostUserPortOptions { Path = "/x" }.ResolveMac(0)));
        Assert.Equal("02:4d:56:00:00:0a", VhostUserPortOptions.Format(new VhostUserPortOptions { Path = "/x" }.ResolveMac(9)));
        Assert.Equal("52:54:00:12:34:56", VhostUserPortOptions.Format(new VhostUserPortOptions { Path = "/x", Mac = "52:54:00:12:34:56" }.ResolveMac(0)));
    }

    [Theory]
    [InlineData("relative/vh.sock", "", "absolute")]
    [InlineData("/tmp/vh.sock", "01:00:5e:00:00:01", "unicast")]
    [InlineData("/tmp/vh.sock", "00:00:00:00:00:00", "unicast")]
    [InlineData("/tmp/vh.sock", "02:4d:56:00:01", "not xx:xx")]
    [InlineData("/tmp/vh.sock", "02:4d:56:00:00:zz", "not xx:xx")]
    public void A_bad_port_is_refused_at_start_naming_the_key(string path, string mac, string expected)
    {
        var o = new BrokerOptions { SocketPath = "/tmp/m.sock", VhostUser = [new VhostUserPortOptions { Path = path, Mac = mac }] };
        var result = new BrokerOptionsValidator().Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Broker:VhostUser:0", StringComparison.Ordinal) && f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Two_ports_may_not_share_a_path_or_a_MAC()
    {
        var o = new BrokerOptions
        {
            SocketPath = "/tmp/m.sock",
            VhostUser = [new() { Path = "/tmp/a.sock" }, new() { Path = "/tmp/a.sock" }, new() { Path = "/tmp/c.sock", Mac = "02:4d:56:00:00:01" }],
        };
        var failures = new BrokerOptionsValidator().Validate(null, o).Failures!;
        Assert.Contains(failures, f => f.Contains("Broker:VhostUser:1:Path", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Broker:VhostUser:2:Mac", StringComparison.Ordinal));
        Assert.True(new BrokerOptionsValidator().Validate(null, new BrokerOptions { VhostUser = [new() { Path = "/tmp/a.sock" }, new() { Path = "/tmp/b.sock" }] }).Succeeded);
    }
}
