using Mediator.Cli;
using Mediator.Client;

namespace Mediator.Tests.Integration;

/// <summary>
/// A real broker process (<c>mediator broker</c>) on a private socket, for tests that need the
/// product's process boundary. Disposing stops it with SIGTERM (then SIGKILL) and removes its files.
/// </summary>
public sealed class BrokerProcess : IDisposable
{
    private readonly DirectoryInfo _dir;

    private BrokerProcess(DirectoryInfo dir, string socketPath, ChildProcess process)
    {
        _dir = dir;
        SocketPath = socketPath;
        Process = process;
    }

    public string SocketPath { get; }

    public ChildProcess Process { get; }

    public int Pid => Process.Pid;

    /// <summary>Starts a broker and waits (30 s at most) until a client can connect.</summary>
    public static BrokerProcess Start(params string[] extra) => Start(null, extra);

    /// <summary>Starts a broker with extra <paramref name="environment"/> variables; see <see cref="Start(string[])"/>.</summary>
    public static BrokerProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] extra)
    {
        var dir = Directory.CreateTempSubdirectory("mediator-test-");
        string socket = Path.Combine(dir.FullName, "m.sock");
        var child = ChildProcess.StartSelf(environment, ["broker", "--socket", socket, "--Logging:LogLevel:Default=Warning", .. extra]);
        var broker = new BrokerProcess(dir, socket, child);
        var end = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < end)
        {
            if (child.HasExited)
            {
                child.WaitForExit(TimeSpan.FromSeconds(5)); // stderr read to the end
                string message = $"broker exited with {child.ExitCode}: {string.Join('\n', child.ErrorLines)}";
                broker.Dispose();
                throw new InvalidOperationException(message);
            }
            if (File.Exists(socket))
            {
                try
                {
                    using var probe = MediatorClient.Connect(socket, "probe", TimeSpan.FromSeconds(5));
                    return broker;
                }
                catch (Exception e) when (e is IOException or TimeoutException or MediatorException)
                {
                }
            }
            child.WaitForExit(TimeSpan.FromMilliseconds(50));
        }
        broker.Dispose();
        throw new TimeoutException("broker did not accept a client within 30 s");
    }

    public MediatorClient Connect(string app = "test") => MediatorClient.Connect(SocketPath, app, TimeSpan.FromSeconds(10));

    /// <summary>
    /// Open descriptors of the broker process, less those the runtime holds on assemblies: it loads
    /// them lazily (the first JIT of a method that names a type from a facade such as
    /// System.Runtime.Intrinsics.dll) and keeps them for the process's life, so they are not leaks.
    /// </summary>
    public int FdCount
    {
        get
        {
            int count = 0;
            foreach (string fd in Directory.GetFileSystemEntries($"/proc/{Pid}/fd"))
            {
                string? target;
                try
                {
                    target = new FileInfo(fd).LinkTarget;
                }
                catch (IOException)
                {
                    continue; // closed while we looked
                }
                if (target is null || !target.EndsWith(".dll", StringComparison.Ordinal))
                {
                    count++;
                }
            }
            return count;
        }
    }

    /// <summary>
    /// The broker's own shared-memory mappings (every queue area, UMEM, device ring and private page is
    /// a named memfd "mediator-…"); the runtime's mappings, which come and go with the JIT and GC, are not counted.
    /// </summary>
    public int MappingCount => File.ReadLines($"/proc/{Pid}/maps").Count(l => l.Contains("/memfd:mediator-", StringComparison.Ordinal));

    /// <summary>Resident memory of the broker process in KiB.</summary>
    public long RssKiB
    {
        get
        {
            foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            return -1;
        }
    }

    /// <summary>Broker-wide counters.</summary>
    public QueueStatistics Stats()
    {
        using var client = Connect("stats");
        return client.GetStatistics();
    }

    public void Dispose()
    {
        try
        {
            Process.Terminate(TimeSpan.FromSeconds(10));
        }
        finally
        {
            Process.Dispose();
            try
            {
                _dir.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
