using Mediator.Bench.Harness;
using Mediator.Cli;
using Mediator.Client;

namespace Mediator.Bench.Dpdk;

/// <summary>
/// A <c>mediator broker</c> process with one vhost-user port (<c>--vhost-user PATH@MAC</c>) for an
/// unmodified testpmd to connect to, on the null wire (frames towards the device are counted and
/// dropped) or the loopback wire (they come back in, steered by destination MAC). Disposing stops it
/// (SIGTERM, then SIGKILL) and removes its sockets.
/// </summary>
public sealed class MediatorVhostBroker : IDisposable
{
    /// <summary>The MAC the vhost-user port (and testpmd's virtio-user device) gets.</summary>
    public const string DefaultMac = "02:00:00:d9:d9:01";

    private MediatorVhostBroker(ChildProcess process, string controlSocket, string vhostSocket, string mac)
    {
        Process = process;
        ControlSocket = controlSocket;
        VhostSocket = vhostSocket;
        Mac = mac;
    }

    public ChildProcess Process { get; }
    public string ControlSocket { get; }
    public string VhostSocket { get; }
    public string Mac { get; }

    /// <summary>
    /// Starts the broker (busy-polling, like the harness's poll points) and waits until both its control
    /// socket accepts a client and its vhost-user socket exists.
    /// </summary>
    /// <param name="wire">Null, Loopback or Generator (then addressed to <paramref name="mac"/>, unpaced).</param>
    public static MediatorVhostBroker Start(string wire, string mac = DefaultMac, params string[] extra)
    {
        string tag = $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..16];
        string control = Path.Combine(Path.GetTempPath(), $"mdc-{tag}.sock");
        string vhost = Path.Combine(Path.GetTempPath(), $"mdv-{tag}.sock");
        // The harness's poll-mode broker arguments, with this wire.
        var spec = new PointSpec { Group = VhostComparison.Group, Traffic = Traffic.TxOnly, Wake = Wake.Poll };
        var args = BrokerProcess.ArgsFor(spec, Modes.Mediated, control).ToList();
        args[args.IndexOf("--wire") + 1] = wire;
        if (wire == "Generator")
        {
            args.Add("--Broker:GeneratorDestinationMac=" + mac);
        }
        args.AddRange(["--vhost-user", $"{vhost}@{mac}", .. extra]);
        var process = ChildProcess.StartSelf([.. args]);
        var broker = new MediatorVhostBroker(process, control, vhost, mac);
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < end && !process.HasExited)
        {
            if (File.Exists(control) && File.Exists(vhost))
            {
                try
                {
                    using var probe = MediatorClient.Connect(control, "vhost-probe", TimeSpan.FromSeconds(5));
                    return broker;
                }
                catch (Exception e) when (e is IOException or MediatorException or TimeoutException)
                {
                }
            }
            process.WaitForExit(TimeSpan.FromMilliseconds(50));
        }
        process.WaitForExit(TimeSpan.FromSeconds(2));
        string errors = string.Join(Environment.NewLine, process.ErrorLines);
        broker.Dispose();
        throw new InvalidOperationException($"the broker did not come up with a vhost-user port ({string.Join(' ', args)}): {errors}");
    }

    /// <summary>testpmd options for a virtio-user device on this broker's port (forwarding on the front-end CPU).</summary>
    public TestPmdOptions TestPmd(string forwardMode, string? ethPeer = null) => new()
    {
        Vdev = $"net_virtio_user0,path={VhostSocket},queues=1,mac={Mac}",
        ForwardMode = forwardMode, EthPeer = ethPeer,
        ForwardingCpu = DpdkVhostPair.FrontEndCpu, MainCpu = DpdkVhostPair.BackEndCpu,
    };

    public void Dispose()
    {
        try
        {
            Process.Terminate(TimeSpan.FromSeconds(10));
        }
        finally
        {
            Process.Dispose();
            foreach (string f in new[] { ControlSocket, VhostSocket })
            {
                try
                {
                    File.Delete(f);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
