using System.Buffers.Binary;
using System.Diagnostics;
using Mediator.Client;

namespace Mediator.Eval.Runner;

/// <summary>
/// The well-behaved client: sends numbered frames to itself through the loopback wire at a paced rate
/// (well under its fair share, so any shortfall is the attacker's doing, not the CPU's), receives them,
/// and keeps a canary pattern in one UMEM frame it never sends and never lends to the broker.
/// </summary>
internal sealed class Victim : IDisposable
{
    public const ulong CanaryPattern = 0x5649_4354_494D_2121; // "VICTIM!!"
    private const int FrameLength = 128;
    private readonly MediatorClient _client;
    private readonly ClientQueue _queue;
    private readonly Thread _thread;
    private readonly double _rate;
    private readonly ulong _canaryOffset;
    private volatile bool _stop;
    private long _received;
    private long _sent;
    private long _foreign;
    private readonly int[] _seen = new int[1 << 21]; // 64 M sequence numbers: an hour at 20 000 frames/s

    public Victim(string socketPath, double framesPerSecond)
    {
        _rate = framesPerSecond;
        _client = MediatorClient.Connect(socketPath, "victim", TimeSpan.FromSeconds(10));
        _queue = _client.OpenQueue();
        if (!_queue.Frames.TryAllocate(out _canaryOffset))
        {
            throw new InvalidOperationException("no frame for the canary");
        }
        var canary = _queue.Frame(_canaryOffset, (int)_queue.Geometry.FrameSize);
        for (int i = 0; i + 8 <= canary.Length; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(canary[i..], CanaryPattern);
        }
        _thread = new Thread(Run) { Name = "eval-victim", IsBackground = true };
    }

    public MediatorClient Client => _client;
    public ClientQueue Queue => _queue;
    public ulong CanaryOffset => _canaryOffset;
    public long Received => Volatile.Read(ref _received);
    public long Sent => Volatile.Read(ref _sent);
    public long Foreign => Volatile.Read(ref _foreign);
    public Exception? Fault { get; private set; }

    public void Start() => _thread.Start();

    /// <summary>How many of the frames numbered [<paramref name="from"/>, <paramref name="to"/>) came back.</summary>
    public long DeliveredBetween(long from, long to)
    {
        long n = 0;
        for (long s = Math.Max(0, from); s < to && (ulong)s < (ulong)_seen.Length * 32; s++)
        {
            n += (Volatile.Read(ref _seen[s >> 5]) >> (int)(s & 31)) & 1;
        }
        return n;
    }

    public bool CanaryIntact()
    {
        var canary = _queue.Frame(_canaryOffset, (int)_queue.Geometry.FrameSize);
        for (int i = 0; i + 8 <= canary.Length; i += 8)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(canary[i..]) != CanaryPattern)
            {
                return false;
            }
        }
        return true;
    }

    private void Run()
    {
        try
        {
            var frame = new byte[FrameLength];
            _queue.Mac.CopyTo(frame);
            _queue.Mac.CopyTo(frame.AsSpan(6));
            frame[12] = 0x88;
            frame[13] = 0xB5;
            var rx = new byte[2048];
            var clock = Stopwatch.StartNew();
            long seq = 0;
            _queue.Refill();
            while (!_stop)
            {
                long due = (long)(clock.Elapsed.TotalSeconds * _rate) - seq;
                for (int i = 0; i < Math.Min(due, 64); i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(14), seq);
                    if (!_queue.TrySend(frame))
                    {
                        break;
                    }
                    seq++;
                    Volatile.Write(ref _sent, seq);
                }
                bool any = false;
                while (_queue.TryReceive(rx, out int length))
                {
                    any = true;
                    if (length == FrameLength && rx.AsSpan(0, 6).SequenceEqual(_queue.Mac) && rx.AsSpan(6, 6).SequenceEqual(_queue.Mac))
                    {
                        long s = BinaryPrimitives.ReadInt64LittleEndian(rx.AsSpan(14));
                        if ((ulong)s < (ulong)_seen.Length * 32)
                        {
                            Interlocked.Or(ref _seen[s >> 5], 1 << (int)(s & 31));
                        }
                        Interlocked.Increment(ref _received);
                    }
                    else
                    {
                        Interlocked.Increment(ref _foreign);
                    }
                }
                _queue.ReapCompletions();
                if (!any && due <= 0)
                {
                    _queue.WaitForRx(TimeSpan.FromMilliseconds(1));
                }
            }
        }
        catch (Exception e)
        {
            Fault = e;
        }
    }

    public void Stop()
    {
        _stop = true;
        if (_thread.IsAlive)
        {
            _thread.Join(TimeSpan.FromSeconds(10));
        }
    }

    public void Dispose()
    {
        Stop();
        try
        {
            _queue.Dispose();
            _client.Dispose();
        }
        catch (Exception e) when (e is IOException or MediatorException or Native.NativeException or TimeoutException)
        {
            // the broker may already be gone
        }
    }
}
