using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using Mediator.Client;
using Mediator.Control;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Bench.Client;

/// <summary>
/// Per-packet cost of the client library's zero-copy batch API, on a real <see cref="ClientQueue"/>
/// mapped over a real broker <see cref="QueueSession"/> in this process (the same memfds the broker would
/// send, duplicated; the broker area mapped read-only as a client maps it), single thread:
/// <list type="bullet">
/// <item><see cref="ClientTx"/>: frame allocation + ReserveTx/TxSlot/SubmitTx + ReapCompletions (frames
/// freed), against the real broker side (TxPath intake, an ideal device that only writes DD, TxPath reap);
/// compare with <c>MediationBenchmarks.TxValidatePostReap</c> for the broker's share;</item>
/// <item><see cref="ClientTxOnly"/>: the same client calls against a null broker that just moves each
/// request to the completion ring (ring copies only), i.e. the client library's own cost.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public unsafe class ClientQueueBenchmarks
{
    private const int PacketsPerInvoke = 8192;
    private DeviceModel _device = null!;
    private QueueSession _session = null!;
    private ClientQueue _queue = null!;

    [Params(1, 16, 64, 256)]
    public uint Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _device = new DeviceModel();
        var port = _device.AddPort(new NicPortOptions { QueueCount = 1 });
        _device.AddNullSink(port);
        var geometry = new QueueGeometry { FrameSize = 2048, FrameCount = 4096, TxSize = 1024, CompletionSize = 1024, FillSize = 64, RxSize = 64 };
        _session = QueueFactory.Create(_device, 1, 1, 0, geometry, 1514, 0);
        _queue = Attach(_session);
    }

    /// <summary>Builds the client's view the way <c>MediatorClient.OpenQueue</c> does, from duplicates of the session's descriptors.</summary>
    internal static ClientQueue Attach(QueueSession session)
    {
        var reply = new OpenQueueReply
        {
            QueueId = session.QueueId, DeviceQueue = (uint)session.Driver.Queue, Geometry = session.Geometry,
            UmemSize = session.Geometry.UmemSize, ClientAreaSize = (ulong)session.Layout.ClientAreaSize,
            BrokerAreaSize = (ulong)session.Layout.BrokerAreaSize, FdCount = 7,
        };
        var m = session.Memory;
        var e = session.Events;
        FileDescriptor[] fds =
        [
            Dup(m.UmemFd), Dup(m.ClientAreaFd), Dup(m.BrokerAreaFd),
            Dup(e.TxKick.Handle), Dup(e.FillKick.Handle), Dup(e.RxNotify.Handle), Dup(e.TxNotify.Handle),
        ];
        var mapping = QueueMapping.Attach(reply, fds);
        // The control connection is never used on the data path; the benchmark never disposes the queue
        // through it (it would send CloseQueue), only its mapping.
        var client = (MediatorClient)RuntimeHelpers.GetUninitializedObject(typeof(MediatorClient));
        return new ClientQueue(client, reply, mapping);
    }

    private static FileDescriptor Dup(FileDescriptor fd)
    {
        int copy = Tmds.Linux.LibC.dup(fd.Fd);
        if (copy < 0)
        {
            NativeException.ThrowLastError("dup");
        }
        return new FileDescriptor(copy);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _queue.Mapping.Dispose();
        QueueTeardown.Run(_session, TimeSpan.Zero, null);
        _device.Dispose();
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke)]
    public long ClientTx()
    {
        var q = _queue;
        var driver = _session.Driver;
        for (int done = 0; done < PacketsPerInvoke; done += (int)Batch)
        {
            Send(q, Batch);
            TxPath.Run(_session, Batch);
            for (uint slot = _session.TxCleaned; slot != _session.TxPosted; slot++)
            {
                driver.TxRing[slot & driver.TxMask].OlinfoStatus |= TxDescriptor.StatusDd;
            }
            TxPath.Run(_session, 0);
            q.ReapCompletions();
        }
        return q.Completed;
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke)]
    public long ClientTxOnly()
    {
        var q = _queue;
        var requests = _session.TxRequests;
        var completions = _session.Completions;
        for (int done = 0; done < PacketsPerInvoke; done += (int)Batch)
        {
            Send(q, Batch);
            // Null broker: requests become Ok completions, nothing else.
            uint n = requests.Peek(Batch, out uint at);
            uint room = completions.Reserve(n, out uint slot);
            for (uint i = 0; i < room; i++)
            {
                var r = requests.Read(at + i);
                ref Completion c = ref completions[slot + i];
                c.Offset = r.Offset;
                c.Length = r.Length;
                c.Status = 0;
                c.Reserved = 0;
            }
            requests.Release(room);
            completions.Submit(room);
            q.ReapCompletions();
        }
        return q.Completed;
    }

    private static void Send(ClientQueue q, uint batch)
    {
        uint n = q.ReserveTx(batch, out uint index);
        for (uint i = 0; i < n; i++)
        {
            q.Frames.TryAllocate(out ulong offset);
            ref TxRequest slot = ref q.TxSlot(index + i);
            slot.Offset = offset;
            slot.Length = 64;
            slot.Options = 0;
        }
        q.SubmitTx(n);
    }
}
