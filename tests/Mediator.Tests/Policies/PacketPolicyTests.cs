using Mediator.Abi;
using Mediator.Broker.Mediation;
using Mediator.Control;
using Mediator.Policies;

namespace Mediator.Tests.Policies;

/// <summary>One test per packet rule: the refusal reaches the client's completion with its status, and its counter.</summary>
public sealed class PacketPolicyTests
{
    private static ClientPolicy Policy(Func<ClientPolicy, ClientPolicy>? change = null) =>
        change is null ? new ClientPolicy { Name = "t" } : change(new ClientPolicy { Name = "t" });

    private static void AssertRefused(PolicyHarness h, Completion c, RequestStatus status, QueueCounter counter)
    {
        Assert.Equal(status, (RequestStatus)c.Status);
        Assert.Equal(1, h.Counter(counter));
        Assert.Equal(1, h.Counter(QueueCounter.TxRefused));
        Assert.Equal(0, h.Device.Audit.Violations);
    }

    [Fact]
    public void Source_mac_other_than_the_queues_is_refused_as_spoofed()
    {
        using var h = new PolicyHarness(Policy());
        var done = h.Send(TestFrames.Make(TestFrames.Spoofed), TestFrames.Make(h.Mac));

        Assert.Equal(2, done.Count);
        var refused = Assert.Single(done, c => c.Status != (ushort)RequestStatus.Ok);
        Assert.Equal(0UL, refused.Offset);
        AssertRefused(h, refused, RequestStatus.SourceMacSpoofed, QueueCounter.RefusedSourceMacSpoofed);
        var sent = Assert.Single(h.Wire.Frames);
        Assert.Equal(h.Mac, sent[6..12]);
    }

    [Fact]
    public void Source_mac_is_not_checked_when_the_rule_turns_it_off()
    {
        using var h = new PolicyHarness(Policy(p => p with { EnforceSourceMac = false }));
        var done = h.Send(TestFrames.Make(TestFrames.Spoofed));

        Assert.Equal(RequestStatus.Ok, (RequestStatus)Assert.Single(done).Status);
        Assert.Equal(TestFrames.Spoofed, Assert.Single(h.Wire.Frames)[6..12]);
    }

    [Fact]
    public void Untagged_rule_refuses_a_tagged_frame()
    {
        using var h = new PolicyHarness(Policy(p => p with { VlanMode = VlanMode.Untagged }));
        var done = h.Send(TestFrames.Make(h.Mac, vlanTci: 5), TestFrames.Make(h.Mac));

        AssertRefused(h, Assert.Single(done, c => c.Status != 0), RequestStatus.VlanViolation, QueueCounter.RefusedVlanViolation);
        Assert.Single(h.Wire.Frames);
    }

    [Fact]
    public void Require_rule_passes_only_frames_tagged_with_the_policys_vlan()
    {
        using var h = new PolicyHarness(Policy(p => p with { VlanMode = VlanMode.Require, VlanId = 100 }));
        var done = h.Send(
            TestFrames.Make(h.Mac),                                // untagged
            TestFrames.Make(h.Mac, vlanTci: 200),                  // another VLAN
            TestFrames.Make(h.Mac, vlanTci: (ushort)(3 << 13 | 100)), // ours, priority 3
            TestFrames.Make(h.Mac, length: 16)[..16]);             // 0x0800 at 12: untagged, short

        Assert.Equal(4, done.Count);
        Assert.Equal([RequestStatus.VlanViolation, RequestStatus.VlanViolation, RequestStatus.VlanViolation],
            done.Where(c => c.Status != 0).Select(c => (RequestStatus)c.Status));
        Assert.Equal(3, h.Counter(QueueCounter.RefusedVlanViolation));
        var sent = Assert.Single(h.Wire.Frames);
        Assert.Equal(100, (sent[14] << 8 | sent[15]) & 0xFFF);
    }

