using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Broker.Device;

/// <summary>
/// <b>Model</b>: one TX queue's doorbell page (<see cref="DoorbellPage"/>), a memfd of one page the
/// device polls instead of the queue's TDT in BAR0 while the page is attached
/// (<see cref="NicPort.AttachTxDoorbellPage"/>). Handing <see cref="File"/> to a client lets it ring
/// this queue's doorbell and no other register. Owned by the port; freed by
/// <see cref="NicPort.DetachTxDoorbellPage"/>.
/// </summary>
public sealed unsafe class TxDoorbellPage
{
    private readonly MappedMemory _memory;

    internal TxDoorbellPage(string name, int queue)
    {
        Queue = queue;
        File = Memfd.Create(name, DoorbellPage.Size);
        try
        {
            _memory = MappedMemory.Map(File, DoorbellPage.Size, MapAccess.ReadWrite);
        }
        catch
        {
            File.Dispose();
            throw;
        }
    }

    /// <summary>The TX queue whose doorbell this is.</summary>
    public int Queue { get; }

    /// <summary>The page's memfd (<see cref="DoorbellPage.Size"/> bytes).</summary>
    public FileDescriptor File { get; }

    /// <summary>The tail word the device acquire-loads.</summary>
    internal uint* Tail => (uint*)(_memory.Pointer + DoorbellPage.TxTail);

    /// <summary>Driver access: release-stores the tail (descriptors written before are visible to the device first).</summary>
    public void WriteTail(uint tail) => Volatile.Write(ref *Tail, tail);

    /// <summary>The tail as last written.</summary>
    public uint ReadTail() => Volatile.Read(ref *Tail);

    internal void Free()
    {
        _memory.Dispose();
        File.Dispose();
    }
}
