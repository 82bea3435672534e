using System.Net;
using System.Net.Sockets;

namespace Mediator.Tests.Integration;

/// <summary>
/// A network namespace made for one test (<c>ip netns add</c>), deleted on Dispose. Code can run inside
/// it on a thread of its own that joined it with setns(2): sockets made there belong to the namespace.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private const int CLONE_NEWNET = 0x40000000;

    public NetworkNamespace(string name)
    {
        Name = name;
        HostCommand.Run("ip", "netns", "add", name).EnsureSuccess("ip netns add " + name);
    }

    public string Name { get; }

    /// <summary>Why a TAP + namespace test cannot run here, or null when it can.</summary>
    public static string? MissingPrivilege()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "needs root (CAP_NET_ADMIN) to create TAP interfaces and network namespaces; CI runs as root";
        }
        if (!File.Exists("/dev/net/tun"))
        {
            return "/dev/net/tun is missing (no tun driver in this kernel or container)";
        }
        return null;
    }

    /// <summary>Runs <c>ip -n NAME args</c>.</summary>
    public HostCommand.Result Ip(params string[] args) =>
        HostCommand.Run("ip", ["-n", Name, .. args]).EnsureSuccess($"ip -n {Name} {string.Join(' ', args)}");

    /// <summary>Runs a program inside the namespace (<c>ip netns exec</c>).</summary>
    public HostCommand.Result Exec(TimeSpan timeout, string file, params string[] args) =>
        HostCommand.Run(timeout, "ip", ["netns", "exec", Name, file, .. args]);

    /// <summary>Runs <paramref name="body"/> on a new thread that has joined the namespace.</summary>
    public T Inside<T>(Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/run/netns/{Name}");
                if (Tmds.Linux.LibC.setns((int)ns.DangerousGetHandle(), CLONE_NEWNET) != 0)
                {
                    throw new IOException($"setns({Name}) failed: errno {Tmds.Linux.LibC.errno}");
                }
                result = body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "netns " + Name };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException($"in namespace {Name}: {failure.Message}", failure);
        }
        return result;
    }

    /// <summary>
    /// From inside the namespace, sends <paramref name="count"/> UDP datagrams to <paramref name="target"/>
    /// one at a time and waits (2 s each at most) for each to come back; returns the round-trip times of
    /// the datagrams that came back with the same payload.
    /// </summary>
    public List<TimeSpan> UdpRoundTrips(IPEndPoint target, int count, int payloadBytes) => Inside(() =>
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
        socket.Connect(target);
        var times = new List<TimeSpan>();
        var payload = new byte[payloadBytes];
        var back = new byte[payloadBytes + 64];
        for (int i = 0; i < count; i++)
        {
            Random.Shared.NextBytes(payload);
            payload[0] = (byte)i;
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            socket.Send(payload);
            try
            {
                int n = socket.Receive(back);
                if (back.AsSpan(0, n).SequenceEqual(payload))
                {
                    times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start));
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
            }
        }
        return times;
    });

    public void Dispose()
    {
        try
        {
            HostCommand.Run("ip", "netns", "del", Name);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }
}
