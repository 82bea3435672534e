using Mediator.Abi;
using Mediator.Client;
using Mediator.Tests.Integration;

namespace Mediator.Tests.Broker.ControlPlane;

/// <summary>A broker process shared by the tests of one class (default configuration).</summary>
public sealed class SharedBroker : IDisposable
{
    public BrokerProcess Broker { get; } = BrokerProcess.Start();

    public void Dispose() => Broker.Dispose();
}

/// <summary>Checks on a running broker: is it still serving, and waits on its resources.</summary>
internal static class BrokerChecks
{
    /// <summary>
    /// A fresh well-behaved client says Hello, opens a queue and gets a frame it sent to its own MAC
    /// back through the loopback wire: the control plane and the data path both still work.
    /// </summary>
    public static void AssertServing(BrokerProcess broker)
    {
        Assert.False(broker.Process.HasExited, "the broker process is alive");
        using var client = broker.Connect("still-serving");
        using var queue = client.OpenQueue(SmallGeometry);
        AssertRoundTrip(queue, 1);
    }

    /// <summary>A queue geometry that keeps per-queue memory small (64 frames, rings of 64).</summary>
    public static QueueGeometry SmallGeometry => new()
    {
        FrameSize = 2048, FrameCount = 64, TxSize = 64, CompletionSize = 64, FillSize = 64, RxSize = 64,
    };

    /// <summary>Sends one frame to the queue's own MAC and waits (5 s at most) until it comes back.</summary>
    public static void AssertRoundTrip(ClientQueue queue, uint marker)
    {
        queue.Refill();
        var frame = new byte[64];
        queue.Mac.CopyTo(frame);
        queue.Mac.CopyTo(frame.AsSpan(6));
        frame[12] = 0x88;
        frame[13] = 0xB5;
        BitConverter.TryWriteBytes(frame.AsSpan(14), marker);
        // RX buffers are armed at the device asynchronously after Refill, so a frame sent at once may
        // be dropped for lack of a buffer (RxNoBuffer): send again every 100 ms until one comes back.
        var end = Environment.TickCount64 + 5000;
        long nextSend = 0;
        var received = new byte[2048];
        while (Environment.TickCount64 < end)
        {
            queue.ReapCompletions();
            if (Environment.TickCount64 >= nextSend && queue.TrySend(frame))
            {
                nextSend = Environment.TickCount64 + 100;
            }
            if (queue.TryReceive(received, out int length))
            {
                if (length == frame.Length && BitConverter.ToUInt32(received, 14) == marker)
                {
                    return;
                }
                continue; // an older frame of this queue
            }
            queue.WaitForRx(TimeSpan.FromMilliseconds(20));
        }
        Assert.Fail($"frame {marker} did not come back within 5 s");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes; returns whether it held.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (true)
        {
            if (condition())
            {
                return true;
            }
            if (DateTime.UtcNow >= end)
            {
                return false;
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>Waits until the broker's descriptor count is back to <paramref name="baseline"/> (or below); asserts it.</summary>
    public static void AssertFdsBackTo(BrokerProcess broker, int baseline, TimeSpan? timeout = null)
    {
        int last = 0;
        bool ok = WaitUntil(() => (last = broker.FdCount) <= baseline, timeout ?? TimeSpan.FromSeconds(5));
        Assert.True(ok, $"broker holds {last} descriptors, baseline {baseline}: {Describe(broker)}");
    }

    /// <summary>The broker's descriptors by kind, for failure messages.</summary>
    public static string Describe(BrokerProcess broker)
    {
        var kinds = new Dictionary<string, int>();
        foreach (string fd in Directory.GetFileSystemEntries($"/proc/{broker.Pid}/fd"))
        {
            string target;
            try
            {
                target = new FileInfo(fd).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                continue;
            }
            int colon = target.IndexOf(':', StringComparison.Ordinal);
            string kind = target.StartsWith('/') ? target : colon > 0 ? target[..colon] : target;
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        }
        return string.Join(", ", kinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key}×{k.Value}"));
    }
}
