using System.Diagnostics;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Eval.Attacks;
using Mediator.Eval.Runner;

namespace Mediator.Eval.Fuzzing;

/// <summary>What one fuzzer run found.</summary>
public sealed record FuzzReport
{
    /// <summary>Mode fuzzed.</summary>
    public required EvalMode Mode { get; init; }
    /// <summary>Seed.</summary>
    public required int Seed { get; init; }
    /// <summary>Seconds the hostile client ran.</summary>
    public double Seconds { get; init; }
    /// <summary>TX requests and fill entries published to the broker.</summary>
    public long DescriptorsTried { get; init; }
    /// <summary>Hostile index words written (producer and consumer indices).</summary>
    public long IndexWordsTried { get; init; }
    /// <summary>DMA violations the audit and the oracle found (must be 0 in Mediated).</summary>
    public long Violations { get; init; }
    /// <summary>The oracle's verdict on the run.</summary>
    public Outcome Outcome { get; init; }
    /// <summary>Why, when not Blocked.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];
    /// <summary>Refusals the broker counted for the fuzzer's queue, by counter.</summary>
    public IReadOnlyDictionary<string, long> Refusals { get; init; } = new Dictionary<string, long>();
    /// <summary>Victim frames/s without and with the fuzzer.</summary>
    public double VictimBaseline { get; init; }
    /// <summary>Victim frames/s while the fuzzer ran.</summary>
    public double VictimUnderAttack { get; init; }
}

/// <summary>
/// A seeded hostile client at full speed: fills TX request, fill and index words with random and
/// adversarial values (boundary offsets, foreign-target offsets, huge lengths, reserved bits, index
/// jumps and garbage) while the victim runs; the runner's oracle judges the run.
/// </summary>
public static class HostileClientFuzzer
{
    /// <summary>Fuzzes <paramref name="mode"/> for <paramref name="duration"/>.</summary>
    public static FuzzReport Run(EvalMode mode, TimeSpan duration, int seed, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var attack = new FuzzAttack();
        var result = AttackRunner.Run(attack, mode, options with { Window = duration, Seed = seed });
        var e = result.Evidence;
        return new FuzzReport
        {
            Mode = mode, Seed = seed, Seconds = attack.Seconds, DescriptorsTried = attack.Descriptors, IndexWordsTried = attack.IndexWords,
            Violations = e is null ? 0 : e.ReadViolations + e.WriteViolations + e.ForeignRingReads + e.ForeignRingWrites + e.PrivateRegionReads + e.PrivateRegionWrites,
            Outcome = result.Outcome, Reasons = [.. result.Reasons, .. result.AttackError is { } err ? [err] : Array.Empty<string>()],
            Refusals = result.Refusals.Where(l => l.Actual != 0).ToDictionary(l => l.Counter, l => l.Actual),
            VictimBaseline = e?.VictimBaseline ?? 0, VictimUnderAttack = e?.VictimUnderAttack ?? 0,
        };
    }

    private sealed class FuzzAttack : IAttack
    {
        public string Name => "HostileClientFuzzer";
        public AttackFamily Family => AttackFamily.AddressesAndLengths;
        public string Description => "Seeded random and adversarial TX, fill and index words at full speed.";
        public string Mitigation => "Everything the catalogue relies on, at once.";
        public long Descriptors;
        public long IndexWords;
        public double Seconds;

        public unsafe void Run(AttackContext context)
        {
            foreach (var counter in AbiRules.RefusalCounters)
            {
                context.ExpectAny(counter);
            }
            context.ExpectAny(QueueCounter.RingIndexInvalid);
            using var q = context.OpenQueue("fuzzer");
            var device = context.Device(q);
            var random = context.Random;
            ulong size = q.UmemSize;
            uint f = q.Geometry.FrameSize, txSize = q.Geometry.TxSize, fillSize = q.Geometry.FillSize;
            ulong[] foreign = [.. context.Targets.Foreign.Select(t => t.Address - device.UmemBus), context.Targets.Unmapped - device.UmemBus];
            uint[] lengths = [0, 1, 13, 14, 60, 64, 1514, 1515, f - 1, f, f + 1, 0xFFFF, 0x1_0000, uint.MaxValue, 0x8000_0000];
            for (int i = 0; i < 64; i++)
            {
                q.WriteFrame((ulong)i * f, 64);
            }
            ulong Offset()
            {
                return random.Next(12) switch
                {
                    0 => 0,
                    1 => (ulong)random.NextInt64((long)(size / f)) * f,
                    2 => size - 1,
                    3 => size,
                    4 => size + (ulong)random.Next(1 << 20),
                    5 => ulong.MaxValue - (ulong)random.Next(4096),
                    6 => (ulong)random.NextInt64() * 2 + (ulong)random.Next(2),
                    7 => foreign[random.Next(foreign.Length)] + (ulong)random.Next(64),
                    8 => (ulong)random.NextInt64((long)(size / f)) * f + f - (ulong)random.Next(1, 64),
                    9 => (ulong)random.NextInt64((long)size),
                    10 => 1UL << random.Next(64),
                    _ => (ulong)random.Next(64) * f,
                };
            }
            var clock = Stopwatch.StartNew();
            while (context.Running)
            {
                // TX requests, written raw into the ring and published.
                uint p = q.TxProducer, c = q.TxConsumer, free = txSize - (p - c);
                uint k = Math.Min(free, (uint)random.Next(1, 65));
                for (uint i = 0; i < k; i++)
                {
                    var e = q.TxEntry(p + i);
                    e->Offset = Offset();
                    e->Length = random.Next(3) == 0 ? (uint)random.Next() : lengths[random.Next(lengths.Length)];
                    e->Options = random.Next(8) == 0 ? (uint)random.Next() | 1 : 0;
                }
                q.TxProducer = p + k;
                Descriptors += k;
                q.KickTx();

                // Fill entries.
                uint fp = q.FillProducer, fc = q.FillConsumer, ffree = fillSize - (fp - fc);
                uint m = Math.Min(ffree, (uint)random.Next(0, 33));
                for (uint i = 0; i < m; i++)
                {
                    q.FillEntryAt(fp + i)->Offset = random.Next(2) == 0 ? (ulong)random.NextInt64((long)(size / f)) * f : Offset();
                }
                q.FillProducer = fp + m;
                Descriptors += m;
                q.KickFill();

                // Index words: jumps, backwards, garbage, then back to sane.
                switch (random.Next(40))
                {
                    case 0:
                        q.TxProducer = p + k + txSize + (uint)random.Next(1, 1 << 20);
                        q.KickTx();
                        q.TxProducer = p + k;
                        IndexWords++;
                        break;
                    case 1:
                        q.TxProducer = (uint)random.Next() | 0x8000_0000;
                        q.KickTx();
                        q.TxProducer = p + k;
                        IndexWords++;
                        break;
                    case 2:
                        q.FillProducer = (uint)random.Next();
                        q.KickFill();
                        q.FillProducer = fp + m;
                        IndexWords++;
                        break;
                    case 3:
                        q.CompletionConsumer = (uint)random.Next();
                        q.RxConsumer = (uint)random.Next();
                        IndexWords += 2;
                        break;
                }
                // Reap everything (raw): consumers follow producers.
                q.CompletionConsumer = q.CompletionProducer;
                q.RxConsumer = q.RxProducer;
                if (q.TxProducer - q.TxConsumer > txSize)
                {
                    q.TxProducer = q.TxConsumer;
                }
            }
            Seconds = clock.Elapsed.TotalSeconds;
        }
    }
}
