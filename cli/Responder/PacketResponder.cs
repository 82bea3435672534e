using System.Buffers.Binary;

namespace Mediator.Cli.Responder;

/// <summary>
/// The answers of a tiny IPv4 host: ARP replies for its address, ICMP echo replies, and a UDP echo
/// service (RFC 862) on one port. Pure frame-in, frame-out logic with every checksum checked on the way
/// in and computed on the way out; what the Linux stack would drop (bad checksum, fragment, other
/// address) is ignored and counted.
/// </summary>
internal sealed class PacketResponder
{
    public const int EthernetHeader = 14;
    public const int MinFrame = 60; // without FCS
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeArp = 0x0806;
    private const byte ProtocolIcmp = 1;
    private const byte ProtocolUdp = 17;

    private readonly byte[] _mac;
    private readonly byte[] _ip;
    private readonly ushort _udpPort;

    public PacketResponder(ReadOnlySpan<byte> mac, ReadOnlySpan<byte> ip, ushort udpPort)
    {
        if (mac.Length != 6 || ip.Length != 4)
        {
            throw new ArgumentException("a 6-byte MAC and a 4-byte IPv4 address");
        }
        _mac = mac.ToArray();
        _ip = ip.ToArray();
        _udpPort = udpPort;
    }

    public long ArpReplies { get; private set; }
    public long EchoReplies { get; private set; }
    public long UdpEchoes { get; private set; }
    public long Ignored { get; private set; }
    public long BadChecksums { get; private set; }

