using System.Diagnostics;
using Mediator.Abi;
using Mediator.Client;
using Mediator.Client.Unsafe;
using Mediator.Control;
using Mediator.Nic;

namespace Mediator.Tests.Integration;

/// <summary>
/// The unsafe modes across the process boundary, against a real broker: the DirectMap driver and the
/// TxDirect driver move verified frames through the device; the broker refuses unsafe modes unless
/// enabled and granted; and the evaluation's teeth — a DirectMap client makes the device read the
/// broker's canary (DMA audit violation) and overwrite it with a forged MSI-X message.
/// </summary>
public sealed class UnsafeModesTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly QueueGeometry Geometry = new() { FrameSize = 2048, FrameCount = 512, TxSize = 128, CompletionSize = 128, FillSize = 256, RxSize = 256 };

    private static BrokerProcess StartUnsafe(string mode) =>
        BrokerProcess.Start("--Broker:EnableUnsafeModes=true", $"--Broker:DefaultPolicy:Mode={mode}");

    private static byte[] Frame(ReadOnlySpan<byte> dst, ReadOnlySpan<byte> src, int seq, int length = 128)
    {
        var f = new byte[length];
        dst.CopyTo(f);
        src.CopyTo(f.AsSpan(6));
        f[12] = 0x88;
        f[13] = 0xB5;
        BitConverter.TryWriteBytes(f.AsSpan(14), seq);
        for (int i = 18; i < length; i++)
        {
            f[i] = (byte)(seq * 7 + i);
        }
        return f;
    }

    private static bool Until(Func<bool> condition)
    {
        long end = Stopwatch.GetTimestamp() + (long)(Wait.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > end)
            {
                return false;
            }
            Thread.Yield();
        }
        return true;
    }

    private static void WaitArmed(MediatorClient client, ClientQueue queue) =>
        Assert.True(Until(() => client.GetStatistics(queue)[QueueCounter.RxArmed] >= Math.Min((ulong)queue.PostedForReceive, queue.Geometry.RxSize - 1UL)),
            "the broker did not arm the RX buffers");

    [Fact]
    public void DirectMap_driver_sends_to_a_mediated_sink_and_receives_from_a_mediated_sender()
    {
        using var broker = StartUnsafe("DirectMap");
        using var mediatedClient = broker.Connect("mediated");
        Assert.Equal(ClientMode.DirectMap, mediatedClient.Mode); // granted, but this queue stays mediated
        using var mediated = mediatedClient.OpenQueue(Geometry);
        using var directClient = broker.Connect("direct");
        using var driver = new DirectMapDriver(directClient.OpenDirectQueue(Geometry));
        Assert.Equal(ClientMode.DirectMap, driver.Device.Mode);
        WaitArmed(mediatedClient, mediated); // the device drops frames that arrive before a buffer is armed
        Assert.NotEqual(0UL, driver.Device.UmemBusAddress);

        const int N = 200;
        var buffer = new byte[2048];
        int sent = 0, received = 0;
        Assert.True(Until(() =>
        {
            if (sent < N && driver.TrySend(Frame(mediated.Mac, driver.Mac, sent)))
            {
                sent++;
            }
            driver.ReapCompletions();
            while (mediated.TryReceive(buffer, out int length))
            {
                Assert.Equal(Frame(mediated.Mac, driver.Mac, received), buffer.AsSpan(0, length).ToArray());
                received++;
            }
            return received == N;
        }), $"mediated sink received {received} of {N} (sent {sent})");
        Assert.True(Until(() => driver.ReapCompletions() >= 0 && driver.TxInFlight == 0));
        Assert.Equal(N, driver.Completed);

        sent = received = 0;
        Assert.True(Until(() =>
        {
            // At most 32 in flight: a test thread descheduled while the broker keeps sending would let the
            // device find no armed buffer in the driver's RX ring and drop (counted, as a NIC does), which is
            // not what this test is about.
            if (sent < N && sent - received < 32 && mediated.TrySend(Frame(driver.Mac, mediated.Mac, sent)))
            {
                sent++;
            }
            while (driver.TryReceive(buffer, out int length))
            {
                Assert.Equal(Frame(driver.Mac, mediated.Mac, received), buffer.AsSpan(0, length).ToArray());
                received++;
            }
            driver.Refill();
            return received == N;
        }), $"DirectMap driver received {received} of {N} (sent {sent})");

        var stats = broker.Stats();
        Assert.Equal(0UL, stats[QueueCounter.DmaViolations]);
        Assert.Equal(1UL, stats[QueueCounter.CanaryIntact]);
    }

    [Fact]
    public void TxDirect_driver_sends_through_its_own_ring_and_receives_mediated()
    {
        using var broker = StartUnsafe("TxDirect");
        using var client = broker.Connect("txdirect");
        using var driver = new TxDirectDriver(client.OpenDirectQueue(Geometry));
        Assert.Equal(ClientMode.TxDirect, driver.Device.Mode);
        WaitArmed(client, driver.Queue); // RX is mediated: the re-arm worker arms buffers in parallel
        Assert.Throws<InvalidOperationException>(() => driver.Device.ReadRegister(Registers.CTRL)); // no BAR0 in TxDirect
        Assert.Throws<InvalidOperationException>(() => driver.Device.RxRing.Length);

        const int N = 100;
        var buffer = new byte[2048];
        int sent = 0, received = 0;
        Assert.True(Until(() =>
        {
            if (sent < N && driver.TrySend(Frame(driver.Mac, driver.Mac, sent)))
            {
                sent++;
            }
            driver.ReapCompletions();
            while (driver.Queue.TryReceive(buffer, out int length))
            {
                Assert.Equal(Frame(driver.Mac, driver.Mac, received), buffer.AsSpan(0, length).ToArray());
                received++;
            }
            return received == N;
        }), $"received {received} of {N} (sent {sent})");

        var queueStats = client.GetStatistics(driver.Queue);
        Assert.Equal(0UL, queueStats[QueueCounter.TxRequests]); // the broker took no TX request: the client wrote the ring
        Assert.Equal((ulong)N, queueStats[QueueCounter.RxDelivered]); // RX went through the broker
        Assert.Equal(0UL, broker.Stats()[QueueCounter.DmaViolations]);
    }

    [Fact]
    public void Unsafe_modes_are_refused_unless_enabled_and_granted()
    {
        // A broker refuses to start with an unsafe policy while unsafe modes are off.
        var failure = Assert.Throws<InvalidOperationException>(() => BrokerProcess.Start("--Broker:DefaultPolicy:Mode=DirectMap"));
        Assert.StartsWith("broker exited with 2", failure.Message, StringComparison.Ordinal); // its stderr may not be read yet: the reason is checked below
        var validation = new Mediator.Broker.Hosting.BrokerOptionsValidator().Validate(null,
            new Mediator.Broker.Hosting.BrokerOptions { DefaultPolicy = new Mediator.Policies.PolicyRule { Name = "default", Mode = ClientMode.DirectMap } });
        Assert.True(validation.Failed);
        Assert.Contains("EnableUnsafeModes", validation.FailureMessage, StringComparison.Ordinal);

        // Enabled, but this client's policy grants Mediated only.
        using var broker = BrokerProcess.Start("--Broker:EnableUnsafeModes=true");
        using var client = broker.Connect("mediated");
        var denied = Assert.Throws<MediatorException>(() => client.OpenDirectQueue(Geometry));
        Assert.Equal(ErrorCode.PolicyDenied, denied.Code);
        using var queue = client.OpenQueue(Geometry);
        var mapDenied = Assert.Throws<MediatorException>(() => client.Request(MessageType.MapDevice, new MapDeviceRequest { QueueId = queue.QueueId }, MessageType.MapDeviceReply));
        Assert.Equal(ErrorCode.PolicyDenied, mapDenied.Code);
        Assert.True(queue.TrySend(Frame(queue.Mac, queue.Mac, 1)));
        Assert.True(queue.WaitForRx(Wait)); // the connection is unharmed
    }

    [Fact]
    public void MapDevice_is_refused_for_a_mediated_queue_of_a_DirectMap_client()
    {
        using var broker = StartUnsafe("DirectMap");
        using var client = broker.Connect("direct");
        using var queue = client.OpenQueue(Geometry);
        var e = Assert.Throws<MediatorException>(() => client.Request(MessageType.MapDevice, new MapDeviceRequest { QueueId = queue.QueueId }, MessageType.MapDeviceReply));
        Assert.Equal(ErrorCode.PolicyDenied, e.Code);
        var unknown = Assert.Throws<MediatorException>(() => client.Request(MessageType.MapDevice, new MapDeviceRequest { QueueId = 99 }, MessageType.MapDeviceReply));
        Assert.Equal(ErrorCode.UnknownQueue, unknown.Code);
    }

    [Fact]
    public void DirectMap_client_makes_the_device_read_the_canary_and_corrupts_it_with_a_forged_MSIX_message()
    {
        using var broker = StartUnsafe("DirectMap");
        using var client = broker.Connect("attacker");
        using var q = client.OpenDirectQueue(Geometry);
        var before = broker.Stats();
        Assert.Equal(1UL, before[QueueCounter.CanaryIntact]);

        // Leak: a TX descriptor whose buffer is the broker's canary page.
        q.TxRing[0] = TxDescriptor.ForFrame(q.CanaryBusAddress, 64);
        q.WriteTxTail(1);
        Assert.True(Until(() => (Volatile.Read(ref q.TxRing[0].OlinfoStatus) & TxDescriptor.StatusDd) != 0));
        QueueStatistics leaked = broker.Stats();
        Assert.True(leaked[QueueCounter.DmaViolations] > before[QueueCounter.DmaViolations], $"violations {leaked[QueueCounter.DmaViolations]}");
        Assert.Equal(1UL, leaked[QueueCounter.CanaryIntact]); // read, not written

        // Corruption: the queue's own MSI-X vector now points at the canary; any TX completion fires it.
        q.WriteMsixEntry(q.Vector, q.CanaryBusAddress + 64, 0x41414141);
        q.WriteRegister(Registers.EIMS, q.ReadRegister(Registers.EIMS) | (1u << q.Vector));
        var frame = Frame(q.Mac, q.Mac, 1);
        frame.CopyTo(q.Umem);
        q.TxRing[1] = TxDescriptor.ForFrame(q.UmemBusAddress, (uint)frame.Length);
        q.WriteTxTail(2);
        Assert.True(Until(() => broker.Stats()[QueueCounter.CanaryIntact] == 0), "the canary survived a forged MSI-X message");
    }
}
