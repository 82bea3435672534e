using Microsoft.Extensions.Logging;

namespace Mediator.Broker;

/// <summary>Log messages of the TAP wire (event ids 100-109).</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "TAP interface {Interface} created and up (Linux side MAC {Mac}); it is removed when the broker stops")]
    public static partial void TapCreated(ILogger logger, string @interface, string mac);

    [LoggerMessage(101, LogLevel.Error, "TAP interface {Interface} went away under the broker (errno {Errno}); port 0 is now unplugged")]
    public static partial void TapGone(ILogger logger, string @interface, int errno);

    [LoggerMessage(102, LogLevel.Critical, "Cannot start: {Reason}")]
    public static partial void TapFailed(ILogger logger, string reason);
}