    [Theory]
    [InlineData(100)]  // copied whole into broker memory: one descriptor
    [InlineData(300)]  // tagged header from broker memory, the rest from the UMEM
    [InlineData(124)]  // 128 bytes with the tag: the largest whole copy
    [InlineData(125)]
    public void Insert_rule_tags_untagged_frames_from_broker_memory_and_refuses_client_tags(int length)
    {
        using var h = new PolicyHarness(Policy(p => p with { VlanMode = VlanMode.Insert, VlanId = 42, VlanPriority = 5 }));
        var frame = TestFrames.Make(h.Mac, ethertype: 0x0806, length: length);
        var done = h.Send(frame, TestFrames.Make(h.Mac, vlanTci: 42));

        var ok = Assert.Single(done, c => c.Offset == 0); // refusals complete first: match by offset
        Assert.Equal(RequestStatus.Ok, (RequestStatus)ok.Status);
        Assert.Equal((uint)length, ok.Length); // the completion reports what the client sent
        AssertRefused(h, Assert.Single(done, c => c.Status != 0), RequestStatus.VlanViolation, QueueCounter.RefusedVlanViolation);
        var sent = Assert.Single(h.Wire.Frames);
        Assert.Equal(length + 4, sent.Length);
        Assert.Equal(frame[..12], sent[..12]);
        Assert.Equal(new byte[] { 0x81, 0x00, 5 << 5, 42, 0x08, 0x06 }, sent[12..18]);
        Assert.Equal(frame[14..], sent[18..]);
    }

    [Fact]
    public void Ethertype_not_on_the_allow_list_is_refused_and_a_tagged_frame_is_judged_by_its_inner_type()
    {
        using var h = new PolicyHarness(Policy(p => p with { AllowedEthertypes = [Ethertypes.IPv4, Ethertypes.Arp] }));
        var done = h.Send(
            TestFrames.Make(h.Mac, ethertype: Ethertypes.IPv6),
            TestFrames.Make(h.Mac, ethertype: Ethertypes.Arp),
            TestFrames.Make(h.Mac, ethertype: Ethertypes.IPv4, vlanTci: 9));

        AssertRefused(h, Assert.Single(done, c => c.Status != 0), RequestStatus.EthertypeNotAllowed, QueueCounter.RefusedEthertypeNotAllowed);
        Assert.Equal(0UL, done.Single(c => c.Status != 0).Offset);
        Assert.Equal(2, h.Wire.Frames.Count);
    }

    [Fact]
    public void Packet_rate_refuses_what_exceeds_the_burst()
    {
        // 1 frame/s with a burst of 3: in the milliseconds this test takes, no new token is earned.
        using var h = new PolicyHarness(Policy(p => p with { PacketsPerSecond = 1, PacketBurst = 3 }));
        var done = h.Send([.. Enumerable.Range(0, 5).Select(_ => TestFrames.Make(h.Mac))]);

        Assert.Equal(3, done.Count(c => c.Status == 0));
        Assert.Equal(2, done.Count(c => c.Status == (ushort)RequestStatus.RateLimited));
        Assert.Equal(2, h.Counter(QueueCounter.RefusedRateLimited));
        Assert.Equal(3, h.Wire.Frames.Count);
    }

    [Fact]
    public void Bit_rate_refuses_what_exceeds_the_byte_burst()
    {
        using var h = new PolicyHarness(Policy(p => p with { BitsPerSecond = 8, BurstBytes = 1514, EnforceSourceMac = false }));
        var done = h.Send([.. Enumerable.Range(0, 3).Select(_ => TestFrames.Make(h.Mac, length: 600))]);

        Assert.Equal([RequestStatus.Ok, RequestStatus.Ok], done.Where(c => c.Status == 0).Select(c => (RequestStatus)c.Status));
        AssertRefused(h, Assert.Single(done, c => c.Status != 0), RequestStatus.RateLimited, QueueCounter.RefusedRateLimited);
    }

    [Fact]
    public void Rate_limit_is_shared_by_the_queues_of_one_client()
    {
        var policy = Policy(p => p with { PacketsPerSecond = 1, PacketBurst = 2 });
        var limiter = new TxRateLimiter();
        using var a = new PolicyHarness(policy, deviceQueue: 0, limiter);
        using var b = new PolicyHarness(policy, deviceQueue: 1, limiter, a.Device);
        Assert.Equal(RequestStatus.Ok, (RequestStatus)Assert.Single(a.Send(TestFrames.Make(a.Mac))).Status);
        Assert.Equal(RequestStatus.Ok, (RequestStatus)Assert.Single(b.Send(TestFrames.Make(b.Mac))).Status);
        Assert.Equal(RequestStatus.RateLimited, (RequestStatus)Assert.Single(b.Send(TestFrames.Make(b.Mac))).Status);
        b.Teardown();
    }

