using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;

namespace Mediator.Broker.Hosting;

/// <summary>Builds the broker's Generic Host: configuration, validation at start, logging, systemd.</summary>
public static class BrokerHost
{
    /// <summary>
    /// Creates the host. Configuration comes from appsettings.json (beside the executable), environment
    /// variables prefixed MEDIATOR_, then <paramref name="args"/> (e.g. --Broker:SocketPath=/tmp/m.sock),
    /// later sources winning.
    /// </summary>
    /// <param name="args">Command-line configuration (--Broker:Key=value).</param>
    /// <param name="configure">Changes applied after binding (tests).</param>
    /// <param name="configFile">An extra JSON configuration file (e.g. /etc/mediator/mediator.json), watched for
    /// changes like appsettings.json; environment variables and <paramref name="args"/> still win over it.</param>
    public static IHost Build(string[] args, Action<BrokerOptions>? configure = null, string? configFile = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = false,
        });
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: true);
        }
        builder.Configuration.AddEnvironmentVariables("MEDIATOR_");
        builder.Configuration.AddCommandLine(args);
        var options = builder.Services.AddOptions<BrokerOptions>()
            .Bind(builder.Configuration.GetSection(BrokerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            options.PostConfigure(configure);
        }
        builder.Services.AddSingleton<IValidateOptions<BrokerOptions>, BrokerOptionsValidator>();
        builder.Services.AddSingleton<BrokerService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BrokerService>());
        builder.Services.AddSystemd();
        if (!SystemdHelpers.IsSystemdService() && Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 0 })
        {
            // AddSystemd only looks at whether the parent process is systemd. A unit whose ExecStart goes
            // through a wrapper (env, a shell script, setpriv), or another supervisor speaking sd_notify,
            // still hands us NOTIFY_SOCKET: report READY=1 and STOPPING=1 there too, and stop on SIGTERM.
            builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        return builder.Build();
    }
}
