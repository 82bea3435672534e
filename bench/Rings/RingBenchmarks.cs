using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Mediator.Abi;
using Mediator.Rings;

namespace Mediator.Bench.Rings;

/// <summary>
/// Cost per entry of produce + consume through a RingProducer/RingConsumer pair on one thread, by
/// batch size: the ring's own overhead with no cross-core traffic, the floor a client or the broker
/// pays per request. Zero allocations expected.
/// </summary>
[MemoryDiagnoser]
public unsafe class RingBenchmarks
{
    private const int EntriesPerInvoke = 4096;
    private const uint RingSize = 1024;

    private byte* _memory;
    private RingProducer<TxRequest> _producer = null!;
    private RingConsumer<TxRequest> _consumer = null!;

    [Params(1, 16, 64, 256)]
    public uint Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Two index lines then the entries, cache-line aligned as in a real queue area.
        nuint bytes = (nuint)(2 * IndexLine.Size + RingSize * TxRequest.Size);
        _memory = (byte*)NativeMemory.AlignedAlloc(bytes, AbiVersion.CacheLine);
        NativeMemory.Clear(_memory, bytes);
        byte* entries = _memory + 2 * IndexLine.Size;
        _producer = new RingProducer<TxRequest>(_memory, _memory + IndexLine.Size, entries, RingSize);
        _consumer = new RingConsumer<TxRequest>(_memory, _memory + IndexLine.Size, entries, RingSize);
    }

    [GlobalCleanup]
    public void Cleanup() => NativeMemory.AlignedFree(_memory);

    [Benchmark(OperationsPerInvoke = EntriesPerInvoke)]
    public ulong ProduceConsume()
    {
        ulong sum = 0;
        for (int done = 0; done < EntriesPerInvoke; done += (int)Batch)
        {
            uint n = _producer.Reserve(Batch, out uint index);
            for (uint i = 0; i < n; i++)
            {
                ref var slot = ref _producer[index + i];
                slot.Offset = (ulong)(index + i) << 11;
                slot.Length = 64;
                slot.Options = 0;
            }
            _producer.Submit(n);

            uint got = _consumer.Peek(Batch, out uint at);
            for (uint i = 0; i < got; i++)
            {
                var request = _consumer.Read(at + i);
                sum += request.Offset + request.Length;
            }
            _consumer.Release(got);
        }
        return sum;
    }
}
