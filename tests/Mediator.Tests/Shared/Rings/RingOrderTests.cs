using Mediator.Abi;

namespace Mediator.Tests.Shared.Rings;

public unsafe class RingOrderTests
{
    [Fact]
    public void Entries_come_out_in_the_order_they_went_in()
    {
        using var mem = new RingMemory<ulong>(8);
        var producer = mem.Producer();
        var consumer = mem.Consumer();

        Assert.Equal(5u, producer.Reserve(5, out uint first));
        for (uint i = 0; i < 5; i++)
        {
            producer[first + i] = 100 + i;
        }
        producer.Submit(5);

        Assert.Equal(5u, consumer.Peek(8, out uint at));
        Assert.Equal([100UL, 101, 102, 103, 104], Enumerable.Range(0, 5).Select(i => consumer.Read(at + (uint)i)));
        consumer.Release(5);
        Assert.Equal(5u, mem.ConsumerLine->Index);
        Assert.Equal(5u, mem.ProducerLine->Index);
    }

    [Fact]
    public void Empty_ring_peeks_nothing_and_full_ring_reserves_nothing()
    {
        using var mem = new RingMemory<ulong>(8);
        var producer = mem.Producer();
        var consumer = mem.Consumer();

        Assert.Equal(0u, consumer.Peek(8, out _));
        Assert.Equal(8u, producer.Reserve(100, out _));
        producer.Submit(8);
        Assert.Equal(0u, producer.Reserve(1, out _));
        Assert.Equal(0u, producer.Free(1));
        Assert.Equal(8u, producer.Outstanding());

        Assert.Equal(3u, consumer.Peek(3, out _));
        consumer.Release(3);
        Assert.Equal(3u, producer.Reserve(8, out _));
        Assert.Equal(0L, producer.InvalidConsumerIndex);
        Assert.Equal(0L, consumer.InvalidProducerIndex);
    }

    [Fact]
    public void Peek_is_capped_by_max_and_the_rest_stays_for_the_next_peek()
    {
        using var mem = new RingMemory<ulong>(16);
        var producer = mem.Producer();
        var consumer = mem.Consumer();
        producer.Reserve(10, out _);
        producer.Submit(10);

        Assert.Equal(4u, consumer.Peek(4, out uint a));
        consumer.Release(4);
        Assert.Equal(6u, consumer.Peek(100, out uint b));
        Assert.Equal(a + 4, b);
    }

    [Theory]
    [InlineData(uint.MaxValue - 5)]
    [InlineData(uint.MaxValue)]
    [InlineData(uint.MaxValue - 7)]
    public void Indices_wrap_at_2_to_the_32(uint start)
    {
        using var mem = new RingMemory<TxRequest>(8, producerIndex: start, consumerIndex: start);
        var producer = mem.Producer();
        var consumer = mem.Consumer();
        Assert.Equal(start, producer.Producer);
        Assert.Equal(start, consumer.Consumer);

        ulong next = 0, expected = 0;
        for (int round = 0; round < 10; round++)
        {
            uint n = producer.Reserve(3 + (uint)round % 6, out uint index);
            for (uint i = 0; i < n; i++)
            {
                producer[index + i] = new TxRequest { Offset = next++ };
            }
            producer.Submit(n);
            uint got = consumer.Peek(uint.MaxValue, out uint at);
            Assert.Equal(n, got);
            for (uint i = 0; i < got; i++)
            {
                Assert.Equal(expected++, consumer.Read(at + i).Offset);
            }
            consumer.Release(got);
        }
        Assert.Equal(unchecked(start + (uint)next), mem.ProducerLine->Index);
        Assert.Equal(unchecked(start + (uint)next), mem.ConsumerLine->Index);
        Assert.True(mem.ProducerLine->Index < start, "the test should have crossed the wrap");
        Assert.Equal(0L, consumer.InvalidProducerIndex);
        Assert.Equal(0L, producer.InvalidConsumerIndex);
    }

    [Fact]
    public void Full_ring_across_the_wrap_is_still_exactly_full()
    {
        using var mem = new RingMemory<ulong>(8, producerIndex: uint.MaxValue - 3, consumerIndex: uint.MaxValue - 3);
        var producer = mem.Producer();
        Assert.Equal(8u, producer.Reserve(8, out _));
        producer.Submit(8);
        Assert.Equal(4u, mem.ProducerLine->Index);
        Assert.Equal(0u, producer.Free(1));
        Assert.Equal(8u, mem.Consumer().Peek(100, out _));
    }

    [Fact]
    public void Size_must_be_a_power_of_two()
    {
        using var mem = new RingMemory<ulong>(8);
        Assert.Throws<ArgumentException>(() => new Mediator.Rings.RingProducer<ulong>((byte*)mem.ProducerLine, (byte*)mem.ConsumerLine, mem.Entries, 6));
        Assert.Throws<ArgumentException>(() => new Mediator.Rings.RingConsumer<ulong>((byte*)mem.ProducerLine, (byte*)mem.ConsumerLine, mem.Entries, 0));
    }
}
