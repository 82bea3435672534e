using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;

namespace Mediator.Client;

/// <summary>
/// Everything an OpenQueueReply hands over, checked and mapped: the UMEM and client area read-write,
/// the broker area read-only, and the four eventfds. It owns all seven descriptors from the moment it
/// is asked to attach: on any failure every one of them is closed before the exception leaves.
/// </summary>
internal sealed unsafe class QueueMapping : IDisposable
{
    private readonly FileDescriptor[] _fds;
    private MappedMemory? _umem;
    private MappedMemory? _clientArea;
    private MappedMemory? _brokerArea;
    private bool _disposed;

    private QueueMapping(FileDescriptor[] fds, QueueLayout layout)
    {
        _fds = fds;
        Layout = layout;
        TxKick = new EventFd(fds[(int)QueueFd.TxKick]);
        FillKick = new EventFd(fds[(int)QueueFd.FillKick]);
        RxNotify = new EventFd(fds[(int)QueueFd.RxNotify]);
        TxNotify = new EventFd(fds[(int)QueueFd.TxNotify]);
    }

    /// <summary>The layout of both areas, from the granted geometry.</summary>
    public QueueLayout Layout { get; }

    /// <summary>The UMEM, read-write.</summary>
    public MappedMemory Umem => _umem!;

    /// <summary>The client area (our producer/consumer lines and request entries), read-write.</summary>
    public MappedMemory ClientArea => _clientArea!;

    /// <summary>The broker area (its lines, completion and RX entries), read-only.</summary>
    public MappedMemory BrokerArea => _brokerArea!;

    /// <summary>The broker area memfd as received (kept for diagnostics and tests).</summary>
    public FileDescriptor BrokerAreaFd => _fds[(int)QueueFd.BrokerArea];

    /// <summary>All seven received descriptors, in <see cref="QueueFd"/> order.</summary>
    public IReadOnlyList<FileDescriptor> Fds => _fds;

    /// <summary>Signalled after TX entries when the broker sleeps.</summary>
    public EventFd TxKick { get; }

    /// <summary>Signalled after fill entries when the broker sleeps.</summary>
    public EventFd FillKick { get; }

    /// <summary>Signalled by the broker after RX entries when we sleep.</summary>
    public EventFd RxNotify { get; }

    /// <summary>Signalled by the broker after completions when we sleep.</summary>
    public EventFd TxNotify { get; }

    /// <summary>
    /// Checks <paramref name="reply"/> and <paramref name="fds"/> and maps the areas. Takes ownership
    /// of every descriptor in <paramref name="fds"/>, whatever happens.
    /// </summary>
    /// <exception cref="MediatorException">The reply or the descriptors are not what the ABI promises.</exception>
    public static QueueMapping Attach(in OpenQueueReply reply, IReadOnlyList<FileDescriptor> fds)
    {
        QueueMapping? mapping = null;
        try
        {
            if (reply.FdCount != QueueFdCount || fds.Count != QueueFdCount)
            {
                throw Bad($"expected {QueueFdCount} descriptors, the reply announces {reply.FdCount} and carries {fds.Count}");
            }
            if (reply.Geometry.Validate() is { } geometryError)
            {
                throw Bad($"granted geometry is invalid: {geometryError}");
            }
            var layout = new QueueLayout(reply.Geometry);
            if (reply.UmemSize != reply.Geometry.UmemSize || reply.ClientAreaSize != (ulong)layout.ClientAreaSize
                || reply.BrokerAreaSize != (ulong)layout.BrokerAreaSize)
            {
                throw Bad($"sizes in the reply (umem {reply.UmemSize}, client area {reply.ClientAreaSize}, broker area {reply.BrokerAreaSize}) "
                    + $"disagree with the geometry {reply.Geometry} (umem {reply.Geometry.UmemSize}, {layout.ClientAreaSize}, {layout.BrokerAreaSize})");
            }
            mapping = new QueueMapping([.. fds], layout);
            mapping.MapAll(reply);
            return mapping;
        }
        catch
        {
            if (mapping is not null)
            {
                mapping.Dispose();
            }
            else
            {
                foreach (var fd in fds)
                {
                    fd.Dispose();
                }
            }
            throw;
        }
    }

    private const int QueueFdCount = 7;

    private void MapAll(in OpenQueueReply reply)
    {
        // fstat each memfd: a file smaller than promised would SIGBUS us on first touch.
        CheckSize(QueueFd.Umem, reply.UmemSize);
        CheckSize(QueueFd.ClientArea, reply.ClientAreaSize);
        CheckSize(QueueFd.BrokerArea, reply.BrokerAreaSize);
        _umem = MappedMemory.Map(_fds[(int)QueueFd.Umem], (long)reply.UmemSize, MapAccess.ReadWrite);
        _clientArea = MappedMemory.Map(_fds[(int)QueueFd.ClientArea], (long)reply.ClientAreaSize, MapAccess.ReadWrite);
        // Read-only by design: the broker sealed it with F_SEAL_FUTURE_WRITE, a writable map would fail.
        _brokerArea = MappedMemory.Map(_fds[(int)QueueFd.BrokerArea], (long)reply.BrokerAreaSize, MapAccess.ReadOnly);
        CheckHeader(_clientArea, AbiVersion.ClientAreaMagic, "client area", reply);
        CheckHeader(_brokerArea, AbiVersion.BrokerAreaMagic, "broker area", reply);
    }

    private void CheckSize(QueueFd which, ulong expected)
    {
        long actual = Memfd.GetSize(_fds[(int)which]);
        if ((ulong)actual != expected)
        {
            throw Bad($"{which} memfd is {actual} bytes, the reply says {expected}");
        }
    }

    private static void CheckHeader(MappedMemory area, uint magic, string name, in OpenQueueReply reply)
    {
        var header = MemoryMarshal.Read<AreaHeader>(new ReadOnlySpan<byte>(area.Pointer, AreaHeader.Size));
        if (header.Magic != magic || header.Version != AbiVersion.Current || header.HeaderSize != AreaHeader.Size)
        {
            throw Bad($"{name} header has magic 0x{header.Magic:X8} version {header.Version} size {header.HeaderSize}; "
                + $"expected 0x{magic:X8} version {AbiVersion.Current} size {AreaHeader.Size}");
        }
        if (header.Geometry != reply.Geometry || header.AreaSize != (ulong)area.Length)
        {
            throw Bad($"{name} header describes {header.Geometry} in {header.AreaSize} bytes; the reply {reply.Geometry} in {area.Length}");
        }
    }

    private static MediatorException Bad(string text) => new(ErrorCode.Malformed, MessageType.OpenQueue, text, fromBroker: false);

    /// <summary>Unmaps the areas and closes all seven descriptors. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _umem?.Dispose();
        _clientArea?.Dispose();
        _brokerArea?.Dispose();
        foreach (var fd in _fds)
        {
            fd.Dispose(); // the EventFd wrappers share these handles; SafeHandle closes once
        }
    }
}
