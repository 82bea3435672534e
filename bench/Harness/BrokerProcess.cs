using System.Globalization;
using Mediator.Cli;
using Mediator.Client;
using Mediator.Control;

namespace Mediator.Bench.Harness;

/// <summary>
/// A real <c>mediator broker</c> process for a set of points that share its configuration, plus a
/// statistics-only control connection to it.
/// </summary>
public sealed class BrokerProcess : IDisposable
{
    private BrokerProcess(string key, string socket, ChildProcess process, MediatorClient stats, string[] args)
    {
        Key = key;
        Socket = socket;
        Process = process;
        Stats = stats;
        Args = args;
    }

    public string Key { get; }
    public string Socket { get; }
    public ChildProcess Process { get; }
    public MediatorClient Stats { get; }
    public string[] Args { get; }

    /// <summary>The configuration a point needs from its broker (points with equal keys share one).</summary>
    public static string KeyOf(PointSpec p, string mode) =>
        $"{WireOf(p)}|{p.LineRate}|{p.Wake}|{p.Rearm}|{string.Join(' ', Modes.BrokerArgs(mode))}";

    /// <summary>Towards the device: the null wire; from it: the generator wire (sized per point); else the loopback.</summary>
    private static string WireOf(PointSpec p) => p.Traffic switch
    {
        Traffic.TxOnly => "Null",
        Traffic.RxOnly => $"Generator {p.FrameSize}",
        _ => "Loopback",
    };

    public static string[] ArgsFor(PointSpec p, string mode, string socket)
    {
        var args = new List<string>
        {
            "broker", "--socket", socket,
            "--wire", WireOf(p).Split(' ')[0],
            "--queues", "64",
            $"--Broker:LineRateBitsPerSecond={p.LineRate.ToString(CultureInfo.InvariantCulture)}",
            // Poll: the data path and re-arm worker spin ~forever before sleeping. Eventfd: they sleep on
            // the first idle round, so every crossing is a kick or a notification. Hybrid: the default 2,000.
            $"--Broker:IdleSpins={p.Wake switch { Wake.Poll => 1_000_000, Wake.Hybrid => 2_000, _ => 0 }}",
            // Parallel: the RxRearmWorker thread; Inline: the data path re-arms within its round.
            $"--Broker:RxRearm={p.Rearm}",
            "--Logging:LogLevel:Default=Warning",
        };
        if (p.Traffic == Traffic.RxOnly)
        {
            // Broadcast: whichever queue the sink opens takes every frame (one sink per RxOnly point).
            args.Add("--Broker:GeneratorDestinationMac=ff:ff:ff:ff:ff:ff");
            args.Add($"--Broker:GeneratorFrameSize={p.FrameSize.ToString(CultureInfo.InvariantCulture)}");
        }
        args.AddRange(Modes.BrokerArgs(mode));
        return [.. args];
    }

    private static int s_started;

    public static BrokerProcess Start(PointSpec p, string mode, string directory)
    {
        // Socket paths are limited to 107 bytes: keep it short, in the temp directory.
        string socket = Path.Combine(directory, $"mthr-{Environment.ProcessId}-{Interlocked.Increment(ref s_started)}.sock");
        string[] args = ArgsFor(p, mode, socket);
        var process = ChildProcess.StartSelf(args);
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < end && !process.HasExited)
        {
            if (File.Exists(socket))
            {
                try
                {
                    var stats = MediatorClient.Connect(socket, "throughput-harness");
                    return new BrokerProcess(KeyOf(p, mode), socket, process, stats, args);
                }
                catch (Exception e) when (e is IOException or MediatorException or TimeoutException)
                {
                }
            }
            process.WaitForExit(TimeSpan.FromMilliseconds(50));
        }
        string errors = string.Join(Environment.NewLine, process.ErrorLines);
        process.Dispose();
        throw new InvalidOperationException($"the broker did not come up ({string.Join(' ', args)}): {errors}");
    }

    /// <summary>Broker-wide counters now.</summary>
    public ulong[] Counters()
    {
        var s = Stats.GetStatistics();
        var values = new ulong[(int)QueueCounter.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = s[(QueueCounter)i];
        }
        return values;
    }

    public void Dispose()
    {
        Stats.Dispose();
        Process.Terminate(TimeSpan.FromSeconds(10));
        Process.Dispose();
        try
        {
            File.Delete(Socket);
        }
        catch (IOException)
        {
        }
    }
}
