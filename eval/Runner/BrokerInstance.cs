using Mediator.Broker.Device;
using Mediator.Broker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mediator.Eval.Runner;

/// <summary>
/// The product's broker (<see cref="BrokerHost"/> + <see cref="BrokerService"/>: the same threads,
/// socket, memfds and device as <c>mediator broker</c>) hosted in this process, so the oracle can read
/// the device model directly. One instance per cell of the matrix: no attack inherits another's damage.
/// </summary>
internal sealed class BrokerInstance : IDisposable
{
    /// <summary>Audit log records kept (the oracle scans them for foreign ring accesses).</summary>
    public const int LogCapacity = 1 << 20;

    private readonly IHost _host;
    private readonly DirectoryInfo _dir;

    private BrokerInstance(IHost host, DirectoryInfo dir, string socketPath, BrokerService service)
    {
        _host = host;
        _dir = dir;
        SocketPath = socketPath;
        Service = service;
        Device = service.Device ?? throw new InvalidOperationException("the broker has no device");
    }

    public string SocketPath { get; }
    public BrokerService Service { get; }
    public DeviceModel Device { get; }

    public static BrokerInstance Start(Action<BrokerOptions>? configure)
    {
        var dir = Directory.CreateTempSubdirectory("mediator-eval-");
        string socket = Path.Combine(dir.FullName, "m.sock");
        IHost? host = null;
        try
        {
            host = BrokerHost.Build(["--Logging:LogLevel:Default=None"], o =>
            {
                o.SocketPath = socket;
                o.DeviceQueues = 16;
                // The deployment the evaluation judges: every client rate-limited (the mitigation of the
                // flooding attacks of family 8; docs/security.md). The victim's 20,000 frames/s sit far
                // below it. Without a limit TxFloodVictim measures Denied (victim at 72-82 %).
                o.DefaultPolicy.PacketsPerSecond = 200_000;
                o.DefaultPolicy.PacketBurst = 1024;
                configure?.Invoke(o);
            });
            host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            var service = host.Services.GetRequiredService<BrokerService>();
            var instance = new BrokerInstance(host, dir, socket, service);
            instance.Device.Audit.EnableLog(LogCapacity);
            return instance;
        }
        catch
        {
            host?.Dispose();
            dir.Delete(recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            _host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or AggregateException)
        {
        }
        _host.Dispose();
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