    [Fact]
    public void Maximum_frame_size_is_the_rules_MaxFrameLength()
    {
        using var h = new PolicyHarness(Policy(p => p with { MaxFrameLength = 100 }));
        var done = h.Send(TestFrames.Make(h.Mac, length: 101), TestFrames.Make(h.Mac, length: 100));

        AssertRefused(h, Assert.Single(done, c => c.Status != 0), RequestStatus.FrameTooLong, QueueCounter.RefusedFrameTooLong);
    }

    [Fact]
    public void The_device_sends_the_header_that_was_checked_even_if_the_client_rewrites_it_before_the_DMA()
    {
        using var h = new PolicyHarness(Policy());
        var frame = TestFrames.Make(h.Mac, length: 300);
        h.Submit(frame, 0);
        Assert.Equal(1, h.Intake()); // checked and posted; the device has not read it yet
        TestFrames.Spoofed.CopyTo(h.Frame(0)[6..]); // the client rewrites its source MAC after the check
        h.Frame(0)[40] ^= 0xFF;                      // and a payload byte (not protected: no rule reads it)

        var done = h.Pump();

        Assert.Equal(RequestStatus.Ok, (RequestStatus)Assert.Single(done).Status);
        var sent = Assert.Single(h.Wire.Frames);
        Assert.Equal(h.Mac, sent[6..12]);                 // the checked copy, from broker memory
        Assert.Equal((byte)(frame[40] ^ 0xFF), sent[40]); // the rest comes from the UMEM at DMA time
        Assert.Equal(0, h.Device.Audit.Violations);
    }

    [Fact]
    public void A_small_frame_is_sent_as_checked_entirely_even_if_the_client_rewrites_it_before_the_DMA()
    {
        using var h = new PolicyHarness(Policy());
        var frame = TestFrames.Make(h.Mac, length: 128);
        h.Submit(frame, 0);
        Assert.Equal(1, h.Intake());
        TestFrames.Spoofed.CopyTo(h.Frame(0)[6..]);
        h.Frame(0)[100] ^= 0xFF;

        Assert.Equal(RequestStatus.Ok, (RequestStatus)Assert.Single(h.Pump()).Status);
        Assert.Equal(frame, Assert.Single(h.Wire.Frames)); // copied whole into broker memory at the check
        Assert.Equal(1u, h.Session.TxDescriptorsPosted);
    }

    [Fact]
    public void A_policy_published_to_a_live_queue_applies_from_the_next_batch()
    {
        using var h = new PolicyHarness(Policy());
        Assert.Equal(RequestStatus.Ok, (RequestStatus)Assert.Single(h.Send(TestFrames.Make(h.Mac, ethertype: Ethertypes.IPv6))).Status);

        h.Session.PublishPolicy(PacketPolicy.Compile(Policy(p => p with { AllowedEthertypes = [Ethertypes.IPv4] }), h.Mac));

        Assert.Equal(RequestStatus.EthertypeNotAllowed, (RequestStatus)Assert.Single(h.Send(TestFrames.Make(h.Mac, ethertype: Ethertypes.IPv6))).Status);
    }

    [Fact]
    public void Without_header_rules_a_frame_takes_one_descriptor_and_with_them_two()
    {
        using var plain = new PolicyHarness(Policy(p => p with { EnforceSourceMac = false }));
        plain.Send(TestFrames.Make(plain.Mac), TestFrames.Make(plain.Mac));
        Assert.Equal(2u, plain.Session.TxDescriptorsPosted);

        using var checkedHeaders = new PolicyHarness(Policy());
        var big = TestFrames.Make(checkedHeaders.Mac, length: 1514);
        checkedHeaders.Send(big, TestFrames.Make(checkedHeaders.Mac, length: 128), TestFrames.Make(checkedHeaders.Mac, length: 129));
        Assert.Equal(5u, checkedHeaders.Session.TxDescriptorsPosted); // 2 + 1 (copied whole) + 2
        Assert.Equal(3, checkedHeaders.Wire.Frames.Count);
        Assert.Equal(big, checkedHeaders.Wire.Frames[0]);
        Assert.Equal(129, checkedHeaders.Wire.Frames[2].Length);
    }
}
