using System.Text;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Tests.Integration;

namespace Mediator.Tests.Broker.ControlPlane;

/// <summary>A broker with small limits: 3 device queues, 2 queues and 384 KiB of UMEM per client (default policy), 5 connections.</summary>
public sealed class SmallLimitsBroker : IDisposable
{
    public const int DeviceQueues = 3;
    public const int MaxQueues = 2;
    public const int MaxUmemBytes = 3 * 128 * 1024; // three queues of BrokerChecks.SmallGeometry
    public const int MaxConnections = 5;

    public BrokerProcess Broker { get; } = BrokerProcess.Start(
        $"--Broker:DeviceQueues={DeviceQueues}",
        $"--Broker:DefaultPolicy:MaxQueues={MaxQueues}",
        $"--Broker:DefaultPolicy:MaxUmemBytes={MaxUmemBytes}",
        $"--Broker:MaxConnections={MaxConnections}");

    public void Dispose() => Broker.Dispose();
}

/// <summary>Per-client quotas from the policy, the device-queue pool, and the connection limit.</summary>
public sealed class QuotaTests(SmallLimitsBroker shared) : IClassFixture<SmallLimitsBroker>
{
    private readonly BrokerProcess _broker = shared.Broker;

    private static QueueGeometry WithFrames(uint frames) => BrokerChecks.SmallGeometry with { FrameCount = frames };

