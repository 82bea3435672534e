using BenchmarkDotNet.Running;
using Mediator.Bench.Harness;

// `throughput [options]`: the multi-process harness (bench/Harness); `vhost [options]`: the DPDK
// vhost-user comparison (bench/Dpdk); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "throughput")
{
    return ThroughputCommand.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "vhost")
{
    return Mediator.Bench.Dpdk.VhostCommand.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "devloop")
{
    return Mediator.Bench.Device.DeviceLoopCommand.Run(args[1..]);
}
BenchmarkSwitcher.FromAssembly(typeof(ThroughputCommand).Assembly).Run(args);
return 0;
