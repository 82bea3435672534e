using Mediator.Abi;
using Mediator.Rings;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Tests.Shared.Rings;

/// <summary>
/// One ring's two index lines and its entries in private anonymous memory, the entries ending exactly
/// at a PROT_NONE guard page: a read or write one slot past the ring kills the test host instead of
/// passing quietly.
/// </summary>
internal sealed unsafe class RingMemory<T> : IDisposable where T : unmanaged
{
    private const int Page = 4096;
    private readonly byte* _base;
    private readonly long _length;

    public RingMemory(uint size, uint producerIndex = 0, uint consumerIndex = 0)
    {
        Size = size;
        long entryBytes = size * (long)sizeof(T);
        long body = (2 * IndexLine.Size + entryBytes + Page - 1) / Page * Page;
        _length = body + Page;
        _base = (byte*)mmap(null, (size_t)(ulong)_length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (_base == (byte*)-1)
        {
            throw new InvalidOperationException("mmap failed");
        }
        if (mprotect(_base + body, Page, PROT_NONE) != 0)
        {
            throw new InvalidOperationException("mprotect failed");
        }
        Entries = _base + body - entryBytes;
        ProducerLine->Index = producerIndex;
        ConsumerLine->Index = consumerIndex;
    }

    public uint Size { get; }

    public IndexLine* ProducerLine => (IndexLine*)_base;

    public IndexLine* ConsumerLine => (IndexLine*)(_base + IndexLine.Size);

    public byte* Entries { get; }

    public RingProducer<T> Producer() => new((byte*)ProducerLine, (byte*)ConsumerLine, Entries, Size);

    public RingConsumer<T> Consumer() => new((byte*)ProducerLine, (byte*)ConsumerLine, Entries, Size);

    public void Dispose() => _ = munmap(_base, (size_t)(ulong)_length);
}
