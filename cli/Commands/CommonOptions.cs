using System.CommandLine;

namespace Mediator.Cli.Commands;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    /// <summary>The default control socket: $MEDIATOR_SOCKET, else the broker's default path.</summary>
    public static string DefaultSocket => Environment.GetEnvironmentVariable("MEDIATOR_SOCKET") is { Length: > 0 } s ? s : "/run/mediator/mediator.sock";

    public static Option<string> Socket() => new("--socket", "-s")
    {
        Description = "The broker's control socket ($MEDIATOR_SOCKET or /run/mediator/mediator.sock)",
        DefaultValueFactory = _ => DefaultSocket,
    };

    public static Option<double> Duration(double defaultSeconds) => new("--duration", "-d")
    {
        Description = "Seconds to run (0: until --count is reached)",
        DefaultValueFactory = _ => defaultSeconds,
    };

    public static Option<long> Count() => new("--count", "-n")
    {
        Description = "Frames to handle (0: no limit)",
        DefaultValueFactory = _ => 0L,
    };

    public static Option<int> Batch() => new("--batch", "-b")
    {
        Description = "Frames per ring publication",
        DefaultValueFactory = _ => 64,
    };

    public static Option<int> FrameSize() => new("--size")
    {
        Description = "Frame length in bytes, without FCS (38 to 1514)",
        DefaultValueFactory = _ => 64,
    };

    public static Option<string> Mode()
    {
        var option = new Option<string>("--mode")
        {
            Description = "How this client reaches the device: mediated (default), txdirect or directmap (unsafe modes: the broker must grant them)",
            DefaultValueFactory = _ => "mediated",
        };
        option.AcceptOnlyFromAmong("mediated", "txdirect", "directmap");
        return option;
    }
}
