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
/// real memfd mappings, single thread.
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

    private void CompleteAll(QueueDriver driver)
    {
        for (uint slot = _session.TxCleaned; slot != _session.TxPosted; slot++)
        {
            driver.TxRing[slot & driver.TxMask].OlinfoStatus |= TxDescriptor.StatusDd;
        }
    }
}
