using Mediator.Broker.ControlPlane;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using Mediator.Policies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Mediator.Broker.Hosting;

/// <summary>
/// The broker as a Generic Host service: builds the device model, starts the data-path thread, the RX
/// re-arm worker and the control server; on stop, stops accepting, tells clients Goodbye, drains
/// in-flight work and frees everything.
/// </summary>
public sealed class BrokerService : IHostedService, IDisposable
{
    private readonly BrokerOptions _options;
    private readonly ILogger<BrokerService> _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private BrokerDevice? _device;
    private RxRearmWorker? _rearm;
    private DataPathLoop? _dataPath;
    private ControlServer? _control;
    private Timer? _watchdog;
    private readonly IOptionsMonitor<BrokerOptions> _monitor;
    private readonly IConfiguration? _configuration;
    private readonly IOptionsFactory<BrokerOptions>? _factory;
    private IDisposable? _reloadSubscription;
    private PosixSignalRegistration? _sighup;

    /// <summary>Created by the host.</summary>
    public BrokerService(IOptionsMonitor<BrokerOptions> options, ILogger<BrokerService> logger, IHostApplicationLifetime lifetime,
        IConfiguration? configuration = null, IOptionsFactory<BrokerOptions>? factory = null, IMeterFactory? meters = null)
    {
        Metrics = new BrokerMetrics(meters);
        _factory = factory;
        _monitor = options;
        _options = options.CurrentValue;
        _logger = logger;
        _lifetime = lifetime;
        _configuration = configuration;
    }

    /// <summary>The broker's metrics (meter "Mediator.Broker").</summary>
    public BrokerMetrics Metrics { get; }

    /// <summary>Policy reloads the control plane has applied.</summary>
    public int PolicyGeneration => _control?.PolicyGeneration ?? 0;

    /// <summary>The device model (for in-process tests and the evaluation).</summary>
    public DeviceModel? Device => _device?.Model;

    /// <summary>The exception that killed the data-path thread or the RX re-arm worker, if one did (for the evaluation's liveness check).</summary>
    public Exception? Fault => _dataPath?.Fault ?? _rearm?.Fault;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = _options;
        if (o.EnableUnsafeModes)
        {
            Log.UnsafeModesEnabled(_logger);
        }
        try
        {
            _device = BrokerDevice.Create(o);
        }
        catch (TapException e)
        {
            Log.TapFailed(_logger, e.Message);
            throw;
        }
        bool inline = o.DeviceThreading == DeviceThreading.Inline;
        // Inline re-arm: no worker; the data path re-arms within its round and sleeps on the fill kicks too.
        var rearm = o.EffectiveRxRearm(Environment.ProcessorCount);
        _rearm = rearm == RxRearmThreading.Parallel ? new RxRearmWorker(o.ClientBudget, o.IdleSpins, _logger) : null;
        _dataPath = new DataPathLoop(_device.Model, inline, o.ClientBudget, o.IdleSpins, TimeSpan.FromMilliseconds(o.DrainTimeoutMilliseconds), _rearm?.Signal, _logger);
        _device.RouteInterrupts(_dataPath.Sessions, o.DeviceQueues, inline);
        if (_device.Tap is { } tap)
        {
            if (inline)
            {
                _device.WakeOnTap(_dataPath.Sessions, (name, errno) => Log.TapGone(_logger, name, errno));
            }
            else
            {
                tap.Detached = (wire, errno) => Log.TapGone(_logger, wire.InterfaceName, errno);
            }
            Log.TapCreated(_logger, tap.InterfaceName, tap.LinuxMac is { } mac ? string.Join(':', mac.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))) : "?");
        }
        var policies = CreateResolver(o);
        _control = new ControlServer(o.SocketPath, Convert.ToInt32(o.SocketMode, 8), _device, _dataPath, _rearm, policies,
            o.DeviceQueues, o.MaxConnections, (uint)o.InterruptThrottleMicroseconds, _logger);
        _control.Metrics = Metrics;
        try
        {
            _control.AddVhostPorts(o.VhostUser, o.VhostUserRequireSealedMemory, o.ClientBudget);
        }
        catch (Vhost.VhostUserException e)
        {
            Log.TapFailed(_logger, e.Message); // "Cannot start: …"
            throw;
        }
        var portCounters = _device.Port.Statistics;
        Metrics.SetDeviceRxDrops(() => portCounters.NoDescriptorDrops + portCounters.UnknownDestinationDrops);
        _rearm?.Start();
        _dataPath.Start();
        if (!inline)
        {
            _device.Model.Start();
        }
        _control.Start();
        // Reload: a changed configuration file (reloadOnChange) or SIGHUP re-reads the configuration; the
        // options monitor binds and validates it, and the new policy rules go to the control plane. A
        // configuration that fails validation is logged and ignored: the running rules stay.
        if (_configuration is not null)
        {
            _reloadSubscription = ChangeToken.OnChange(_configuration.GetReloadToken, OnConfigurationChanged);
        }
        if (_configuration is IConfigurationRoot root)
        {
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                try
                {
                    root.Reload();
                }
                catch (Exception e) when (e is OptionsValidationException or AggregateException or InvalidOperationException or IOException)
                {
                    // already logged by OnConfigurationChanged, or the file is unreadable right now
                    Log.ReloadRefused(_logger, e.Message);
                }
            });
        }
        // A data-path thread that died takes the broker down rather than leaving clients hanging.
        _watchdog = new Timer(_ =>
        {
            if (_dataPath.Fault is not null || _rearm?.Fault is not null)
            {
                _lifetime.StopApplication();
            }
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        Log.Listening(_logger, o.SocketPath, o.DeviceQueues, o.Wire.ToString(), o.DeviceThreading.ToString(),
            o.RxRearm == RxRearmThreading.Auto ? $"{o.EffectiveRxRearm(Environment.ProcessorCount)} (Auto, {Environment.ProcessorCount} cores)" : o.RxRearm.ToString());
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watchdog?.Dispose();
        _reloadSubscription?.Dispose();
        _sighup?.Dispose();
        _control?.Stop(); // Goodbye to every client; every queue drained and freed
        _dataPath?.Stop();
        _rearm?.Stop();
        if (_options.DeviceThreading == DeviceThreading.Thread)
        {
            _device?.Model.Stop();
        }
        return Task.CompletedTask;
    }

    // Unsafe modes stay as the broker started: a reload cannot turn them on.
    private PolicyResolver CreateResolver(BrokerOptions o) =>
        new(o.Policies, o.DefaultPolicy.ToPolicy() with { Name = "default" }, _options.EnableUnsafeModes);

    private void OnConfigurationChanged()
    {
        if (_control is null)
        {
            return;
        }
        BrokerOptions o;
        try
        {
            // Bound and validated afresh (the monitor's cache may still hold the old value at this point).
            o = _factory?.Create(Options.DefaultName) ?? _monitor.Get(Options.DefaultName);
        }
        catch (OptionsValidationException e)
        {
            Log.ReloadRefused(_logger, string.Join("; ", e.Failures));
            return;
        }
        catch (InvalidOperationException e)
        {
            Log.ReloadRefused(_logger, e.Message); // a value the binder cannot convert
            return;
        }
        Log.Reloading(_logger, o.Policies.Count);
        _control.ReloadPolicies(CreateResolver(o));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Metrics.Dispose();
        _reloadSubscription?.Dispose();
        _sighup?.Dispose();
        _control?.Dispose();
        _dataPath?.Dispose();
        _rearm?.Dispose();
        _device?.Dispose();
    }
}
