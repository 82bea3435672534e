using Mediator.Abi;

namespace Mediator.Tests.Shared.Rings;

/// <summary>
/// A producer and a consumer thread over one ring, in the manner of Aeron's ring buffer tests: every
/// entry carries its sequence number in all its fields, so a torn or early read, a lost or repeated
/// entry shows as a mismatch.
/// </summary>
public unsafe class RingStressTests
{
    private const ulong Count = 2_000_000;

    [Fact]
    public void Two_threads_move_two_million_entries_in_order()
    {
        using var mem = new RingMemory<TxRequest>(1024);
        var producer = mem.Producer();
        var consumer = mem.Consumer();
        long deadline = Environment.TickCount64 + 60_000;
        string? failure = null;

        var consumerThread = new Thread(() =>
        {
            ulong expected = 0;
            var spin = new SpinWait();
            while (expected < Count)
            {
                uint n = consumer.Peek(64, out uint at);
                if (n == 0)
                {
                    if (Environment.TickCount64 > deadline)
                    {
                        failure = $"consumer timed out at {expected}";
                        return;
                    }
                    spin.SpinOnce();
                    continue;
                }
                for (uint i = 0; i < n; i++, expected++)
                {
                    var e = consumer.Read(at + i);
                    if (e.Offset != expected || e.Length != (uint)expected * 3 || e.Options != ~(uint)expected)
                    {
                        failure = $"entry {expected}: got offset {e.Offset} length {e.Length} options {e.Options:X}";
                        return;
                    }
                }
                consumer.Release(n);
            }
        });
        consumerThread.Start();

        var spin = new SpinWait();
        for (ulong next = 0; next < Count && failure == null;)
        {
            uint n = producer.Reserve((uint)Math.Min(64, Count - next), out uint index);
            if (n == 0)
            {
                Assert.True(Environment.TickCount64 < deadline, $"producer timed out at {next}");
                spin.SpinOnce();
                continue;
            }
            for (uint i = 0; i < n; i++, next++)
            {
                producer[index + i] = new TxRequest { Offset = next, Length = (uint)next * 3, Options = ~(uint)next };
            }
            producer.Submit(n);
        }
        Assert.True(consumerThread.Join(TimeSpan.FromSeconds(60)), "consumer did not finish");
        Assert.Null(failure);
        Assert.Equal((uint)Count, mem.ConsumerLine->Index);
    }
}