    [Fact]
    public void HelloReply_AnnouncesThePolicyLimits()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var hello = raw.Hello();
        Assert.Equal((uint)SmallLimitsBroker.MaxQueues, hello.MaxQueues);
        Assert.Equal((ulong)SmallLimitsBroker.MaxUmemBytes, hello.MaxUmemBytes);
        Assert.Equal((uint)ClientMode.Mediated, hello.Mode);
    }

    [Fact]
    public void QueueBeyondMaxQueues_IsRefusedAsQuotaExceeded_AndClosingOneMakesRoom()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        for (uint i = 1; i <= SmallLimitsBroker.MaxQueues; i++)
        {
            using var ok = raw.OpenQueue(i, BrokerChecks.SmallGeometry);
            Assert.Equal(MessageType.OpenQueueReply, ok.Type);
        }
        using (var refused = raw.OpenQueue(10, BrokerChecks.SmallGeometry))
        {
            string text = RawControlClient.AssertError(refused, ErrorCode.QuotaExceeded, 10, MessageType.OpenQueue);
            Assert.Contains("queues", text, StringComparison.Ordinal);
        }
        raw.Send(MessageType.CloseQueue, 11, new CloseQueueRequest { QueueId = 1 });
        using (var closed = raw.Receive())
        {
            Assert.Equal(MessageType.CloseQueueReply, closed.Type);
        }
        using var again = raw.OpenQueue(12, BrokerChecks.SmallGeometry);
        Assert.Equal(MessageType.OpenQueueReply, again.Type);
        Assert.Equal(3u, again.Body<OpenQueueReply>().QueueId); // ids are not reused
    }

    [Fact]
    public void UmemBeyondMaxUmemBytes_IsRefusedAsQuotaExceeded_ButASmallerQueueStillFits()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        using (var big = raw.OpenQueue(1, WithFrames(128))) // 256 KiB
        {
            Assert.Equal(MessageType.OpenQueueReply, big.Type);
        }
        using (var refused = raw.OpenQueue(2, WithFrames(128))) // 512 KiB in all > 384 KiB
        {
            string text = RawControlClient.AssertError(refused, ErrorCode.QuotaExceeded, 2, MessageType.OpenQueue);
            Assert.Contains("UMEM", text, StringComparison.Ordinal);
        }
        using var fits = raw.OpenQueue(3, WithFrames(64)); // 384 KiB exactly
        Assert.Equal(MessageType.OpenQueueReply, fits.Type);
    }

    [Fact]
    public void SingleQueueLargerThanTheUmemQuota_IsRefusedAsQuotaExceeded()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        using var refused = raw.OpenQueue(1, WithFrames(QueueGeometry.MaxFrameCount));
        RawControlClient.AssertError(refused, ErrorCode.QuotaExceeded, 1, MessageType.OpenQueue);
    }

    [Fact]
    public void RefusalText_NamingALongUnicodePolicy_IsCutTo240BytesOfValidUtf8()
    {
        // The default policy is always called "default"; a rule matching our uid can have any name.
        string name = string.Concat(Enumerable.Repeat("ünïcødé-", 40)); // 2-byte characters, 440 bytes
        using var broker = BrokerProcess.Start(
            $"--Broker:Policies:0:Name={name}", $"--Broker:Policies:0:Uid={Tmds.Linux.LibC.geteuid()}", "--Broker:Policies:0:MaxQueues=1");
        using var raw = RawControlClient.Connect(broker.SocketPath);
        Assert.Equal(1u, raw.Hello().MaxQueues);
        raw.OpenQueue(1, BrokerChecks.SmallGeometry).Dispose();
        using var refused = raw.OpenQueue(9, BrokerChecks.SmallGeometry);
        string text = RawControlClient.AssertError(refused, ErrorCode.QuotaExceeded, 9, MessageType.OpenQueue);
        int bytes = Encoding.UTF8.GetByteCount(text);
        Assert.InRange(bytes, ErrorReply.MaxTextBytes - 3, ErrorReply.MaxTextBytes);
        Assert.StartsWith("policy 'ünïcødé-", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', text);
    }

    [Fact]
    public void EveryDeviceQueueInUse_IsRefusedAsNoDeviceQueue_UntilOneIsFreed()
    {
        var holders = new List<RawControlClient>();
        try
        {
            // Two clients hold the three device queues between them.
            for (int c = 0; c < 2; c++)
            {
                var holder = RawControlClient.Connect(_broker.SocketPath);
                holders.Add(holder);
                holder.Hello();
            }
            uint id = 1;
            for (int q = 0; q < SmallLimitsBroker.DeviceQueues; q++)
            {
                using var ok = holders[q % 2].OpenQueue(id++, BrokerChecks.SmallGeometry);
                Assert.Equal(MessageType.OpenQueueReply, ok.Type);
            }
            using var raw = RawControlClient.Connect(_broker.SocketPath);
            raw.Hello();
            using (var refused = raw.OpenQueue(20, BrokerChecks.SmallGeometry))
            {
                RawControlClient.AssertError(refused, ErrorCode.NoDeviceQueue, 20, MessageType.OpenQueue);
            }
            // A refused OpenQueue changed nothing: the client still has its whole quota once a queue is free.
            holders[0].Dispose(); // abrupt: its two queues are torn down by the broker
            holders.RemoveAt(0);
            bool opened = false;
            uint rid = 21;
            Assert.True(BrokerChecks.WaitUntil(() =>
            {
                using var reply = raw.OpenQueue(rid++, BrokerChecks.SmallGeometry);
                if (reply.Type == MessageType.OpenQueueReply)
                {
                    opened = true;
                    return true;
                }
                RawControlClient.AssertError(reply, ErrorCode.NoDeviceQueue, rid - 1, MessageType.OpenQueue);
                return false;
            }, TimeSpan.FromSeconds(5)), "a device queue came free after its client hung up");
            Assert.True(opened);
            using var second = raw.OpenQueue(rid, BrokerChecks.SmallGeometry);
            Assert.Equal(MessageType.OpenQueueReply, second.Type);
        }
        finally
        {
            foreach (var h in holders)
            {
                h.Dispose();
            }
        }
    }

    /// <summary>
    /// Connects and says Hello; null when the broker refused the connection. A refused client may see
    /// the QuotaExceeded error or, when its Hello reached the broker before the broker closed, only a
    /// reset (the kernel reports ECONNRESET to a peer whose data was left unread, before queued data),
    /// or EPIPE on the Hello itself.
    /// </summary>
    private RawControlClient? TryJoin(uint requestId)
    {
        var raw = RawControlClient.Connect(_broker.SocketPath);
        try
        {
            raw.Send(MessageType.Hello, requestId, RawControlClient.HelloBody());
        }
        catch (Native.NativeException e) when (e.Errno is Native.Errno.EPIPE or Native.Errno.ECONNRESET)
        {
            raw.Dispose(); // refused and closed before our Hello went out
            return null;
        }
        using var reply = raw.TryReceive(RawControlClient.DefaultTimeoutMs);
        Assert.NotNull(reply);
        if (reply.Type == MessageType.HelloReply)
        {
            return raw;
        }
        if (reply.Bytes.Length != 0)
        {
            RawControlClient.AssertError(reply, ErrorCode.QuotaExceeded, 0, MessageType.Hello);
        }
        raw.Dispose();
        return null;
    }

    [Fact]
    public void ConnectionBeyondMaxConnections_GetsQuotaExceededAndIsClosed_OthersUnaffected()
    {
        var held = new List<RawControlClient>();
        try
        {
            // Earlier tests' connections may still be closing: fill up until the broker refuses one.
            while (TryJoin(1) is { } raw)
            {
                held.Add(raw);
                Assert.True(held.Count <= SmallLimitsBroker.MaxConnections, "the broker admitted more than MaxConnections");
            }
            Assert.True(BrokerChecks.WaitUntil(() =>
            {
                if (TryJoin(1) is { } late)
                {
                    held.Add(late); // a closing connection of an earlier test finished leaving
                }
                return held.Count == SmallLimitsBroker.MaxConnections;
            }, TimeSpan.FromSeconds(5)));
            // Over the limit, a client that sends nothing gets the refusal at accept time, then EOF.
            using (var refused = RawControlClient.Connect(_broker.SocketPath))
            {
                using var reply = refused.Receive();
                string text = RawControlClient.AssertError(reply, ErrorCode.QuotaExceeded, 0, MessageType.Hello);
                Assert.Contains("connections", text, StringComparison.Ordinal);
                Assert.True(refused.WaitClosed(5000), "the refused connection is closed by the broker");
            }
            // The connections that were admitted still work.
            held[0].Send(MessageType.Stats, 2, new StatsRequest { QueueId = StatsRequest.AllQueues });
            using (var stats = held[0].Receive())
            {
                Assert.Equal(MessageType.StatsReply, stats.Type);
            }
            using (var q = held[1].OpenQueue(3, BrokerChecks.SmallGeometry))
            {
                Assert.Equal(MessageType.OpenQueueReply, q.Type);
            }
            // One leaves; a newcomer gets in (once the broker has noticed).
            held[^1].Dispose();
            held.RemoveAt(held.Count - 1);
            Assert.True(BrokerChecks.WaitUntil(() =>
            {
                if (TryJoin(4) is { } newcomer)
                {
                    held.Add(newcomer);
                    return true;
                }
                return false;
            }, TimeSpan.FromSeconds(5)));
        }
        finally
        {
            foreach (var h in held)
            {
                h.Dispose();
            }
        }
    }
}
