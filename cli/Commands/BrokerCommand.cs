using System.CommandLine;
using Mediator.Broker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mediator.Cli.Commands;

/// <summary>
/// <c>mediator broker</c>: runs the broker in the foreground until SIGTERM or Ctrl-C. Any other
/// configuration key can follow as --Broker:Key=value (or come from appsettings.json and
/// MEDIATOR_Broker__Key environment variables).
/// </summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var socket = new Option<string?>("--socket", "-s") { Description = "Control socket path (Broker:SocketPath)" };
        var queues = new Option<int?>("--queues") { Description = "Device queue pairs (Broker:DeviceQueues)" };
        var wire = new Option<WireKind?>("--wire") { Description = "Wire of the device port (Broker:Wire)" };
        var tapInterface = new Option<string?>("--tap-interface") { Description = "TAP interface name with --wire tap (Broker:TapInterface, default mediator0)" };
        var deviceThread = new Option<bool>("--device-thread") { Description = "Run the device model on its own thread (Broker:DeviceThreading=Thread)" };
        var vhostUser = new Option<string[]>("--vhost-user")
        {
            Description = "A vhost-user port: listen at PATH for a virtio front end (DPDK virtio_user, QEMU), optionally with its MAC (Broker:VhostUser:N:Path/Mac; default MAC 02:4d:56:00:00:NN, NN its 1-based position). Repeatable",
            AllowMultipleArgumentsPerToken = false,
            HelpName = "PATH[@MAC]",
        };
        var config = new Option<string?>("--config") { Description = "Extra JSON configuration file, watched: editing its policies (or SIGHUP) reloads them" };
        var command = new Command("broker", "Run the broker (the trusted side) on the built-in device model") { socket, queues, wire, tapInterface, deviceThread, vhostUser, config };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (r, token) =>
        {
            var args = new List<string>(r.UnmatchedTokens);
            if (r.GetValue(socket) is { } s)
            {
                args.Add($"--Broker:SocketPath={s}");
            }
            if (r.GetValue(queues) is { } q)
            {
                args.Add($"--Broker:DeviceQueues={q}");
            }
            if (r.GetValue(wire) is { } w)
            {
                args.Add($"--Broker:Wire={w}");
            }
            if (r.GetValue(tapInterface) is { } tap)
            {
                args.Add($"--Broker:TapInterface={tap}");
            }
            var ports = r.GetValue(vhostUser) ?? [];
            for (int i = 0; i < ports.Length; i++)
            {
                int at = ports[i].LastIndexOf('@');
                args.Add($"--Broker:VhostUser:{i}:Path={(at < 0 ? ports[i] : ports[i][..at])}");
                if (at >= 0)
                {
                    args.Add($"--Broker:VhostUser:{i}:Mac={ports[i][(at + 1)..]}");
                }
            }
            if (r.GetValue(deviceThread))
            {
                args.Add("--Broker:DeviceThreading=Thread");
            }
            try
            {
                using var host = BrokerHost.Build([.. args], configFile: r.GetValue(config));
                // Validate before the host starts, so a bad value is one clear line, not a host failure log.
                _ = host.Services.GetRequiredService<IOptions<BrokerOptions>>().Value;
                await host.RunAsync(token);
                return 0;
            }
            catch (OptionsValidationException e)
            {
                Console.Error.WriteLine($"mediator broker: invalid configuration: {string.Join("; ", e.Failures)}");
                return 2;
            }
            catch (Exception e) when (e is Mediator.Broker.Device.TapException or Mediator.Broker.Vhost.VhostUserException)
            {
                Console.Error.WriteLine($"mediator broker: cannot start: {e.Message}");
                return 3;
            }
        });
        return command;
    }
}
