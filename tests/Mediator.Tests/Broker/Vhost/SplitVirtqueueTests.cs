using Mediator.Broker.Mediation;
using Mediator.Broker.Vhost;
using Mediator.Control;
using Mediator.Native;
using Mediator.Vhost;

namespace Mediator.Tests.Broker.Vhost;

/// <summary>
/// The virtqueue reader against a ring in a real memfd mapped through a real <see cref="GuestMemory"/>
/// (in-process): every hostile shape of chain is refused with its reason, honest chains are accepted.
/// </summary>
public sealed unsafe class SplitVirtqueueTests : IDisposable
{
    private const uint Size = 16;
    private const ulong Gpa = 0x4000_0000;
    private const long RegionSize = 1 << 20;
    private readonly FileDescriptor _fd = Memfd.Create("vq-test", RegionSize);
    private readonly MappedMemory _view;
    private readonly GuestMemory _memory;
    private readonly QueueCounters _counters = new();
    private readonly SplitVirtqueue _vq;
    private readonly ChainSegment[] _segments = new ChainSegment[VirtqLayout.MaxSize];
    private ushort _avail;

    public SplitVirtqueueTests()
    {
        _view = MappedMemory.Map(_fd, RegionSize, MapAccess.ReadWrite);
        _memory = GuestMemory.TryCreate([new VhostMemoryRegion { GuestPhysAddr = Gpa, MemorySize = RegionSize, UserspaceAddr = Gpa }], [_fd], requireSealed: false, out string? error)
            ?? throw new InvalidOperationException(error);
        _vq = new SplitVirtqueue(1, Size, _memory.Translate(Gpa, 256), _memory.Translate(Gpa + 0x1000, 64), _memory.Translate(Gpa + 0x2000, 256), 0, 0, _counters);
    }

    private VirtqDescriptor* Descriptors => (VirtqDescriptor*)_view.Pointer;

    private void Publish(ushort head)
    {
        ((ushort*)(_view.Pointer + 0x1000 + 4))[_avail % Size] = head;
        _avail++;
        *(ushort*)(_view.Pointer + 0x1000 + 2) = _avail;
    }

    private VirtqRefusal Take(bool deviceWrites, out int count, out ulong total, ulong enough = ulong.MaxValue)
    {
        Assert.NotEqual(0u, _vq.Ready(1));
        ushort head = _vq.TakeHead();
        return _vq.ReadChain(head, deviceWrites, _memory, _segments, enough, out count, out total);
    }

    [Fact]
    public void An_honest_chain_is_accepted_with_every_buffer_translated()
    {
        Descriptors[0] = new VirtqDescriptor { Address = Gpa + 0x10000, Length = 12, Flags = VirtqDescriptor.FlagNext, Next = 5 };
        Descriptors[5] = new VirtqDescriptor { Address = Gpa + 0x20000, Length = 1000 };
        Publish(0);
        Assert.Equal(VirtqRefusal.None, Take(false, out int count, out ulong total));
        Assert.Equal(2, count);
        Assert.Equal(1012ul, total);
        Assert.True(_segments[1].Host == _memory.Translate(Gpa + 0x20000, 1));
    }

