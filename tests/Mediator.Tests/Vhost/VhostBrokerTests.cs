using Mediator.Control;
using Mediator.Eval.Attacks.VhostUser;
using Mediator.Native;
using Mediator.Tests.Integration;
using Mediator.Vhost;

namespace Mediator.Tests.Vhost;

/// <summary>
/// A real broker process with a vhost-user port, driven by <see cref="VhostGuest"/> over a real
/// socket with a real memfd and real eventfds: frames go out through the guest's TX ring, through the
/// broker's policies and the device loopback, and come back into the guest's RX buffers; hostile
/// messages, memory tables and descriptors are refused, counted, and leave the broker serving.
/// </summary>
public sealed unsafe class VhostBrokerTests : IDisposable
{
    private static readonly byte[] PortMac = [0x02, 0x4D, 0x56, 0x00, 0x00, 0x01];
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mediator-vhost-");
    private readonly BrokerProcess _broker;

    public VhostBrokerTests()
    {
        VhostPath = Path.Combine(_dir.FullName, "vh.sock");
        _broker = BrokerProcess.Start("--vhost-user", VhostPath);
    }

    private string VhostPath { get; }

    private static byte[] Frame(int seq, int length = 128, byte[]? source = null)
    {
        var f = new byte[length];
        PortMac.CopyTo(f, 0);
        (source ?? PortMac).CopyTo(f, 6);
        f[12] = 0x88;
        f[13] = 0xB5;
        BitConverter.TryWriteBytes(f.AsSpan(14), seq);
        for (int i = 18; i < length; i++)
        {
            f[i] = (byte)(seq + i);
        }
        return f;
    }

    private static string Describe(Mediator.Client.QueueStatistics s) =>
        string.Join(", ", Enumerable.Range(0, (int)QueueCounter.Count).Select(i => (QueueCounter)i).Where(c => s[c] != 0).Select(c => $"{c}={s[c]}"));

    /// <summary>What the broker logged (warnings and up) so far, for failure messages.</summary>
    private string BrokerLog()
    {
        var lines = new List<string>();
        _broker.Process.WaitForLine(l => { lines.Add(l); return false; }, TimeSpan.FromMilliseconds(300));
        return string.Join('\n', lines);
    }

    private ulong Stat(QueueCounter c) => _broker.Stats()[c];

