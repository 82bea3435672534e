using BenchmarkDotNet.Attributes;
using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;
using Mediator.Nic;

namespace Mediator.Bench.Device;

/// <summary>
/// The device model's cost per frame, the CPU a real NIC would not take: the broker posts a batch of TX
/// descriptors (plain stores + one doorbell), then <see cref="DeviceModel.Step(int)"/> latches the queue,
/// fetches each descriptor by DMA through the bus translation, copies the frame into its packet buffer
/// (audited), writes DD back, hands the burst to the wire, and services interrupts. With the
/// <c>Null</c> wire the frames are counted and dropped; with <c>Loopback</c> they come back in, are
/// steered by MAC and DMA-written into armed RX buffers (the benchmark re-arms the consumed RX
/// descriptors, a few stores per frame). Unpaced, single thread.
/// </summary>
[MemoryDiagnoser]
public unsafe class DeviceStepBenchmarks
{
    private const int FramesPerInvoke = 4096;
    private DeviceModel _device = null!;
    private QueueSession _session = null!;
    private QueueDriver _driver = null!;
    private uint _posted;
    private uint _armed;
    private uint _rxSeen;

    [Params("Null", "Loopback")]
    public string Wire { get; set; } = "Null";

    [Params(64, 1514)]
    public int FrameSize { get; set; }

    [Params(64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _device = new DeviceModel();
        var port = _device.AddPort(new NicPortOptions { QueueCount = 1, TxBurst = 256 });
        if (Wire == "Null")
        {
            _device.AddNullSink(port);
        }
        else
        {
            _device.AddLoopback(port);
        }
        var geometry = new QueueGeometry { FrameSize = 2048, FrameCount = 4096, TxSize = 1024, CompletionSize = 1024, FillSize = 1024, RxSize = 1024 };
        _session = QueueFactory.Create(_device, 1, 1, 0, geometry, 1514, 0);
        _driver = _session.Driver;
        // Frames to the queue's own MAC, so the loopback steers them back to it.
        byte[] mac = QueueFactory.MacFor(0);
        byte* umem = _session.Memory.Umem.Pointer;
        for (uint f = 0; f < 512; f++)
        {
            var frame = new Span<byte>(umem + ((ulong)f << 11), FrameSize);
            mac.CopyTo(frame);
            mac.CopyTo(frame[6..]);
            frame[12] = 0x88;
            frame[13] = 0xB5;
        }
        // RX buffers: frames 2048.. of the UMEM.
        for (; _armed < _driver.RxSize - 1; _armed++)
        {
            _driver.WriteRx(_armed, _driver.UmemBusAddress + ((ulong)(2048 + (_armed & 1023)) << 11));
        }
        _driver.RingRxDoorbell(_armed);
        _device.Step(1); // latch
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        QueueTeardown.Run(_session, TimeSpan.Zero, null);
        _device.Dispose();
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke)]
    public int TxStepPerFrame()
    {
        int work = 0;
        ulong bus = _driver.UmemBusAddress;
        for (int done = 0; done < FramesPerInvoke; done += Batch)
        {
            for (int i = 0; i < Batch; i++)
            {
                _driver.WriteTx(_posted, bus + ((ulong)(_posted & 511) << 11), (uint)FrameSize);
                _posted++;
            }
            _driver.RingTxDoorbell(_posted);
            work += _device.Step(Batch);
            if (Wire != "Null")
            {
                Rearm();
            }
        }
        return work;
    }

    private void Rearm()
    {
        // Hand every RX descriptor the device wrote back to it again (what the re-arm worker does).
        while (_driver.RxDone(_rxSeen, out _, out _))
        {
            _driver.WriteRx(_armed, _driver.UmemBusAddress + ((ulong)(2048 + (_armed & 1023)) << 11));
            _armed++;
            _rxSeen++;
        }
        _driver.RingRxDoorbell(_armed);
    }
}