    public static TheoryData<string, string> Hostile => new()
    {
        { "loop", nameof(VirtqRefusal.ChainLoop) },
        { "self-loop", nameof(VirtqRefusal.ChainLoop) },
        { "head-out-of-range", nameof(VirtqRefusal.IndexOutOfRange) },
        { "next-out-of-range", nameof(VirtqRefusal.IndexOutOfRange) },
        { "below-region", nameof(VirtqRefusal.OutsideMemory) },
        { "straddles-end", nameof(VirtqRefusal.OutsideMemory) },
        { "wraps", nameof(VirtqRefusal.OutsideMemory) },
        { "zero-length", nameof(VirtqRefusal.BadLength) },
        { "writable-on-tx", nameof(VirtqRefusal.WrongDirection) },
        { "indirect", nameof(VirtqRefusal.Indirect) },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_tx_chain_is_refused_with_its_reason(string kind, string expected)
    {
        var d = Descriptors;
        ulong good = Gpa + 0x10000;
        ushort head = 3;
        switch (kind)
        {
            case "loop":
                d[3] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagNext, Next = 4 };
                d[4] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagNext, Next = 3 };
                break;
            case "self-loop": d[3] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagNext, Next = 3 }; break;
            case "head-out-of-range": head = (ushort)Size; break;
            case "next-out-of-range": d[3] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagNext, Next = 60000 }; break;
            case "below-region": d[3] = new VirtqDescriptor { Address = Gpa - 10, Length = 64 }; break;
            case "straddles-end": d[3] = new VirtqDescriptor { Address = Gpa + RegionSize - 10, Length = 64 }; break;
            case "wraps": d[3] = new VirtqDescriptor { Address = ulong.MaxValue - 10, Length = 64 }; break;
            case "zero-length": d[3] = new VirtqDescriptor { Address = good, Length = 0 }; break;
            case "writable-on-tx": d[3] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagWrite }; break;
            case "indirect": d[3] = new VirtqDescriptor { Address = good, Length = 64, Flags = VirtqDescriptor.FlagIndirect }; break;
        }
        Publish(head);
        Assert.Equal(expected, Take(false, out _, out _).ToString());
    }

    [Fact]
    public void A_read_only_buffer_in_an_rx_chain_is_refused()
    {
        Descriptors[2] = new VirtqDescriptor { Address = Gpa + 0x10000, Length = 2048 };
        Publish(2);
        Assert.Equal(VirtqRefusal.WrongDirection, Take(true, out _, out _));
    }

    [Fact]
    public void An_rx_chain_is_walked_only_as_far_as_the_frame_needs()
    {
        // A loop behind the buffers the frame needs is never reached (the device may use part of a chain).
        Descriptors[0] = new VirtqDescriptor { Address = Gpa + 0x10000, Length = 2048, Flags = VirtqDescriptor.FlagWrite | VirtqDescriptor.FlagNext, Next = 1 };
        Descriptors[1] = new VirtqDescriptor { Address = Gpa + 0x10000, Length = 2048, Flags = VirtqDescriptor.FlagWrite | VirtqDescriptor.FlagNext, Next = 1 };
        Publish(0);
        Assert.Equal(VirtqRefusal.None, Take(true, out int count, out _, enough: 1000));
        Assert.Equal(1, count);
    }

    [Fact]
    public void An_available_index_jump_is_counted_once_and_nothing_is_taken()
    {
        *(ushort*)(_view.Pointer + 0x1000 + 2) = (ushort)(Size + 1);
        Assert.Equal(0u, _vq.Ready(1));
        Assert.Equal(0u, _vq.Ready(1));
        Assert.Equal(1, _counters.Read(QueueCounter.VhostRefusedAvailIndexJump));
        *(ushort*)(_view.Pointer + 0x1000 + 2) = 0xFFFF; // "backwards" is a jump too
        Assert.Equal(0u, _vq.Ready(1));
        Assert.Equal(2, _counters.Read(QueueCounter.VhostRefusedAvailIndexJump));
        *(ushort*)(_view.Pointer + 0x1000 + 2) = (ushort)Size; // a full ring is honest
        Assert.Equal(Size, _vq.Ready(1));
    }

    [Fact]
    public void Used_entries_become_visible_with_the_index_and_the_interrupt_flag_is_honoured()
    {
        _vq.PutUsed(7, 100);
        Assert.Equal(0, *(ushort*)(_view.Pointer + 0x2000 + 2)); // not yet published
        Assert.True(_vq.PublishUsed());
        Assert.Equal(1, *(ushort*)(_view.Pointer + 0x2000 + 2));
        var e = *(VirtqUsedElement*)(_view.Pointer + 0x2000 + 4);
        Assert.Equal(7u, e.Id);
        Assert.Equal(100u, e.Length);
        *(ushort*)(_view.Pointer + 0x1000) = VirtqLayout.AvailNoInterrupt;
        _vq.PutUsed(8, 0);
        Assert.False(_vq.PublishUsed()); // the driver polls: no signal
        Assert.False(_vq.PublishUsed()); // nothing new: no signal either
    }

    public void Dispose()
    {
        _memory.Dispose();
        _view.Dispose();
        _fd.Dispose();
    }
}
