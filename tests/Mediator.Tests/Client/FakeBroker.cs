using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Client;
using Mediator.Control;
using Mediator.Native;

namespace Mediator.Tests.Client;

/// <summary>
/// Plays the broker on the other end of a socket pair, on its own thread: answers Hello, OpenQueue,
/// CloseQueue and Stats with ControlCodec, and can be told to misbehave. The test drives the queues'
/// rings directly through <see cref="Queue"/>.
/// </summary>
internal sealed unsafe class FakeBroker : IDisposable
{
    public static readonly QueueGeometry SmallGeometry = new()
    {
        FrameSize = 2048, FrameCount = 64, TxSize = 16, CompletionSize = 16, FillSize = 16, RxSize = 16,
    };

    private readonly SeqPacketSocket _socket;
    private readonly SeqPacketSocket? _clientSide;
    private readonly Thread _thread;
    private readonly List<FakeQueue> _queues = [];
    private Exception? _failure;
    private uint _nextQueueId = 1;

    /// <summary>A fake on one end of a socket pair (<see cref="Connect"/> uses the other), or on an accepted socket.</summary>
    public FakeBroker(SeqPacketSocket? accepted = null)
    {
        if (accepted is null)
        {
            (_clientSide, _socket) = SeqPacketSocket.Pair();
        }
        else
        {
            _socket = accepted;
        }
        _thread = new Thread(Serve) { IsBackground = true, Name = "fake broker" };
    }

    /// <summary>Starts answering (idempotent).</summary>
    public FakeBroker Start()
    {
        if ((_thread.ThreadState & ThreadState.Unstarted) != 0)
        {
            _thread.Start();
        }
        return this;
    }

    // Behaviour knobs, set before the client calls.
    public ErrorCode HelloError { get; init; }
    public bool IgnoreHello { get; init; }
    public uint HelloAbi { get; init; } = AbiVersion.Current;
    public ErrorCode OpenError { get; init; }
    public int FdsToSend { get; init; } = 7;
    public long UmemSizeDelta { get; init; }
    public Action<FakeQueue>? BeforeReply { get; init; }
    public bool GoodbyeBeforeStats { get; init; }
    public bool StaleReplyFirst { get; init; }

    public string? AppName { get; private set; }
    public ConcurrentQueue<uint> ClosedQueues { get; } = new();

    public FakeQueue Queue(int i)
    {
        lock (_queues)
        {
            return _queues[i];
        }
    }

    /// <summary>Starts the fake and says Hello over the client end of the pair.</summary>
    public MediatorClient Connect(string app = "test-app", int timeoutMs = 5000)
    {
        Start();
        return MediatorClient.Connect(_clientSide!, app, TimeSpan.FromMilliseconds(timeoutMs), "fake broker");
    }

    public void SendGoodbye()
    {
        Span<byte> buffer = stackalloc byte[64];
        _socket.Send(buffer[..ControlCodec.WriteEmpty(buffer, MessageType.Goodbye, 0)]);
    }

