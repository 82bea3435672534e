namespace Mediator.Tests.Shared.Rings;

/// <summary>The other side's index is an untrusted number: a lie stalls the liar and is counted.</summary>
public unsafe class RingHostileTests
{
    [Theory]
    [InlineData(9u)]            // one past full
    [InlineData(1000u)]         // a jump
    [InlineData(uint.MaxValue)] // backwards by one
    [InlineData(0x8000_0000u)]  // half the index space away
    public void Producer_index_claiming_more_than_size_peeks_nothing_and_counts(uint producerIndex)
    {
        using var mem = new RingMemory<ulong>(8);
        var consumer = mem.Consumer();
        mem.ProducerLine->Index = producerIndex;

        Assert.Equal(0u, consumer.Peek(100, out _));
        Assert.Equal(0u, consumer.Available());
        Assert.Equal(2L, consumer.InvalidProducerIndex);
        Assert.Equal(0u, consumer.Consumer);
    }

    [Fact]
    public void Producer_index_at_exactly_size_is_a_full_ring_not_an_attack()
    {
        using var mem = new RingMemory<ulong>(8, producerIndex: 8);
        Assert.Equal(8u, mem.Consumer().Peek(100, out _));
    }

    [Fact]
    public void Garbage_producer_indices_never_yield_more_than_the_ring()
    {
        using var mem = new RingMemory<ulong>(16);
        var consumer = mem.Consumer();
        var random = new Random(1234);
        long hostile = 0;
        for (int i = 0; i < 10_000; i++)
        {
            uint value = (uint)random.NextInt64(0, 1L << 32);
            mem.ProducerLine->Index = value;
            uint got = consumer.Peek(uint.MaxValue, out uint at);
            uint claimed = value - consumer.Consumer;
            if (claimed > 16)
            {
                hostile++;
                Assert.Equal(0u, got);
            }
            else
            {
                Assert.Equal(claimed, got);
                _ = consumer.Read(at + got - 1); // the guard page turns an out-of-ring read into a crash
                consumer.Release(got);
            }
        }
        Assert.Equal(hostile, consumer.InvalidProducerIndex);
    }

    [Fact]
    public void Entries_already_peeked_survive_a_later_lie_then_the_lie_is_refused()
    {
        using var mem = new RingMemory<ulong>(8);
        var producer = mem.Producer();
        var consumer = mem.Consumer();
        producer.Reserve(4, out _);
        producer.Submit(4);
        Assert.Equal(2u, consumer.Peek(2, out _));
        consumer.Release(2);

        mem.ProducerLine->Index = 2000;
        Assert.Equal(2u, consumer.Peek(8, out _)); // the cached view: entries 2 and 3, published honestly
        consumer.Release(2);
        Assert.Equal(0u, consumer.Peek(8, out _));
        Assert.Equal(1L, consumer.InvalidProducerIndex);
    }

    [Theory]
    [InlineData(9u)]            // claims to have consumed more than was produced
    [InlineData(uint.MaxValue)] // went backwards
    [InlineData(0xDEAD_BEEFu)]
    public void Consumer_index_that_lies_makes_the_ring_look_full_and_counts(uint consumerIndex)
    {
        using var mem = new RingMemory<ulong>(8);
        var producer = mem.Producer();
        Assert.Equal(8u, producer.Reserve(8, out _));
        producer.Submit(8);
        mem.ConsumerLine->Index = consumerIndex;

        Assert.Equal(0u, producer.Reserve(8, out _));
        Assert.Equal(0u, producer.Free(1));
        Assert.Equal(8u, producer.Outstanding());
        Assert.True(producer.InvalidConsumerIndex >= 1);
        Assert.Equal(8u, mem.ProducerLine->Index);
    }

    [Theory]
    [InlineData(100u)]
    [InlineData(0x8000_0000u)]
    public void Consumer_index_that_lies_before_attach_never_lets_the_producer_reserve_more_than_the_ring(uint consumerIndex)
    {
        using var mem = new RingMemory<ulong>(8, producerIndex: 0, consumerIndex: consumerIndex);
        var producer = mem.Producer();

        Assert.Equal(0u, producer.Reserve(1000, out _));
        Assert.Equal(0u, producer.Free(1));
        Assert.True(producer.InvalidConsumerIndex >= 1);
    }

    [Fact]
    public void A_consumer_that_comes_back_to_its_senses_is_served_again()
    {
        using var mem = new RingMemory<ulong>(8);
        var producer = mem.Producer();
        producer.Reserve(8, out _);
        producer.Submit(8);
        mem.ConsumerLine->Index = 12345;
        Assert.Equal(0u, producer.Free(1));

        mem.ConsumerLine->Index = 5;
        Assert.Equal(5u, producer.Free(1));
    }
}
