using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Mediator.Abi;
using Mediator.Policies;

namespace Mediator.Broker.Mediation;

/// <summary>
/// A client policy's packet rules compiled for one queue: the queue's MAC packed into an integer, the VLAN
/// rule, the ethertype allow-list as an array, the rates in token-bucket units. Immutable; the control
/// plane publishes a new one per session (<see cref="QueueSession.PublishPolicy"/>) and the data path reads
/// the reference once per batch, so a reload reaches live queues at the next round without a lock.
/// </summary>
/// <remarks>
/// Per frame the data path calls <see cref="CheckHeader"/> on the broker's private copy of the first
/// <see cref="HeaderBytes"/> bytes and, when rates are set, <see cref="TxRateLimiter.TryConsume"/>: a few
/// compares, no allocation, no lock, no virtual call.
/// </remarks>
internal sealed class PacketPolicy
{
    /// <summary>Bytes of a frame the rules read: destination and source MAC, TPID + TCI (or ethertype), inner ethertype.</summary>
    public const int HeaderBytes = 18;

    /// <summary>Bytes a VLAN tag adds.</summary>
    public const int TagBytes = 4;

    private readonly ulong _mac;
    private readonly ushort[] _ethertypes;

    /// <summary>No packet rules at all (sessions built outside the control plane, e.g. by tests, start with this).</summary>
    public static PacketPolicy Permissive { get; } = new(new ClientPolicy { Name = "permissive", EnforceSourceMac = false }, new byte[6]);

    private PacketPolicy(ClientPolicy source, ReadOnlySpan<byte> mac)
    {
        Source = source;
        _mac = Pack(mac);
        EnforceSourceMac = source.EnforceSourceMac;
        VlanMode = source.VlanMode;
        VlanId = source.VlanId;
        InsertTci = (ushort)(source.VlanPriority << 13 | source.VlanId);
        _ethertypes = [.. source.AllowedEthertypes];
        ChecksHeaders = source.ChecksHeaders;
        long f = Stopwatch.Frequency;
        PacketsPerSecond = source.PacketsPerSecond;
        BitsPerSecond = source.BitsPerSecond;
        PacketDepth = source.PacketsPerSecond > 0 ? source.PacketBurst * f : 0;
        BitDepth = source.BitsPerSecond > 0 ? source.BurstBytes * 8 * f : 0;
        PacketFillTicks = source.PacketsPerSecond > 0 ? Math.Max(1, PacketDepth / source.PacketsPerSecond) : 0;
        BitFillTicks = source.BitsPerSecond > 0 ? Math.Max(1, BitDepth / source.BitsPerSecond) : 0;
        Limits = PacketsPerSecond > 0 || BitsPerSecond > 0;
    }

    /// <summary>Compiles <paramref name="policy"/> for a queue whose assigned MAC is <paramref name="mac"/>.</summary>
    public static PacketPolicy Compile(ClientPolicy policy, ReadOnlySpan<byte> mac)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(mac.Length, 6);
        return new PacketPolicy(policy, mac);
    }

    /// <summary>The policy compiled.</summary>
    public ClientPolicy Source { get; }

    /// <summary>The rule name (logs, metrics).</summary>
    public string Name => Source.Name;

    /// <summary>Whether any rule reads the header: then the broker copies it and posts it from its own memory.</summary>
    public bool ChecksHeaders { get; }

    /// <summary>Whether a rate is set.</summary>
    public bool Limits { get; }

    /// <summary>Whether the broker inserts an 802.1Q tag.</summary>
    public bool Inserts => VlanMode == VlanMode.Insert;

    /// <summary>Source-MAC anti-spoofing on.</summary>
    public bool EnforceSourceMac { get; }

    /// <summary>The VLAN rule.</summary>
    public VlanMode VlanMode { get; }

    /// <summary>VLAN id required or inserted.</summary>
    public ushort VlanId { get; }

    /// <summary>TCI of an inserted tag (PCP in bits 15:13, VID in 11:0).</summary>
    public ushort InsertTci { get; }

    /// <summary>Frames per second; 0 unlimited.</summary>
    public long PacketsPerSecond { get; }

    /// <summary>Bits per second; 0 unlimited.</summary>
    public long BitsPerSecond { get; }

    /// <summary>Packet bucket depth in packet·ticks.</summary>
    public long PacketDepth { get; }

    /// <summary>Bit bucket depth in bit·ticks.</summary>
    public long BitDepth { get; }

    /// <summary>Ticks that fill an empty packet bucket (caps elapsed × rate against overflow).</summary>
    public long PacketFillTicks { get; }

    /// <summary>Ticks that fill an empty bit bucket.</summary>
    public long BitFillTicks { get; }

    /// <summary>
    /// Applies the header rules, in status-code order, to <paramref name="header"/>: the broker's private
    /// copy of the first min(<paramref name="length"/>, <see cref="HeaderBytes"/>) bytes of the frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe RequestStatus CheckHeader(byte* header, uint length)
    {
        if (EnforceSourceMac && Pack(header + 6) != _mac)
        {
            return RequestStatus.SourceMacSpoofed;
        }
        ushort type = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(header + 12));
        switch (VlanMode)
        {
            case VlanMode.Untagged:
            case VlanMode.Insert:
                if (type is Ethertypes.Vlan or Ethertypes.QinQ)
                {
                    return RequestStatus.VlanViolation;
                }
                break;
            case VlanMode.Require:
                if (type != Ethertypes.Vlan || length < HeaderBytes
                    || (BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(header + 14)) & 0xFFF) != VlanId)
                {
                    return RequestStatus.VlanViolation;
                }
                break;
        }
        var allowed = _ethertypes;
        if (allowed.Length != 0)
        {
            if (type == Ethertypes.Vlan)
            {
                if (length < HeaderBytes)
                {
                    return RequestStatus.EthertypeNotAllowed;
                }
                type = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(header + 16));
            }
            for (int i = 0; i < allowed.Length; i++)
            {
                if (allowed[i] == type)
                {
                    return RequestStatus.Ok;
                }
            }
            return RequestStatus.EthertypeNotAllowed;
        }
        return RequestStatus.Ok;
    }

    /// <summary>
    /// Turns the private header copy (at least 14 bytes) into the tagged header the device sends:
    /// destination and source MAC, 0x8100, the policy's TCI, the client's ethertype (18 bytes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void InsertTag(byte* header)
    {
        header[16] = header[12];
        header[17] = header[13];
        Unsafe.WriteUnaligned(header + 12, BinaryPrimitives.ReverseEndianness(Ethertypes.Vlan));
        Unsafe.WriteUnaligned(header + 14, BinaryPrimitives.ReverseEndianness(InsertTci));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe ulong Pack(byte* mac) => Unsafe.ReadUnaligned<uint>(mac) | (ulong)Unsafe.ReadUnaligned<ushort>(mac + 4) << 32;

    private static unsafe ulong Pack(ReadOnlySpan<byte> mac)
    {
        fixed (byte* p = mac)
        {
            return Pack(p);
        }
    }
}