    private void Serve()
    {
        var buffer = new byte[ControlCodec.MaxMessageSize];
        var reply = new byte[ControlCodec.MaxMessageSize];
        try
        {
            while (true)
            {
                var message = _socket.Receive(buffer, -1);
                if (message is null || message.Closed)
                {
                    return;
                }
                message.DisposeFds();
                var bytes = buffer.AsSpan(0, message.Length);
                Assert.Equal(ErrorCode.None, ControlCodec.TryReadHeader(bytes, out var header));
                uint id = header.RequestId;
                if (StaleReplyFirst)
                {
                    _socket.Send(reply.AsSpan(0, ControlCodec.WriteError(reply, id + 100, ErrorCode.Internal, (MessageType)header.Type, "stale")));
                }
                switch ((MessageType)header.Type)
                {
                    case MessageType.Hello:
                        Assert.True(ControlCodec.TryReadBody(bytes, out HelloRequest hello));
                        Assert.Equal(AbiVersion.Current, hello.AbiVersion);
                        AppName = ControlCodec.FromUtf8Field(new ReadOnlySpan<byte>(hello.AppName, 32));
                        if (IgnoreHello)
                        {
                            break;
                        }
                        if (HelloError != ErrorCode.None)
                        {
                            _socket.Send(reply.AsSpan(0, ControlCodec.WriteError(reply, id, HelloError, MessageType.Hello, "not you")));
                            break;
                        }
                        var helloReply = new HelloReply
                        {
                            AbiVersion = HelloAbi, ClientId = 42, Mode = (uint)ClientMode.Mediated, MaxQueues = 4, MaxUmemBytes = 1 << 30, MaxFrameLength = 1514,
                        };
                        _socket.Send(reply.AsSpan(0, ControlCodec.Write(reply, MessageType.HelloReply, id, in helloReply)));
                        break;
                    case MessageType.OpenQueue:
                        Assert.True(ControlCodec.TryReadBody(bytes, out OpenQueueRequest open));
                        if (OpenError != ErrorCode.None)
                        {
                            _socket.Send(reply.AsSpan(0, ControlCodec.WriteError(reply, id, OpenError, MessageType.OpenQueue, "no room")));
                            break;
                        }
                        var queue = new FakeQueue(_nextQueueId++, open.Geometry, UmemSizeDelta);
                        lock (_queues)
                        {
                            _queues.Add(queue);
                        }
                        BeforeReply?.Invoke(queue);
                        var openReply = new OpenQueueReply
                        {
                            QueueId = queue.QueueId, DeviceQueue = 3, Geometry = open.Geometry, UmemSize = open.Geometry.UmemSize,
                            ClientAreaSize = (ulong)queue.Layout.ClientAreaSize, BrokerAreaSize = (ulong)queue.Layout.BrokerAreaSize, FdCount = 7,
                        };
                        for (int i = 0; i < 6; i++)
                        {
                            openReply.Mac[i] = (byte)(0x02 + i);
                        }
                        _socket.Send(reply.AsSpan(0, ControlCodec.Write(reply, MessageType.OpenQueueReply, id, in openReply)), queue.Fds.AsSpan(0, FdsToSend));
                        break;
                    case MessageType.CloseQueue:
                        Assert.True(ControlCodec.TryReadBody(bytes, out CloseQueueRequest close));
                        ClosedQueues.Enqueue(close.QueueId);
                        _socket.Send(reply.AsSpan(0, ControlCodec.Write(reply, MessageType.CloseQueueReply, id, in close)));
                        break;
                    case MessageType.Stats:
                        Assert.True(ControlCodec.TryReadBody(bytes, out StatsRequest stats));
                        if (GoodbyeBeforeStats)
                        {
                            SendGoodbye();
                        }
                        ulong[] counters = new ulong[(int)QueueCounter.Count];
                        for (int i = 0; i < counters.Length; i++)
                        {
                            counters[i] = (ulong)(i * 10) + (stats.QueueId == StatsRequest.AllQueues ? 1000u : stats.QueueId);
                        }
                        _socket.Send(reply.AsSpan(0, ControlCodec.WriteStats(reply, id, stats.QueueId, counters)));
                        break;
                    default:
                        throw new InvalidOperationException($"unexpected message {header.Type}");
                }
            }
        }
        catch (NativeException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
        {
            // The client went away mid-reply.
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    public void Dispose()
    {
        _socket.Shutdown();
        if ((_thread.ThreadState & ThreadState.Unstarted) != 0)
        {
            _clientSide?.Dispose();
        }
        else
        {
            _thread.Join(TimeSpan.FromSeconds(10));
        }
        _socket.Dispose();
        lock (_queues)
        {
            foreach (var q in _queues)
            {
                q.Dispose();
            }
        }
        if (_failure is not null)
        {
            throw new InvalidOperationException("fake broker failed", _failure);
        }
    }
}
