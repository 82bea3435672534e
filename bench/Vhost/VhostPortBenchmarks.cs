using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Mediator.Abi;
using Mediator.Broker.ControlPlane;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using Mediator.Broker.Vhost;
using Mediator.Native;
using Mediator.Nic;
using Mediator.Rings;
using Mediator.Vhost;

namespace Mediator.Bench.Vhost;

/// <summary>
/// What a vhost-user port adds to the broker's TX mediation, per frame, single thread: the baseline is a
/// library client (it writes the TX request itself); the port reads the guest's virtqueue (available
/// index, head, descriptor, translation through the memory table), copies the 64-byte frame into the
/// queue's UMEM, writes the request, returns the chain in the used ring, and recycles completions. Both
/// then go through the same TxPath intake, an ideal device (DD only) and the reap. Real QueueSessions
/// over real memfd mappings; the guest's memory is a real memfd mapped through <see cref="GuestMemory"/>.
/// </summary>
[MemoryDiagnoser]
public unsafe class VhostPortBenchmarks
{
    private const int FramesPerInvoke = 8192;
    private const uint Ring = 256;
    private const ulong Gpa = 0x4000_0000;
    private DeviceModel _device = null!;
    private QueueSession _library = null!;
    private QueueSession _vhost = null!;
    private RingProducer<TxRequest> _libraryTx = null!;
    private RingConsumer<Completion> _libraryCompletions = null!;
    private SessionSet _sessions = null!;
    private VhostPort _port = null!;
    private FileDescriptor _guestFd = null!;
    private MappedMemory _guest = null!;
    private GuestMemory _guestMemory = null!;
    private ushort _avail;
    private uint _frame;

    [Params(16, 64)]
    public uint Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _device = new DeviceModel();
        var nic = _device.AddPort(new NicPortOptions { QueueCount = 2 });
        _device.AddNullSink(nic);
        var geometry = ControlServer.VhostGeometry;
        _library = QueueFactory.Create(_device, 1, 1, 0, geometry, 1514, 0);
        byte* c = _library.Memory.ClientArea.Pointer;
        byte* b = _library.Memory.BrokerArea.Pointer;
        _libraryTx = new RingProducer<TxRequest>(c + QueueLayout.TxProducer, b + QueueLayout.TxConsumer, c + QueueLayout.TxEntries, geometry.TxSize);
        _libraryCompletions = new RingConsumer<Completion>(b + QueueLayout.CompletionProducer, c + QueueLayout.CompletionConsumer, b + QueueLayout.CompletionEntries, geometry.CompletionSize);

        _vhost = QueueFactory.Create(_device, 2, 1, 1, geometry, 1514, 0);
        _sessions = new SessionSet(s => s.Events.TxKick);
        _port = new VhostPort(_vhost, _sessions, Batch);
        _vhost.Front = _port;

        // The guest: TX vring at 0 (descriptors), 0x1000 (available), 0x2000 (used); 256 buffers at 1 MiB,
        // each a 12-byte header and a 64-byte frame, one descriptor per chain.
        _guestFd = Memfd.Create("bench-guest", 4 << 20);
        _guest = MappedMemory.Map(_guestFd, 4 << 20, MapAccess.ReadWrite);
        _guestMemory = GuestMemory.TryCreate([new VhostMemoryRegion { GuestPhysAddr = Gpa, MemorySize = 4 << 20, UserspaceAddr = Gpa }], [_guestFd], false, out string? error)
            ?? throw new InvalidOperationException(error);
        var d = (VirtqDescriptor*)_guest.Pointer;
        for (uint i = 0; i < Ring; i++)
        {
            d[i] = new VirtqDescriptor { Address = Gpa + 0x100000 + i * 2048, Length = VirtioNetHeader.Size + 64 };
            new Span<byte>(_guest.Pointer + 0x100000 + i * 2048, VirtioNetHeader.Size + 64).Fill((byte)i);
        }
        var vq = new SplitVirtqueue(1, Ring, _guestMemory.Translate(Gpa, 4096), _guestMemory.Translate(Gpa + 0x1000, 1024), _guestMemory.Translate(Gpa + 0x2000, 4096), 0, 0, _vhost.DataPathCounters);
        var rings = new VhostRings { Tx = vq, HeaderSize = VirtioNetHeader.Size, Memory = _guestMemory };
        // The handover completes when the data path (this thread, below) takes it.
        var install = Task.Run(() => _port.Install(rings, TimeSpan.FromSeconds(30)));
        while (!install.IsCompleted)
        {
            _port.PumpTx();
        }
        install.GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _port.Detach();
        QueueTeardown.Run(_library, TimeSpan.Zero, null);
        QueueTeardown.Run(_vhost, TimeSpan.Zero, null);
        _guestMemory.Dispose();
        _guest.Dispose();
        _guestFd.Dispose();
        _sessions.Dispose();
        _device.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = FramesPerInvoke)]
    public long LibraryClient()
    {
        long completed = 0;
        for (int done = 0; done < FramesPerInvoke; done += (int)Batch)
        {
            uint n = _libraryTx.Reserve(Batch, out uint index);
            for (uint i = 0; i < n; i++)
            {
                ref var r = ref _libraryTx[index + i];
                r.Offset = (ulong)(_frame++ & 2047) << 11;
                r.Length = 64;
                r.Options = 0;
            }
            _libraryTx.Submit(n);
            TxPath.Run(_library, Batch);
            CompleteAll(_library);
            TxPath.Run(_library, 0);
            uint got = _libraryCompletions.Peek(uint.MaxValue, out uint at);
            for (uint i = 0; i < got; i++)
            {
                completed += _libraryCompletions.Read(at + i).Length;
            }
            _libraryCompletions.Release(got);
        }
        return completed;
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke)]
    public long VhostGuest()
    {
        long work = 0;
        ushort* availRing = (ushort*)(_guest.Pointer + 0x1004);
        for (int done = 0; done < FramesPerInvoke; done += (int)Batch)
        {
            for (uint i = 0; i < Batch; i++)
            {
                availRing[_avail % Ring] = (ushort)(_avail % Ring);
                _avail++;
            }
            Volatile.Write(ref *(ushort*)(_guest.Pointer + 0x1002), _avail); // release: the guest publishes
            work += _port.PumpTx();   // reap, take the guest's chains, copy, post requests, return chains
            TxPath.Run(_vhost, Batch); // the same intake as the library client's
            CompleteAll(_vhost);
            TxPath.Run(_vhost, 0);
        }
        return work;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CompleteAll(QueueSession s)
    {
        var driver = s.Driver;
        for (uint slot = s.TxCleaned; slot != s.TxPosted; slot++)
        {
            driver.TxRing[slot & driver.TxMask].OlinfoStatus |= TxDescriptor.StatusDd;
        }
    }
}
