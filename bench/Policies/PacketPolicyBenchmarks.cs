using System.Diagnostics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Mediator.Broker.Mediation;
using Mediator.Policies;

namespace Mediator.Bench.Policies;

/// <summary>
/// Cost per frame of the packet rules on the data path, as TxPath pays it for a frame that passes:
/// the 18-byte header copy into broker memory, <see cref="PacketPolicy.CheckHeader"/> and, with a rate,
/// <see cref="TxRateLimiter.TryConsume"/> (the refill is once per batch). Zero allocations expected.
/// </summary>
[MemoryDiagnoser]
public unsafe class PacketPolicyBenchmarks
{
    private const int Frames = 1024;
    private static readonly byte[] Mac = [0x02, 0x4D, 0x44, 0x00, 0x00, 0x00];
    private byte* _umem;
    private byte* _headers;
    private PacketPolicy _policy = null!;
    private TxRateLimiter _limiter = null!;

    /// <summary>Which rules are on.</summary>
    [Params("copy-only", "mac", "mac+vlan-require", "mac+ethertypes(4)", "mac+vlan-insert", "mac+rates")]
    public string Rules { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _umem = (byte*)NativeMemory.AlignedAlloc(Frames * 2048, 64);
        _headers = (byte*)NativeMemory.AlignedAlloc(Frames * 32, 64);
        bool tagged = Rules == "mac+vlan-require";
        for (int i = 0; i < Frames; i++)
        {
            byte* f = _umem + i * 2048;
            Mac.CopyTo(new Span<byte>(f, 6));
            Mac.CopyTo(new Span<byte>(f + 6, 6));
            if (tagged)
            {
                f[12] = 0x81; f[13] = 0x00; f[14] = 0; f[15] = 100; f[16] = 0x08; f[17] = 0x00;
            }
            else
            {
                f[12] = 0x08; f[13] = 0x00;
            }
        }
        var p = new ClientPolicy { Name = "bench", EnforceSourceMac = Rules != "copy-only" };
        p = Rules switch
        {
            "mac+vlan-require" => p with { VlanMode = VlanMode.Require, VlanId = 100 },
            "mac+ethertypes(4)" => p with { AllowedEthertypes = [Ethertypes.Arp, Ethertypes.IPv6, Ethertypes.Lldp, Ethertypes.IPv4] },
            "mac+vlan-insert" => p with { VlanMode = VlanMode.Insert, VlanId = 100 },
            "mac+rates" => p with { PacketsPerSecond = PolicyRule.MaxPacketsPerSecond, PacketBurst = 1_000_000, BitsPerSecond = PolicyRule.MaxBitsPerSecond, BurstBytes = PolicyRule.MaxBurstBytes },
            _ => p,
        };
        _policy = PacketPolicy.Compile(p, Mac);
        _limiter = new TxRateLimiter();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_umem);
        NativeMemory.AlignedFree(_headers);
    }

    /// <summary>One batch of 1024 frames through the rules.</summary>
    [Benchmark(OperationsPerInvoke = Frames)]
    public int CheckBatch()
    {
        var policy = _policy;
        long frequency = Stopwatch.Frequency;
        if (policy.Limits)
        {
            _limiter.Refill(policy, Stopwatch.GetTimestamp());
        }
        int ok = 0;
        for (int i = 0; i < Frames; i++)
        {
            byte* header = _headers + i * 32;
            Buffer.MemoryCopy(_umem + i * 2048, header, PacketPolicy.HeaderBytes, PacketPolicy.HeaderBytes);
            if (policy.CheckHeader(header, 64) == Mediator.Abi.RequestStatus.Ok
                && (!policy.Limits || _limiter.TryConsume(policy, 64, frequency)))
            {
                if (policy.Inserts)
                {
                    policy.InsertTag(header);
                }
                ok++;
            }
        }
        return ok;
    }
}