    /// <summary>Writes the answer to <paramref name="frame"/> into <paramref name="reply"/>; returns its length, or 0 when there is none.</summary>
    public int Answer(ReadOnlySpan<byte> frame, Span<byte> reply)
    {
        int n = 0;
        if (frame.Length >= EthernetHeader && reply.Length >= Math.Max(frame.Length, MinFrame) && AddressedToUs(frame))
        {
            n = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) switch
            {
                EtherTypeArp => Arp(frame, reply),
                EtherTypeIpv4 => Ipv4(frame, reply),
                _ => 0,
            };
        }
        if (n == 0)
        {
            Ignored++;
        }
        return n;
    }

    private bool AddressedToUs(ReadOnlySpan<byte> frame) =>
        frame[..6].SequenceEqual(_mac) || frame[..6].SequenceEqual(stackalloc byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });

    private int Arp(ReadOnlySpan<byte> frame, Span<byte> reply)
    {
        var arp = frame[EthernetHeader..];
        if (arp.Length < 28
            || BinaryPrimitives.ReadUInt16BigEndian(arp) != 1            // Ethernet
            || BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) != EtherTypeIpv4
            || arp[4] != 6 || arp[5] != 4
            || BinaryPrimitives.ReadUInt16BigEndian(arp[6..]) != 1       // request
            || !arp.Slice(24, 4).SequenceEqual(_ip))
        {
            return 0;
        }
        reply[..MinFrame].Clear();
        arp.Slice(8, 6).CopyTo(reply);                 // to the asker
        _mac.CopyTo(reply[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(reply[12..], EtherTypeArp);
        var r = reply[EthernetHeader..];
        arp[..6].CopyTo(r);                            // htype, ptype, hlen, plen
        BinaryPrimitives.WriteUInt16BigEndian(r[6..], 2); // reply
        _mac.CopyTo(r[8..]);                           // sender: us
        _ip.CopyTo(r[14..]);
        arp.Slice(8, 10).CopyTo(r[18..]);              // target: the asker's MAC and IP
        ArpReplies++;
        return MinFrame;
    }

    private int Ipv4(ReadOnlySpan<byte> frame, Span<byte> reply)
    {
        var ip = frame[EthernetHeader..];
        if (ip.Length < 20 || ip[0] >> 4 != 4)
        {
            return 0;
        }
        int headerLength = (ip[0] & 0xF) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (headerLength < 20 || totalLength < headerLength || totalLength > ip.Length
            || (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0 // a fragment: not reassembled here
            || !ip.Slice(16, 4).SequenceEqual(_ip))
        {
            return 0;
        }
        if (InternetChecksum.Compute(ip[..headerLength]) != 0)
        {
            BadChecksums++;
            return 0;
        }
        var payload = ip[headerLength..totalLength];
        int length = ip[9] switch
        {
            ProtocolIcmp => Icmp(frame, payload, headerLength, totalLength, reply),
            ProtocolUdp => Udp(frame, payload, headerLength, totalLength, reply),
            _ => 0,
        };
        return length;
    }

    private int Icmp(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> icmp, int headerLength, int totalLength, Span<byte> reply)
    {
        if (icmp.Length < 8 || icmp[0] != 8 || icmp[1] != 0)
        {
            return 0; // echo requests only
        }
        if (InternetChecksum.Compute(icmp) != 0)
        {
            BadChecksums++;
            return 0;
        }
        int length = StartIpReply(frame, headerLength, totalLength, reply);
        var r = reply.Slice(EthernetHeader + headerLength, icmp.Length);
        icmp.CopyTo(r);
        r[0] = 0; // echo reply; identifier, sequence and data unchanged
        BinaryPrimitives.WriteUInt16BigEndian(r[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(r[2..], InternetChecksum.Compute(r));
        EchoReplies++;
        return length;
    }

    private int Udp(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> udp, int headerLength, int totalLength, Span<byte> reply)
    {
        if (udp.Length < 8 || BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != _udpPort)
        {
            return 0;
        }
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (udpLength < 8 || udpLength > udp.Length)
        {
            return 0;
        }
        var ip = frame[EthernetHeader..];
        if (BinaryPrimitives.ReadUInt16BigEndian(udp[6..]) != 0) // 0: the sender computed none
        {
            uint sum = InternetChecksum.PseudoHeader(ip[12..], ip[16..], ProtocolUdp, udpLength);
            if (InternetChecksum.Finish(InternetChecksum.Add(sum, udp[..udpLength])) != 0)
            {
                BadChecksums++;
                return 0;
            }
        }
        int length = StartIpReply(frame, headerLength, totalLength, reply);
        var r = reply.Slice(EthernetHeader + headerLength, udp.Length);
        udp.CopyTo(r);
        udp[..2].CopyTo(r[2..]); // destination port := their source port
        BinaryPrimitives.WriteUInt16BigEndian(r, _udpPort);
        BinaryPrimitives.WriteUInt16BigEndian(r[6..], 0);
        var rip = reply[EthernetHeader..];
        uint pseudo = InternetChecksum.PseudoHeader(rip[12..], rip[16..], ProtocolUdp, udpLength);
        ushort checksum = InternetChecksum.Finish(InternetChecksum.Add(pseudo, r[..udpLength]));
        BinaryPrimitives.WriteUInt16BigEndian(r[6..], checksum == 0 ? (ushort)0xFFFF : checksum); // 0 would mean "none"
        UdpEchoes++;
        return length;
    }

    // Ethernet and IPv4 headers of the reply (addresses swapped, fresh TTL and checksum); returns the frame length.
    private int StartIpReply(ReadOnlySpan<byte> frame, int headerLength, int totalLength, Span<byte> reply)
    {
        frame.Slice(6, 6).CopyTo(reply);
        _mac.CopyTo(reply[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(reply[12..], EtherTypeIpv4);
        var ip = frame[EthernetHeader..];
        var r = reply[EthernetHeader..];
        ip[..headerLength].CopyTo(r);
        r[8] = 64; // TTL
        ip.Slice(12, 4).CopyTo(r[16..]); // destination := their source
        _ip.CopyTo(r[12..]);
        BinaryPrimitives.WriteUInt16BigEndian(r[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(r[10..], InternetChecksum.Compute(r[..headerLength]));
        int length = EthernetHeader + totalLength;
        if (length < MinFrame)
        {
            reply[length..MinFrame].Clear(); // Ethernet padding
            length = MinFrame;
        }
        return length;
    }
}
