using BenchmarkDotNet.Attributes;

namespace Mediator.Bench.Device;

/// <summary>
/// Target 2 of issue 6 on one core: ns per frame of a whole broker round with the device model stepped
/// inline (<see cref="BrokerCoreLoop"/>): client produce, TX intake (copy, validate, own, translate,
/// post, doorbell), the device's TX step (descriptor fetch, frame read, DD write-back, all by audited DMA),
/// reap into the completion ring, client consume; with the loopback wire also the device's RX DMA, RX
/// delivery to the client's ring and the fill re-arm. 1e9 / ns = frames per second on one core.
/// </summary>
[MemoryDiagnoser]
public class BrokerCoreBenchmarks
{
    private const int FramesPerInvoke = 16384;
    private BrokerCoreLoop _loop = null!;

    [Params("Null", "Loopback")]
    public string Wire { get; set; } = "Null";

    [Params(64u, 256u)]
    public uint Batch { get; set; }

    [GlobalSetup]
    public void Setup() => _loop = new BrokerCoreLoop(Wire, 64);

    [GlobalCleanup]
    public void Cleanup() => _loop.Dispose();

    [Benchmark(OperationsPerInvoke = FramesPerInvoke)]
    public long RoundPerFrame()
    {
        _loop.Run(FramesPerInvoke, Batch);
        return _loop.Completed;
    }
}
