using Mediator.Native;

namespace Mediator.Broker.Device;

/// <summary>
/// A port cabled to a Linux TAP interface: frames the port transmits are written to the interface (the
/// Linux stack receives them), frames the Linux stack sends out of the interface are read on each
/// <see cref="Poll"/> and received by the port, which steers them by destination MAC (broadcasts to every
/// queue with an address filter, see <see cref="NicPort"/>). Created by the broker at start, removed when
/// it is disposed (the descriptor closes, and a non-persistent TAP interface goes with it, even after it
/// was moved into another network namespace).
/// </summary>
/// <remarks>
/// Everything runs on the thread that steps the device, so it works with inline stepping: each poll reads
/// at most a burst of frames (one non-blocking <c>read(2)</c> each, the TAP interface has no batch read)
/// into a reused <see cref="FrameBatch"/> and hands it to the port in one call; no allocation per frame.
/// A poll that finds nothing costs one <c>read</c> returning EAGAIN. The descriptor (<see cref="Descriptor"/>)
/// can be added to an epoll set so that a sleeping data path wakes when Linux sends a frame. Neither
/// direction ever throws on the data path: a failed write is a drop on the wire (counted), and a read
/// error that means the interface is gone (deleted, or its namespace removed) detaches the wire.
/// </remarks>
public sealed unsafe class TapWire : Wire, IDisposable
{
    private const int EBADFD = 77;
    private const int EIO = 5;

    private readonly NicPort _port;
    private readonly FileDescriptor _fd;
    private readonly FrameBatch _batch;
    private long _txFrames, _txBytes, _txDrops, _rxFrames, _rxBytes, _rxDelivered, _rxErrors;
    private volatile bool _detached;

    /// <summary>Creates the interface <paramref name="interfaceName"/> and cables it to <paramref name="port"/>'s receive side.</summary>
    /// <exception cref="TapException">No /dev/net/tun, no CAP_NET_ADMIN, or the name is invalid or in use.</exception>
    public TapWire(NicPort port, string interfaceName, int burst = 64)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _port = port;
        _fd = TunTap.Open(interfaceName, out string actual);
        InterfaceName = actual;
        LinuxMac = TunTap.HardwareAddress(_fd);
        _batch = new FrameBatch(burst);
    }

    /// <summary>The interface's name as the kernel made it.</summary>
    public string InterfaceName { get; }

    /// <summary>The Linux side's MAC address (null if it could not be read).</summary>
    public byte[]? LinuxMac { get; }

    /// <summary>The TAP descriptor (readable when Linux has sent a frame), for an epoll set.</summary>
    public FileDescriptor Descriptor => _fd;

    /// <summary>Called once, on the stepping thread, when a read says the interface is gone.</summary>
    public Action<TapWire, int>? Detached { get; set; }

    /// <summary>Whether the interface went away under the wire (reads and writes have stopped).</summary>
    public bool IsDetached => _detached;

    /// <summary>Frames written to the interface (port TX → Linux).</summary>
    public long TxFrames => Volatile.Read(ref _txFrames); // single writer (stepping thread); torn reads impossible on 64-bit

    /// <summary>Bytes written to the interface.</summary>
    public long TxBytes => Volatile.Read(ref _txBytes);

    /// <summary>Frames the interface refused (link down, queue full, interface gone): dropped on the wire.</summary>
    public long TxDrops => Volatile.Read(ref _txDrops);

    /// <summary>Frames read from the interface (Linux → port RX).</summary>
    public long RxFrames => Volatile.Read(ref _rxFrames);

    /// <summary>Bytes read from the interface.</summary>
    public long RxBytes => Volatile.Read(ref _rxBytes);

    /// <summary>RX descriptors the port filled with frames read here (a broadcast may fill several).</summary>
    public long RxDelivered => Volatile.Read(ref _rxDelivered);

    /// <summary>Failed reads other than "nothing waiting".</summary>
    public long RxErrors => Volatile.Read(ref _rxErrors);

    /// <inheritdoc />
    public override void Transmit(NicPort from, FrameBatch frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (_detached)
        {
            _txDrops += frames.Count;
            return;
        }
        for (int i = 0; i < frames.Count; i++)
        {
            int length = frames.FrameLength(i);
            if (TunTap.Write(_fd, frames.FramePointer(i), length) == 0)
            {
                _txFrames++;
                _txBytes += length;
            }
            else
            {
                _txDrops++;
            }
        }
    }

    /// <inheritdoc />
    public override bool IsSource => true;

    /// <inheritdoc />
    public override int Poll(int budget, long timestamp)
    {
        if (_detached)
        {
            return 0;
        }
        _batch.Clear();
        int max = Math.Min(budget, _batch.Capacity);
        while (_batch.Count < max)
        {
            int n = TunTap.Read(_fd, _batch.ReservePointer(), FrameBatch.MaxFrameSize);
            if (n > 0)
            {
                _batch.Commit(n);
                _rxBytes += n;
                continue;
            }
            if (n < 0)
            {
                _rxErrors++;
                if (-n is EBADFD or EIO or Errno.EBADF)
                {
                    _detached = true;
                    Detached?.Invoke(this, -n);
                }
            }
            break;
        }
        int count = _batch.Count;
        if (count == 0)
        {
            return 0;
        }
        _rxFrames += count;
        _rxDelivered += _port.Receive(_batch);
        _batch.Clear();
        return count;
    }

    /// <summary>Closes the descriptor: the interface disappears (unless an administrator made it persistent).</summary>
    public void Dispose() => _fd.Dispose();
}
