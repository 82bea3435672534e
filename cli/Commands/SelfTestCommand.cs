using System.CommandLine;
using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;

namespace Mediator.Cli.Commands;

/// <summary>
/// <c>mediator selftest write-readonly</c> (hidden): a misbehaving client used by the tests. It opens a
/// queue with raw control messages, maps the broker area read-only as it must, prints MAPPED, then
/// writes into the completion producer index. The kernel must kill it (SIGSEGV) before it prints WROTE.
/// </summary>
internal static class SelfTestCommand
{
    public static Command Create()
    {
        var socket = CommonOptions.Socket();
        var write = new Command("write-readonly", "Write into the read-only broker area (must fault)") { socket };
        write.SetAction(r => WriteReadOnly(r.GetValue(socket)!));
        return new Command("selftest", "Misbehaving clients for the test suite") { Hidden = true, Subcommands = { write } };
    }

    private static unsafe int WriteReadOnly(string path)
    {
        using var socket = SeqPacketSocket.Connect(path);
        var buffer = new byte[ControlCodec.MaxMessageSize];
        var hello = new HelloRequest { AbiVersion = AbiVersion.Current };
        socket.Send(buffer.AsSpan(0, ControlCodec.Write(buffer, MessageType.Hello, 1, hello)));
        _ = socket.Receive(buffer, 5000) ?? throw new TimeoutException("no HelloReply");
        var open = new OpenQueueRequest { Geometry = QueueGeometry.Default };
        socket.Send(buffer.AsSpan(0, ControlCodec.Write(buffer, MessageType.OpenQueue, 2, open)));
        var reply = socket.Receive(buffer, 5000) ?? throw new TimeoutException("no OpenQueueReply");
        var body = MemoryMarshal.Read<OpenQueueReply>(buffer.AsSpan(MessageHeader.Size));
        using var brokerArea = MappedMemory.Map(reply.Fds[(int)QueueFd.BrokerArea], (long)body.BrokerAreaSize, MapAccess.ReadOnly);
        Console.WriteLine("MAPPED");
        Console.Out.Flush();
        Volatile.Write(ref *(uint*)(brokerArea.Pointer + QueueLayout.CompletionProducer), 0xDEADBEEF);
        Console.WriteLine("WROTE");
        return 0;
    }
}
