using Mediator.Broker.ControlPlane;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using Mediator.Policies;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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

    /// <summary>Created by the host.</summary>
    public BrokerService(IOptions<BrokerOptions> options, ILogger<BrokerService> logger, IHostApplicationLifetime lifetime)
    {
        _options = options.Value;
        _logger = logger;
        _lifetime = lifetime;
    }

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
        _device = BrokerDevice.Create(o);
        bool inline = o.DeviceThreading == DeviceThreading.Inline;
        _rearm = new RxRearmWorker(o.ClientBudget, o.IdleSpins, _logger);
        _dataPath = new DataPathLoop(_device.Model, inline, o.ClientBudget, o.IdleSpins, TimeSpan.FromMilliseconds(o.DrainTimeoutMilliseconds), _rearm.Signal, _logger);
        _device.RouteInterrupts(_dataPath.Sessions, o.DeviceQueues);
        var policies = new PolicyResolver(o.Policies, o.DefaultPolicy.ToPolicy() with { Name = "default" }, o.EnableUnsafeModes);
        _control = new ControlServer(o.SocketPath, Convert.ToInt32(o.SocketMode, 8), _device, _dataPath, _rearm, policies,
            o.DeviceQueues, o.MaxConnections, (uint)o.InterruptThrottleMicroseconds, _logger);
        _rearm.Start();
        _dataPath.Start();
        if (!inline)
        {
            _device.Model.Start();
        }
        _control.Start();
        // A data-path thread that died takes the broker down rather than leaving clients hanging.
        _watchdog = new Timer(_ =>
        {
            if (_dataPath.Fault is not null || _rearm.Fault is not null)
            {
                _lifetime.StopApplication();
            }
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        Log.Listening(_logger, o.SocketPath, o.DeviceQueues, o.Wire.ToString(), o.DeviceThreading.ToString());
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watchdog?.Dispose();
        _control?.Stop(); // Goodbye to every client; every queue drained and freed
        _dataPath?.Stop();
        _rearm?.Stop();
        if (_options.DeviceThreading == DeviceThreading.Thread)
        {
            _device?.Model.Stop();
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _control?.Dispose();
        _dataPath?.Dispose();
        _rearm?.Dispose();
        _device?.Dispose();
    }
}
