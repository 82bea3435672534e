using Mediator.Control;
using Mediator.Native;

namespace Mediator.Policies;

/// <summary>Why a client was refused at Hello.</summary>
/// <param name="Reason">Text for the error reply and the log.</param>
public sealed record PolicyRefusal(string Reason);

/// <summary>
/// Picks the policy for a peer: the first rule whose match fits its SO_PEERCRED identity, else the
/// default. Unsafe modes (TxDirect, DirectMap) are refused unless the broker enabled them.
/// </summary>
public sealed class PolicyResolver
{
    private readonly IReadOnlyList<PolicyRule> _rules;
    private readonly ClientPolicy _default;
    private readonly bool _unsafeModesEnabled;

    /// <summary>Creates a resolver over <paramref name="rules"/> (checked in order).</summary>
    public PolicyResolver(IReadOnlyList<PolicyRule> rules, ClientPolicy? defaultPolicy = null, bool unsafeModesEnabled = false)
    {
        _rules = rules;
        _default = defaultPolicy ?? ClientPolicy.Default;
        _unsafeModesEnabled = unsafeModesEnabled;
    }

    /// <summary>Resolves the policy for <paramref name="peer"/>, or says why the peer is refused.</summary>
    public ClientPolicy Resolve(PeerCredentials peer, out PolicyRefusal? refusal)
    {
        string? exe = null;
        bool needExe = false;
        foreach (var rule in _rules)
        {
            needExe |= rule.Executable is not null;
        }
        if (needExe)
        {
            exe = peer.ExecutablePath;
        }
        ClientPolicy policy = _default;
        foreach (var rule in _rules)
        {
            if (rule.Matches(peer.Uid, peer.Gid, exe))
            {
                policy = rule.ToPolicy();
                break;
            }
        }
        refusal = null;
        if (policy.Mode != ClientMode.Mediated && !_unsafeModesEnabled)
        {
            refusal = new PolicyRefusal($"policy '{policy.Name}' grants {policy.Mode}, but unsafe modes are disabled in the broker's configuration");
        }
        return policy;
    }
}
