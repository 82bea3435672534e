using Mediator.Broker.Hosting;

namespace Mediator.Eval.Attacks;

/// <summary>
/// One attack of the catalogue: a hostile client's plan, run against a real broker while a victim
/// client runs traffic. The attack does not judge itself: the <see cref="Oracle.OutcomeOracle"/> reads
/// the device's DMA audit, the canaries, the victim's throughput and the broker's liveness.
/// </summary>
public interface IAttack
{
    /// <summary>Short unique name (used on the command line and in reports).</summary>
    string Name { get; }

    /// <summary>The family it belongs to.</summary>
    AttackFamily Family { get; }

    /// <summary>What the attacker does.</summary>
    string Description { get; }

    /// <summary>What stops it in Mediated mode.</summary>
    string Mitigation { get; }

    /// <summary>Changes to the broker's configuration the attack needs (most need none).</summary>
    void Configure(BrokerOptions options)
    {
    }

    /// <summary>
    /// Sets up before the victim's baseline (e.g. starts child processes, whose start-up would otherwise
    /// take CPU from the victim inside the window and be mistaken for a denial of service).
    /// </summary>
    void Prepare(AttackContext context)
    {
    }

    /// <summary>Plays the attack. Declares the refusals it expects through <paramref name="context"/>.</summary>
    void Run(AttackContext context);
}

/// <summary>Base class with the common properties.</summary>
public abstract class Attack : IAttack
{
    /// <inheritdoc />
    public abstract string Name { get; }
    /// <inheritdoc />
    public abstract AttackFamily Family { get; }
    /// <inheritdoc />
    public abstract string Description { get; }
    /// <inheritdoc />
    public abstract string Mitigation { get; }
    /// <inheritdoc />
    public virtual void Configure(BrokerOptions options)
    {
    }
    /// <inheritdoc />
    public virtual void Prepare(AttackContext context)
    {
    }
    /// <inheritdoc />
    public abstract void Run(AttackContext context);
    /// <inheritdoc />
    public override string ToString() => Name;
}
