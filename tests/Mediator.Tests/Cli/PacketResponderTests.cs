using System.Buffers.Binary;
using Mediator.Cli.Responder;

namespace Mediator.Tests.Cli;

public sealed class PacketResponderTests
{
    private static readonly byte[] OurMac = [0x02, 0x4d, 0x44, 0, 0, 5];
    private static readonly byte[] OurIp = [10, 77, 0, 2];
    private static readonly byte[] PeerMac = [0x7a, 0xfe, 0x1e, 0x81, 0x51, 0x7b];
    private static readonly byte[] PeerIp = [10, 77, 0, 1];

    private readonly PacketResponder _responder = new(OurMac, OurIp, 7);
    private readonly byte[] _reply = new byte[2048];

    [Fact]
    public void Arp_request_for_our_address_gets_a_padded_reply_naming_our_mac()
    {
        byte[] request = Arp(OurIp);

        int n = _responder.Answer(request, _reply);

        Assert.Equal(60, n);
        Assert.Equal(PeerMac, _reply[..6]);
        Assert.Equal(OurMac, _reply[6..12]);
        Assert.Equal(0x0806, BinaryPrimitives.ReadUInt16BigEndian(_reply.AsSpan(12)));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(_reply.AsSpan(20))); // reply
        Assert.Equal(OurMac, _reply[22..28]);
        Assert.Equal(OurIp, _reply[28..32]);
        Assert.Equal(PeerMac, _reply[32..38]);
        Assert.Equal(PeerIp, _reply[38..42]);
        Assert.Equal(1, _responder.ArpReplies);
    }

    [Fact]
    public void Arp_request_for_another_address_is_ignored()
    {
        Assert.Equal(0, _responder.Answer(Arp([10, 77, 0, 9]), _reply));
        Assert.Equal(1, _responder.Ignored);
    }

    [Fact]
    public void Icmp_echo_request_gets_an_echo_reply_with_valid_checksums_and_the_same_data()
    {
        byte[] icmp = new byte[8 + 56];
        icmp[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), 0x1234); // identifier
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), 3);      // sequence
        for (int i = 8; i < icmp.Length; i++)
        {
            icmp[i] = (byte)i;
        }
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), InternetChecksum.Compute(icmp));
        byte[] frame = Ipv4Frame(1, icmp);

        int n = _responder.Answer(frame, _reply);

        Assert.Equal(frame.Length, n);
        var ip = _reply.AsSpan(14, 20);
        Assert.Equal(0, InternetChecksum.Compute(ip));
        Assert.Equal(OurIp, ip[12..16].ToArray());
        Assert.Equal(PeerIp, ip[16..20].ToArray());
        var reply = _reply.AsSpan(34, icmp.Length);
        Assert.Equal(0, reply[0]);
        Assert.Equal(0, InternetChecksum.Compute(reply));
        Assert.Equal(icmp[4..], reply[4..].ToArray());
        Assert.Equal(1, _responder.EchoReplies);
    }

    [Fact]
    public void Udp_datagram_to_the_echo_port_comes_back_with_ports_swapped_and_a_valid_checksum()
    {
        byte[] payload = "hello, mediator"u8.ToArray();
        byte[] udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), 7);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        payload.CopyTo(udp, 8);
        uint pseudo = InternetChecksum.PseudoHeader(PeerIp, OurIp, 17, udp.Length);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(6), InternetChecksum.Finish(InternetChecksum.Add(pseudo, udp)));
        byte[] frame = Ipv4Frame(17, udp);

        int n = _responder.Answer(frame, _reply);

        Assert.Equal(60, n); // 14 + 20 + 23 = 57, padded
        var r = _reply.AsSpan(34, udp.Length);
        Assert.Equal(7, BinaryPrimitives.ReadUInt16BigEndian(r));
        Assert.Equal(40000, BinaryPrimitives.ReadUInt16BigEndian(r[2..]));
        Assert.Equal(payload, r[8..].ToArray());
        uint check = InternetChecksum.PseudoHeader(OurIp, PeerIp, 17, udp.Length);
        Assert.Equal(0, InternetChecksum.Finish(InternetChecksum.Add(check, r)));
        Assert.Equal(1, _responder.UdpEchoes);
    }

    [Fact]
    public void A_corrupted_ip_header_is_not_answered_and_is_counted()
    {
        byte[] icmp = new byte[8];
        icmp[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), InternetChecksum.Compute(icmp));
        byte[] frame = Ipv4Frame(1, icmp);
        frame[14 + 8] ^= 0x01; // TTL changed, header checksum not

        Assert.Equal(0, _responder.Answer(frame, _reply));
        Assert.Equal(1, _responder.BadChecksums);
    }

    private static byte[] Arp(byte[] targetIp)
    {
        byte[] f = new byte[42];
        f.AsSpan(0, 6).Fill(0xFF);
        PeerMac.CopyTo(f, 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0806);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), 1);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(16), 0x0800);
        f[18] = 6;
        f[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(20), 1);
        PeerMac.CopyTo(f, 22);
        PeerIp.CopyTo(f, 28);
        targetIp.CopyTo(f, 38);
        return f;
    }

    private static byte[] Ipv4Frame(byte protocol, byte[] payload)
    {
        byte[] f = new byte[14 + 20 + payload.Length];
        OurMac.CopyTo(f, 0);
        PeerMac.CopyTo(f, 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0800);
        var ip = f.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + payload.Length));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], 0xBEEF);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // DF
        ip[8] = 64;
        ip[9] = protocol;
        PeerIp.CopyTo(ip[12..]);
        OurIp.CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip[..20]));
        payload.CopyTo(f, 34);
        return f;
    }
}
