using BenchmarkDotNet.Attributes;
using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using Mediator.Nic;
using Mediator.Rings;

namespace Mediator.Bench.Mediation;

/// <summary>
/// The broker's mediation capacity on one core: per TX request, the client's ring produce, the broker's
/// copy + validate + ownership + translate + descriptor write + doorbell (one per batch), the device's
/// completion (an ideal device that only writes DD back, so the device model's cost is excluded), the
/// broker's reap into the completion ring, and the client's consume. Real QueueSession, real rings over
/// real memfd mappings, single thread. <see cref="ValidateTranslate"/> isolates the validator, the
/// ownership claim and the translation from the rings and the descriptor stores.
/// </summary>
[MemoryDiagnoser]
public unsafe class MediationBenchmarks
{
    private const int RequestsPerInvoke = 8192;
    private DeviceModel _device = null!;
    private QueueSession _session = null!;
    private RingProducer<TxRequest> _clientTx = null!;
    private RingConsumer<Completion> _clientCompletions = null!;
    private uint _frame;

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
        byte* c = _session.Memory.ClientArea.Pointer;
        byte* b = _session.Memory.BrokerArea.Pointer;
        _clientTx = new RingProducer<TxRequest>(c + QueueLayout.TxProducer, b + QueueLayout.TxConsumer, c + QueueLayout.TxEntries, geometry.TxSize);
        _clientCompletions = new RingConsumer<Completion>(b + QueueLayout.CompletionProducer, c + QueueLayout.CompletionConsumer, b + QueueLayout.CompletionEntries, geometry.CompletionSize);
        _requests = new TxRequest[Batch];
        for (uint i = 0; i < Batch; i++)
        {
            _requests[i] = new TxRequest { Offset = (ulong)i << 11, Length = 64, Options = 0 };
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        QueueTeardown.Run(_session, TimeSpan.Zero, null);
        _device.Dispose();
    }

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    public long TxValidatePostReap()
    {
        long completed = 0;
        var driver = _session.Driver;
        for (int done = 0; done < RequestsPerInvoke; done += (int)Batch)
        {
            uint n = _clientTx.Reserve(Batch, out uint index);
            for (uint i = 0; i < n; i++)
            {
                ref var r = ref _clientTx[index + i];
                r.Offset = (ulong)(_frame++ & 4095) << 11;
                r.Length = 64;
                r.Options = 0;
            }
            _clientTx.Submit(n);
            TxPath.Run(_session, Batch); // intake: copy, validate, own, translate, post, doorbell
            CompleteAll(driver);         // the ideal device: DD on everything posted
            TxPath.Run(_session, 0);     // reap into the completion ring
            uint got = _clientCompletions.Peek(uint.MaxValue, out uint at);
            for (uint i = 0; i < got; i++)
            {
                completed += _clientCompletions.Read(at + i).Length;
            }
            _clientCompletions.Release(got);
        }
        return completed;
    }

    /// <summary>
    /// TxValidator + ownership claim/release + translation to a bus address only: the per-request work
    /// of the broker with no ring, no descriptor store and no device (the mediation's own arithmetic).
    /// </summary>
    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    public ulong ValidateTranslate()
    {
        var s = _session;
        var batch = _requests;
        var ownership = s.Ownership;
        ulong umemSize = s.UmemSize, umemBus = s.Driver.UmemBusAddress, sum = 0;
        uint frameMask = s.FrameMask, maxLength = s.MaxFrameLength;
        int shift = s.FrameShift;
        for (int done = 0; done < RequestsPerInvoke; done += (int)Batch)
        {
            for (uint i = 0; i < Batch; i++)
            {
                ref TxRequest r = ref batch[i];
                if (TxValidator.Validate(in r, umemSize, frameMask, maxLength) == RequestStatus.Ok)
                {
                    uint frame = (uint)(r.Offset >> shift);
                    if (ownership.IsTxFree(frame))
                    {
                        ownership.ClaimTx(frame);
                        sum += umemBus + r.Offset + r.Length; // the translation
                    }
                }
            }
            FrameOwnership.Fence(); // once per batch, as TxPath does
            for (uint i = 0; i < Batch; i++)
            {
                uint frame = (uint)(batch[i].Offset >> shift);
                if (!ownership.IsRxPosted(frame))
                {
                    ownership.ReleaseTx(frame); // stands in for the reap, so the next batch finds frames free
                }
            }
        }
        return sum;
    }

    private TxRequest[] _requests = [];

    private void CompleteAll(QueueDriver driver)
    {
        for (uint slot = _session.TxCleaned; slot != _session.TxPosted; slot++)
        {
            driver.TxRing[slot & driver.TxMask].OlinfoStatus |= TxDescriptor.StatusDd;
        }
    }
}
