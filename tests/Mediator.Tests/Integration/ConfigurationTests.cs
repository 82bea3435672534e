using Mediator.Cli;

namespace Mediator.Tests.Integration;

/// <summary>The broker validates its configuration at start and refuses to run on a bad value.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("--Broker:DeviceQueues=0", "DeviceQueues")]
    [InlineData("--Broker:ClientBudget=0", "ClientBudget")]
    [InlineData("--Broker:SocketMode=999", "SocketMode")]
    [InlineData("--Broker:DefaultPolicy:Mode=DirectMap", "EnableUnsafeModes")]
    [InlineData("--Broker:RxRearm=Sideways", "RxRearm")]
    [InlineData("--Broker:RxRearm=7", "RxRearm")]
    public void A_bad_value_stops_the_broker_with_a_message_naming_it(string argument, string named)
    {
        var dir = Directory.CreateTempSubdirectory("mediator-config-");
        try
        {
            using var broker = ChildProcess.StartSelf("broker", "--socket", Path.Combine(dir.FullName, "m.sock"), argument);
            Assert.True(broker.WaitForExit(TimeSpan.FromSeconds(30)), "the broker should refuse to start");
            Assert.NotEqual(0, broker.ExitCode);
            Assert.Contains(broker.ErrorLines, line => line.Contains(named, StringComparison.Ordinal));
            Assert.False(File.Exists(Path.Combine(dir.FullName, "m.sock")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
