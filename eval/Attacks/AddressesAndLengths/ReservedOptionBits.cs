namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>Well-formed frames with reserved option bits set (1, 0x80000000, all ones).</summary>
/// <remarks>Mitigation: Rule 6: options must be 0; a future option can never be smuggled in.</remarks>
public sealed class ReservedOptionBits : Attack
{
    /// <inheritdoc />
    public override string Name => "ReservedOptionBits";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "Well-formed frames with reserved option bits set (1, 0x80000000, all ones).";
    /// <inheritdoc />
    public override string Mitigation => "Rule 6: options must be 0; a future option can never be smuggled in.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        q.WriteFrame(0, 64);
        uint[] options = [1, 0x8000_0000, uint.MaxValue];
        foreach (uint o in options)
        {
            q.PostTx(0, 64, o);
        }
        context.Expect(Control.QueueCounter.RefusedReservedBitsSet, options.Length);
        q.WaitCompletions(options.Length, TimeSpan.FromSeconds(2));
    }
}
