using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Eval.Children;

/// <summary>
/// The hostile children (<c>mediator eval attack-child NAME --socket PATH</c>): attacks that concern
/// processes, so they must run in a process of their own that can die.
/// </summary>
public static class AttackChildren
{
    /// <summary>Names the CLI accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["die-mid-request", "die-mid-handshake"];

    /// <summary>Runs child <paramref name="name"/>; returns an exit code (if it returns at all).</summary>
    /// <param name="name">Which child.</param>
    /// <param name="socketPath">The broker's socket.</param>
    /// <param name="goFile">When given, the child sets up, prints READY, and acts (dies) only once this file exists.</param>
    public static int Run(string name, string socketPath, string? goFile = null) => name switch
    {
        "die-mid-request" => DieMidRequest(socketPath, goFile),
        "die-mid-handshake" => DieMidHandshake(socketPath, goFile),
        _ => 2,
    };

    private static void AwaitGo(string? goFile)
    {
        Console.WriteLine("READY");
        Console.Out.Flush();
        long end = Environment.TickCount64 + 60_000;
        while (goFile is not null && !File.Exists(goFile) && Environment.TickCount64 < end)
        {
            Thread.Sleep(1); // a child waiting for its cue; the parent's deadline bounds it
        }
    }

    private static int DieMidRequest(string socketPath, string? goFile)
    {
        var client = RawClient.ConnectHello(socketPath, "die-mid-request");
        var q = client.OpenQueue();
        uint f = q.Geometry.FrameSize;
        q.PostFill([.. Enumerable.Range(1024, 512).Select(i => (ulong)i * f)]);
        var requests = new TxRequest[512];
        for (int i = 0; i < requests.Length; i++)
        {
            q.WriteFrame((ulong)i * f, 60);
            requests[i] = new TxRequest { Offset = (ulong)i * f, Length = 60 };
        }
        AwaitGo(goFile);
        q.PostTx(requests, Environment.TickCount64 + 2000);
        return Die();
    }

    private static int DieMidHandshake(string socketPath, string? goFile)
    {
        var client = RawClient.Connect(socketPath);
        AwaitGo(goFile);
        var buffer = new byte[ControlCodec.MaxMessageSize];
        int n = ControlCodec.Write(buffer, MessageType.Hello, 1, new HelloRequest { AbiVersion = AbiVersion.Current });
        client.Socket.Send(buffer.AsSpan(0, n));
        n = ControlCodec.Write(buffer, MessageType.OpenQueue, 2, new OpenQueueRequest { Geometry = QueueGeometry.Default });
        client.Socket.Send(buffer.AsSpan(0, n));
        return Die();
    }

    private static int Die()
    {
        _ = Tmds.Linux.LibC.kill(Tmds.Linux.LibC.getpid(), Tmds.Linux.LibC.SIGKILL);
        return 3; // not reached
    }
}
