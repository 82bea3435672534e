using Mediator.Abi;
using Mediator.Native;

namespace Mediator.Tests.Shared.Rings;

public unsafe class RingWakeupTests
{
    [Fact]
    public void Sleeping_consumer_sets_its_flag_and_the_producer_sees_it()
    {
        using var mem = new RingMemory<ulong>(8);
        var producer = mem.Producer();
        var consumer = mem.Consumer();
        Assert.False(producer.ConsumerNeedsWakeup());

        Assert.False(consumer.PrepareToSleep());
        Assert.Equal((uint)RingFlags.NeedWakeup, mem.ConsumerLine->Flags);
        producer.Reserve(1, out _);
        producer.Submit(1);
        Assert.True(producer.ConsumerNeedsWakeup());

        consumer.ClearNeedWakeup();
        Assert.Equal(0u, mem.ConsumerLine->Flags);
        Assert.False(producer.ConsumerNeedsWakeup());
    }

    [Fact]
    public void PrepareToSleep_reports_entries_that_arrived_before_the_flag()
    {
        using var mem = new RingMemory<ulong>(8);
        var producer = mem.Producer();
        var consumer = mem.Consumer();
        producer.Reserve(2, out _);
        producer.Submit(2);
        Assert.True(consumer.PrepareToSleep());
        Assert.Equal(2u, consumer.Peek(8, out _));
    }

    [Fact]
    public void Other_flag_bits_survive_set_and_clear()
    {
        using var mem = new RingMemory<ulong>(8);
        mem.ConsumerLine->Flags = 0x100;
        var consumer = mem.Consumer();
        consumer.PrepareToSleep();
        Assert.Equal(0x101u, mem.ConsumerLine->Flags);
        consumer.ClearNeedWakeup();
        Assert.Equal(0x100u, mem.ConsumerLine->Flags);
    }

    [Fact]
    public void No_wakeup_is_lost_between_two_threads()
    {
        const int Count = 3000;
        using var mem = new RingMemory<ulong>(8);
        using var doorbell = new EventFd();
        var producer = mem.Producer();
        var consumer = mem.Consumer();
        int lost = 0;

        var consumerThread = new Thread(() =>
        {
            ulong expected = 0;
            while (expected < Count)
            {
                uint n = consumer.Peek(8, out uint at);
                if (n == 0)
                {
                    if (!consumer.PrepareToSleep() && !doorbell.Wait(5000))
                    {
                        // Slept with the flag set, and the producer never rang: a lost wake-up.
                        Interlocked.Increment(ref lost);
                        return;
                    }
                    consumer.ClearNeedWakeup();
                    continue;
                }
                for (uint i = 0; i < n; i++)
                {
                    if (consumer.Read(at + i) != expected++)
                    {
                        Interlocked.Increment(ref lost);
                        return;
                    }
                }
                consumer.Release(n);
            }
        });
        consumerThread.Start();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (ulong sent = 0; sent < Count && Volatile.Read(ref lost) == 0;)
        {
            if (producer.Reserve(1, out uint index) == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "producer stalled");
                Thread.Yield();
                continue;
            }
            producer[index] = sent++;
            producer.Submit(1);
            if (producer.ConsumerNeedsWakeup())
            {
                doorbell.Signal();
            }
        }
        Assert.True(consumerThread.Join(TimeSpan.FromSeconds(30)), "consumer did not finish");
        Assert.Equal(0, lost);
    }
}
