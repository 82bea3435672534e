using System.Runtime.InteropServices;
using Mediator.Control;
using Mediator.Native;
using Mediator.Tests.Integration;
using static Tmds.Linux.LibC;

namespace Mediator.Tests.Broker.ControlPlane;

/// <summary>
/// What SO_PEERCRED gives the broker: the connecting process's pid, effective uid and gid, taken by the
/// kernel at connect() and not forgeable by the client. The broker logs them at Hello and picks the
/// policy by them.
/// </summary>
public sealed partial class PeerIdentityTests : IDisposable
{
    private const uint Nobody = 65534;
    private readonly BrokerProcess _broker = BrokerProcess.Start(
        "--Logging:LogLevel:Default=Information",
        "--Broker:Policies:0:Name=nobody", $"--Broker:Policies:0:Uid={Nobody}", "--Broker:Policies:0:MaxQueues=1");

    public void Dispose() => _broker.Dispose();

    /// <summary>Waits for a line of the broker's log containing <paramref name="text"/>.</summary>
    private bool LogContains(string text, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            string? line = _broker.Process.WaitForLine("", end - DateTime.UtcNow);
            if (line is null)
            {
                return false;
            }
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    [Fact]
    public void Hello_IsLoggedWithThePeersPidUidAndGid_AndTheClientIdOfTheReply()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var hello = raw.Hello(app: "ident-probe");
        Assert.NotEqual(0u, hello.ClientId);
        string expected = $"Client {hello.ClientId} connected: pid {Environment.ProcessId} uid {geteuid()} gid {getegid()} app 'ident-probe' policy 'default'";
        Assert.True(LogContains(expected, TimeSpan.FromSeconds(5)), $"the broker logged '{expected}'");
        // Client ids are per connection and increase; the one in the reply is the one in the log.
        using var second = RawControlClient.Connect(_broker.SocketPath);
        Assert.True(second.Hello().ClientId > hello.ClientId);
        raw.Send(MessageType.Stats, 3, new StatsRequest { QueueId = StatsRequest.AllQueues });
        using var stats = raw.Receive();
        Assert.Equal(MessageType.StatsReply, stats.Type);
    }

    [Fact]
    public void AppNameIsNotIdentity_TheSameUidGetsTheSamePolicyWhateverItClaims()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var hello = raw.Hello(app: "nobody");
        Assert.Equal(4u, hello.MaxQueues); // the default policy, not the rule named "nobody"
    }

    [Fact]
    public void PeerWithAnotherUid_GetsThePolicyOfItsUidRule()
    {
        Assert.SkipUnless(geteuid() == 0, "needs root to connect with another effective uid");
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64, "setresuid syscall number known for x64 and arm64 only");
        // The socket's directory is private to root; let uid 65534 reach the (0666) socket in it.
        File.SetUnixFileMode(Path.GetDirectoryName(_broker.SocketPath)!,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);

        using var root = RawControlClient.Connect(_broker.SocketPath);
        Assert.Equal(4u, root.Hello().MaxQueues);

        using var nobody = RawControlClient.Adopt(ConnectAs(Nobody, Nobody, _broker.SocketPath));
        var hello = nobody.Hello(app: "as-nobody");
        Assert.Equal(1u, hello.MaxQueues);
        Assert.True(LogContains($"Client {hello.ClientId} connected: pid {Environment.ProcessId} uid {Nobody} gid {Nobody} app 'as-nobody' policy 'nobody'",
            TimeSpan.FromSeconds(5)));
        using (var first = nobody.OpenQueue(2, BrokerChecks.SmallGeometry))
        {
            Assert.Equal(MessageType.OpenQueueReply, first.Type);
        }
        using (var second = nobody.OpenQueue(3, BrokerChecks.SmallGeometry))
        {
            string text = RawControlClient.AssertError(second, ErrorCode.QuotaExceeded, 3, MessageType.OpenQueue);
            Assert.Contains("policy 'nobody' allows 1 queues", text, StringComparison.Ordinal);
        }
        // The root client's limits are its own.
        using var a = root.OpenQueue(4, BrokerChecks.SmallGeometry);
        using var b = root.OpenQueue(5, BrokerChecks.SmallGeometry);
        Assert.Equal(MessageType.OpenQueueReply, b.Type);
    }

    /// <summary>
    /// Connects with the effective uid and gid changed on one dedicated thread only (raw setresuid /
    /// setresgid syscalls act per thread; the libc wrappers would change the whole test process). The
    /// saved ids stay 0, so the thread changes back before it ends.
    /// </summary>
    private static SeqPacketSocket ConnectAs(uint uid, uint gid, string path)
    {
        bool arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        long setresuid = arm ? 147 : 117, setresgid = arm ? 149 : 119;
        SeqPacketSocket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Assert.Equal(0, Syscall(setresgid, -1, gid, -1));
                Assert.Equal(0, Syscall(setresuid, -1, uid, -1));
                try
                {
                    socket = SeqPacketSocket.Connect(path);
                }
                finally
                {
                    Assert.Equal(0, Syscall(setresuid, -1, 0, -1));
                    Assert.Equal(0, Syscall(setresgid, -1, 0, -1));
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { Name = "connect-as-" + uid };
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        return socket!;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a, long b, long c);
}
