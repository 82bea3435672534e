using BenchmarkDotNet.Attributes;
using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;

namespace Mediator.Bench.Device;

/// <summary>
/// Posting a batch to the device TX ring, per descriptor: <see cref="QueueDriver.WriteTx"/> (one 16-byte
/// advanced descriptor store into the broker-private ring) for each request, then one TDT doorbell
/// (a release store into BAR0) per batch. The device is never stepped; the ring is rewritten in place.
/// </summary>
[MemoryDiagnoser]
public class PostBatchBenchmarks
{
    private const int DescriptorsPerInvoke = 8192;
    private DeviceModel _device = null!;
    private QueueSession _session = null!;
    private QueueDriver _driver = null!;
    private uint _posted;

    [Params(1, 16, 64, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _device = new DeviceModel();
        var port = _device.AddPort(new NicPortOptions { QueueCount = 1 });
        _device.AddNullSink(port);
        var geometry = new QueueGeometry { FrameSize = 2048, FrameCount = 4096, TxSize = 1024, CompletionSize = 1024, FillSize = 64, RxSize = 64 };
        _session = QueueFactory.Create(_device, 1, 1, 0, geometry, 1514, 0);
        _driver = _session.Driver;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        QueueTeardown.Run(_session, TimeSpan.Zero, null);
        _device.Dispose();
    }

    [Benchmark(OperationsPerInvoke = DescriptorsPerInvoke)]
    public uint WriteTxAndDoorbell()
    {
        var driver = _driver;
        ulong bus = driver.UmemBusAddress;
        uint posted = _posted;
        for (int done = 0; done < DescriptorsPerInvoke; done += Batch)
        {
            for (int i = 0; i < Batch; i++)
            {
                driver.WriteTx(posted, bus + ((ulong)(posted & 4095) << 11), 64);
                posted++;
            }
            driver.RingTxDoorbell(posted);
        }
        _posted = posted;
        return posted;
    }
}
