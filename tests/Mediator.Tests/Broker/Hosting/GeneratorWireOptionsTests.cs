using Mediator.Broker.Hosting;

namespace Mediator.Tests.Broker.Hosting;

public sealed class GeneratorWireOptionsTests
{
    [Fact]
    public void The_generator_wire_needs_a_destination_mac()
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions { Wire = WireKind.Generator });

        Assert.True(result.Failed);
        Assert.Contains("Broker:GeneratorDestinationMac: required", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:100")] // a part out of a byte's range: refused, not an OverflowException
    [InlineData("02:00:00:00:00:zz")]
    public void A_destination_that_is_not_a_mac_is_refused_by_name(string mac)
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions { Wire = WireKind.Generator, GeneratorDestinationMac = mac });

        Assert.True(result.Failed);
        Assert.Contains($"'{mac}' is not a MAC address", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_generator_with_a_mac_validates_and_other_wires_ignore_the_setting()
    {
        Assert.True(new BrokerOptionsValidator().Validate(null, new BrokerOptions { Wire = WireKind.Generator, GeneratorDestinationMac = "02:00:00:d9:d9:07" }).Succeeded);
        Assert.True(new BrokerOptionsValidator().Validate(null, new BrokerOptions { Wire = WireKind.Null }).Succeeded);
    }
}