    private void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(what);
            }
            Thread.Sleep(20);
        }
    }

    [Fact]
    public void Frames_from_the_guest_come_back_intact_through_the_device_loopback_and_the_counters_reconcile()
    {
        using var fe = VhostGuest.Connect(VhostPath);
        fe.Start();
        Assert.Equal(VirtioFeatures.Offered, fe.Features);
        Assert.Equal(1UL, fe.QueuePairs);
        const int count = 600; // more than the ring: buffers are reposted as frames arrive
        var received = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            fe.SendFrame(Frame(i, 60 + i % 1400));
            if (i % 100 == 99)
            {
                Assert.All(fe.WaitTxUsed(), u => Assert.Equal(0u, u.Length));
                received.AddRange(fe.Receive(100));
            }
        }
        Assert.True(count == received.Count, $"received {received.Count}: " + Describe(_broker.Stats()));
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(Frame(i, 60 + i % 1400), received[i]);
        }
        WaitFor(() => Stat(QueueCounter.VhostRxFrames) == count, "VhostRxFrames");
        var s = _broker.Stats();
        Assert.Equal((ulong)count, s[QueueCounter.VhostTxFrames]);
        Assert.Equal((ulong)count, s[QueueCounter.TxSent]);
        Assert.Equal((ulong)count, s[QueueCounter.RxDelivered]);
        Assert.Equal(0ul, s[QueueCounter.VhostTxRefused] + s[QueueCounter.VhostRxRefused] + s[QueueCounter.VhostRxNoGuestBuffer]);
    }

    [Fact]
    public void A_spoofed_source_MAC_is_refused_by_the_same_policy_as_a_library_client()
    {
        using var fe = VhostGuest.Connect(VhostPath);
        fe.Start();
        fe.SendFrame(Frame(1, 100, source: [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]));
        fe.SendFrame(Frame(2));
        fe.WaitTxUsed(); // both complete exactly once
        var back = fe.Receive(1);
        Assert.Equal(Frame(2), Assert.Single(back));
        WaitFor(() => Stat(QueueCounter.RefusedSourceMacSpoofed) == 1, "the spoofed frame was not refused");
        Assert.Equal(1ul, Stat(QueueCounter.TxSent));
    }

    [Fact]
    public void Without_guest_buffers_frames_are_dropped_and_counted()
    {
        using var fe = VhostGuest.Connect(VhostPath);
        fe.Start(postRxBuffers: false);
        for (int i = 0; i < 10; i++)
        {
            fe.SendFrame(Frame(i));
        }
        fe.WaitTxUsed();
        WaitFor(() => Stat(QueueCounter.VhostRxNoGuestBuffer) == 10, "VhostRxNoGuestBuffer");
        Assert.Equal(0ul, Stat(QueueCounter.VhostRxFrames));
    }

    [Fact]
    public void Hostile_descriptors_are_refused_counted_and_completed_while_good_frames_still_pass()
    {
        using var fe = VhostGuest.Connect(VhostPath);
        fe.Start();
        var d = fe.Descriptors(VhostGuest.TxRing);
        ulong good = VhostGuest.GuestBase + VhostGuest.TxBuffers;
        // Outside the region (and one straddling its end), a loop, a writable buffer on TX, an indirect
        // table, a zero length, an index outside the table.
        d[10] = new VirtqDescriptor { Address = 0x1000, Length = 100 };
        d[11] = new VirtqDescriptor { Address = VhostGuest.GuestBase + VhostGuest.RegionSize - 50, Length = 100 };
        d[12] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagNext, Next = 13 };
        d[13] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagNext, Next = 12 };
        d[14] = new VirtqDescriptor { Address = good, Length = 100, Flags = VirtqDescriptor.FlagWrite };
        d[15] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagIndirect };
        d[16] = new VirtqDescriptor { Address = good, Length = 0 };
        d[17] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagNext, Next = 999 };
        for (ushort head = 10; head <= 17; head++)
        {
            fe.PublishTx(head);
        }
        fe.PublishTx(9999); // a head outside the table
        var used = fe.WaitTxUsed();
        Assert.Equal(9, used.Count); // every chain returned exactly once
        Assert.All(used, u => Assert.Equal(0u, u.Length));
        var s = _broker.Stats();
        Assert.Equal(2ul, s[QueueCounter.VhostRefusedOutsideMemory]);
        Assert.Equal(2ul, s[QueueCounter.VhostRefusedChainLoop]); // heads 12 and 13 both enter the loop
        Assert.Equal(1ul, s[QueueCounter.VhostRefusedWrongDirection]);
        Assert.Equal(1ul, s[QueueCounter.VhostRefusedIndirect]);
        Assert.Equal(1ul, s[QueueCounter.VhostRefusedBadLength]);
        Assert.Equal(2ul, s[QueueCounter.VhostRefusedIndexOutOfRange]);
        Assert.Equal(9ul, s[QueueCounter.VhostTxRefused]);
        Assert.Equal(0ul, s[QueueCounter.VhostTxFrames]);

        // The port still works.
        fe.SendFrame(Frame(7));
        fe.WaitTxUsed();
        Assert.Equal(Frame(7), Assert.Single(fe.Receive(1)));
    }

    [Fact]
    public void An_available_index_that_jumps_past_the_ring_is_refused_and_nothing_is_taken()
    {
        using var fe = VhostGuest.Connect(VhostPath);
        fe.Start();
        fe.SetTxAvail(5000);
        fe.Kick[1].Signal();
        WaitFor(() => Stat(QueueCounter.VhostRefusedAvailIndexJump) >= 1, "the jump was not counted");
        Assert.Equal(0, fe.UsedIdx(VhostGuest.TxRing));
        fe.SetTxAvail(0);
        fe.SendFrame(Frame(3)); // back to honest: it goes through
        fe.WaitTxUsed();
        Assert.Equal(Frame(3), Assert.Single(fe.Receive(1)));
        Assert.Equal(0ul, Stat(QueueCounter.VhostTxRefused));
    }

    public static TheoryData<string> HostileTables => ["overlap-gpa", "overlap-user", "zero-size", "beyond-file", "wraps", "nine-regions", "not-memory", "fd-missing", "before-owner"];

    [Theory]
    [MemberData(nameof(HostileTables))]
    public void A_hostile_memory_table_closes_the_connection_and_the_port_serves_the_next_front_end(string kind)
    {
        using (var fe = VhostGuest.Connect(VhostPath))
        {
            if (kind != "before-owner")
            {
                fe.Send(VhostRequest.SetOwner);
            }
            var r = VhostGuest.Region;
            var small = r with { MemorySize = 1 << 20 };
            using var pipe = new EventFd(); // a descriptor that is not memory
            var (table, fds) = kind switch
            {
                "overlap-gpa" => (VhostGuest.Table(small, small with { UserspaceAddr = r.UserspaceAddr + (2 << 20), MmapOffset = 2 << 20, GuestPhysAddr = r.GuestPhysAddr + 4096 }), new[] { fe.MemoryFd.Fd, fe.MemoryFd.Fd }),
                "overlap-user" => (VhostGuest.Table(small, small with { GuestPhysAddr = r.GuestPhysAddr + (2 << 20), MmapOffset = 2 << 20 }), new[] { fe.MemoryFd.Fd, fe.MemoryFd.Fd }),
                "zero-size" => (VhostGuest.Table(r with { MemorySize = 0 }), new[] { fe.MemoryFd.Fd }),
                "beyond-file" => (VhostGuest.Table(r with { MemorySize = 1UL << 40 }), new[] { fe.MemoryFd.Fd }),
                "wraps" => (VhostGuest.Table(r with { GuestPhysAddr = ulong.MaxValue - 4096 }), new[] { fe.MemoryFd.Fd }),
                "nine-regions" => (VhostGuest.Table(Enumerable.Range(0, 9).Select(i => small with { GuestPhysAddr = (ulong)i << 30, UserspaceAddr = (ulong)i << 30 }).ToArray()), new[] { fe.MemoryFd.Fd }),
                "not-memory" => (VhostGuest.Table(r), new[] { pipe.Handle.Fd }),
                "fd-missing" => (VhostGuest.Table(r), Array.Empty<int>()),
                _ => (VhostGuest.Table(r), new[] { fe.MemoryFd.Fd }),
            };
            fe.Send(VhostRequest.SetMemTable, table, fds, needReply: true);
            Assert.True(fe.WaitClosed(), $"{kind}: the connection stayed open. Broker log:\n{BrokerLog()}");
        }
        AssertAFreshFrontEndIsServed();
    }

    public static TheoryData<string> MalformedMessages => ["bad-version", "reply-flag", "unknown-request", "log-base", "short-payload", "ring-index", "ring-size", "ring-outside", "ring-log-flag", "kick-not-eventfd", "kick-semaphore", "fds-on-get", "features-not-offered", "huge-size"];

    [Theory]
    [MemberData(nameof(MalformedMessages))]
    public void A_malformed_or_unsupported_message_closes_the_connection_and_the_broker_serves_on(string kind)
    {
        using (var fe = VhostGuest.Connect(VhostPath))
        {
            fe.Send(VhostRequest.SetOwner);
            fe.Send(VhostRequest.SetMemTable, VhostGuest.Table(VhostGuest.Region), [fe.MemoryFd.Fd], needReply: true);
            Assert.Equal(0UL, fe.ReadU64(VhostRequest.SetMemTable));
            ulong zero = 0;
            switch (kind)
            {
                case "bad-version": fe.Send(VhostRequest.GetFeatures, flags: 2); break;
                case "reply-flag": fe.Send(VhostRequest.GetFeatures, flags: VhostMessageHeader.Version1 | VhostMessageHeader.ReplyFlag); break;
                case "unknown-request": fe.Send((VhostRequest)977, BitConverter.GetBytes(zero)); break;
                case "log-base": fe.Send(VhostRequest.SetLogBase, BitConverter.GetBytes(zero)); break;
                case "short-payload": fe.Send(VhostRequest.SetVringNum, new byte[4]); break;
                case "ring-index": fe.Send(VhostRequest.SetVringNum, new VhostVringState { Index = 2, Num = 256 }); break;
                case "ring-size": fe.Send(VhostRequest.SetVringNum, new VhostVringState { Index = 0, Num = 300 }); break;
                case "ring-outside":
                    fe.Send(VhostRequest.SetVringNum, new VhostVringState { Index = 1, Num = 256 });
                    fe.Send(VhostRequest.SetVringAddr, new VhostVringAddress { Index = 1, DescUserAddr = VhostGuest.UserBase + VhostGuest.RegionSize - 100, AvailUserAddr = VhostGuest.UserBase, UsedUserAddr = VhostGuest.UserBase + 0x2000 });
                    fe.Send(VhostRequest.SetFeatures, 0UL);
                    fe.Send(VhostRequest.SetVringKick, 1UL, [fe.Kick[1].Handle.Fd]);
                    break;
                case "ring-log-flag": fe.Send(VhostRequest.SetVringAddr, new VhostVringAddress { Index = 0, Flags = VhostVringAddress.LogFlag }); break;
                case "kick-not-eventfd": fe.Send(VhostRequest.SetVringKick, 0UL, [fe.MemoryFd.Fd]); break;
                case "kick-semaphore":
                    using (var semaphore = new FileDescriptor(Tmds.Linux.LibC.eventfd(5, Tmds.Linux.LibC.EFD_SEMAPHORE | Tmds.Linux.LibC.EFD_CLOEXEC)))
                    {
                        fe.Send(VhostRequest.SetVringKick, 0UL, [semaphore.Fd]);
                    }
                    break;
                case "fds-on-get": fe.Send(VhostRequest.GetFeatures, default, [fe.Kick[0].Handle.Fd]); break;
                case "features-not-offered": fe.Send(VhostRequest.SetFeatures, VirtioFeatures.IndirectDescriptors | VirtioFeatures.Version1); break;
                case "huge-size":
                    var header = new VhostMessageHeader { Request = (uint)VhostRequest.SetMemTable, Flags = VhostMessageHeader.Version1, PayloadSize = 1 << 30 };
                    fe.Socket.Send(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<VhostMessageHeader>(in header)));
                    break;
            }
            Assert.True(fe.WaitClosed(), $"{kind}: the connection stayed open. Broker log:\n{BrokerLog()}");
        }
        AssertAFreshFrontEndIsServed();
    }

    [Fact]
    public void One_front_end_per_port_and_a_front_end_that_dies_mid_queue_leaves_nothing_behind()
    {
        Cycle(0); // warm up: first-use allocations (assemblies, JIT) are not leaks
        WaitFor(() => _broker.MappingCount == 4, "the warm-up connection was not torn down");
        int fdsBefore = _broker.FdCount;
        int mapsBefore = _broker.MappingCount;
        for (int round = 1; round <= 5; round++)
        {
            Cycle(round);
        }
        WaitFor(() => _broker.FdCount <= fdsBefore && _broker.MappingCount == mapsBefore,
            $"descriptors {_broker.FdCount} (was {fdsBefore}), mappings {_broker.MappingCount} (was {mapsBefore})");
        // Every frame taken from a dead guest was sent, refused or cancelled; every frame the device
        // delivered to the port reached a guest or was counted as having none.
        var s = _broker.Stats();
        Assert.True(s[QueueCounter.VhostTxFrames] == s[QueueCounter.TxSent] + s[QueueCounter.TxRefused] + s[QueueCounter.Cancelled], Describe(s));
        Assert.True(s[QueueCounter.RxDelivered] == s[QueueCounter.VhostRxFrames] + s[QueueCounter.VhostRxNoGuestBuffer] + s[QueueCounter.VhostRxRefused], Describe(s));
        AssertAFreshFrontEndIsServed();
    }

    /// <summary>A new front end starts and one frame makes the round trip: the port still serves after whatever came before.</summary>
    private void AssertAFreshFrontEndIsServed()
    {
        using var fe = VhostGuest.Connect(VhostPath);
        fe.Start();
        fe.SendFrame(Frame(1));
        fe.WaitTxUsed();
        Assert.Single(fe.Receive(1));
    }

    /// <summary>A front end connects, a second one is refused, frames go in flight both ways, and it vanishes without GET_VRING_BASE.</summary>
    private void Cycle(int round)
    {
        using var fe = VhostGuest.Connect(VhostPath);
        fe.Start();
        using (var second = VhostGuest.Connect(VhostPath))
        {
            Assert.True(second.WaitClosed(), $"round {round}: a second front end on the same port was accepted");
        }
        for (int i = 0; i < 100; i++)
        {
            fe.SendFrame(Frame(i), kick: i % 10 == 9);
        }
    }

    [Fact]
    public void The_ports_queue_is_made_only_when_the_front_end_claims_the_port()
    {
        Cycle(0); // warm up
        WaitFor(() => _broker.MappingCount == 4, "the warm-up connection was not torn down");
        using var fe = VhostGuest.Connect(VhostPath);
        fe.Send(VhostRequest.GetFeatures);
        Assert.Equal(VirtioFeatures.Offered, fe.ReadU64(VhostRequest.GetFeatures));
        Assert.Equal(4, _broker.MappingCount); // connected and answered, but no queue yet
        Assert.Equal(0UL, fe.Ack(VhostRequest.SetOwner, Array.Empty<byte>()));
        Assert.True(_broker.MappingCount > 4, "SET_OWNER made no queue");
    }

    [Fact]
    public void Get_vring_base_stops_the_ring_and_a_new_memory_table_restarts_it_where_it_stopped()
    {
        using var fe = VhostGuest.Connect(VhostPath);
        fe.Start();
        for (int i = 0; i < 5; i++)
        {
            fe.SendFrame(Frame(i));
        }
        fe.WaitTxUsed();
        Assert.Equal(5, fe.Receive(5).Count);
        fe.Send(VhostRequest.GetVringBase, new VhostVringState { Index = 1 });
        var reply = fe.ReadReply(VhostRequest.GetVringBase, VhostVringState.Size)!;
        var state = System.Runtime.InteropServices.MemoryMarshal.Read<VhostVringState>(reply);
        Assert.Equal(1u, state.Index);
        Assert.Equal(5u, state.Num);
        fe.SendFrame(Frame(50)); // the ring is stopped: not taken
        Assert.Empty(fe.Receive(1, TimeSpan.FromMilliseconds(300)));
        Assert.Equal(0UL, fe.Ack(VhostRequest.SetVringBase, new VhostVringState { Index = 1, Num = 5 }));
        fe.Send(VhostRequest.SetMemTable, VhostGuest.Table(VhostGuest.Region), [fe.MemoryFd.Fd], needReply: true);
        Assert.Equal(0UL, fe.ReadU64(VhostRequest.SetMemTable));
        Assert.Equal(0UL, fe.Ack(VhostRequest.SetVringKick, 1UL, [fe.Kick[1].Handle.Fd]));
        fe.WaitTxUsed();
        Assert.Equal(Frame(50), Assert.Single(fe.Receive(1)));
    }

    public void Dispose()
    {
        _broker.Dispose();
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
