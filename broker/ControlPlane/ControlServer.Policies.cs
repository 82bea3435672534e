using Mediator.Broker.Mediation;
using Mediator.Native;
using Mediator.Policies;

namespace Mediator.Broker.ControlPlane;

/// <summary>
/// The control server's part in the packet policies: compiling them onto new queues, and reloading the
/// rule set without dropping anyone. A reload is handed to the control thread (which alone owns the
/// connections); new connections get the new rules; a connected client keeps its connection, queues,
/// mode and quotas (granted in its HelloReply), and its live queues get the new packet rules (source MAC,
/// VLAN, ethertypes, rates) by a release store the data path picks up at its next batch.
/// </summary>
internal sealed partial class ControlServer
{
    private const ulong ReloadTag = ulong.MaxValue - 1;
    private readonly EventFd _reloadSignal = new();
    private PolicyResolver? _pendingPolicies;

    /// <summary>Policy reloads applied (tests, diagnostics).</summary>
    public int PolicyGeneration => Volatile.Read(ref _policyGeneration);

    private int _policyGeneration;

    /// <summary>Installs a new rule set (any thread); the control thread applies it between messages.</summary>
    public void ReloadPolicies(PolicyResolver policies)
    {
        Volatile.Write(ref _pendingPolicies, policies);
        _reloadSignal.Signal();
    }

    /// <summary>The metrics the queues are registered with (set before <see cref="Start"/>).</summary>
    public Hosting.BrokerMetrics? Metrics { get; set; }

    /// <summary>
    /// Compiles the client's policy for a new queue (its MAC), shares the client's rate limiter with it
    /// and registers its metrics.
    /// </summary>
    private void AttachPolicy(ClientConnection c, QueueSession session, int deviceQueue)
    {
        session.RateLimiter = c.RateLimiter;
        session.PublishPolicy(PacketPolicy.Compile(c.Policy!, QueueFactory.MacFor(deviceQueue)));
        Metrics?.Register(session, c.App, c.Policy!.Name);
    }

    private void ApplyPendingPolicies()
    {
        _reloadSignal.TryConsume();
        var policies = Interlocked.Exchange(ref _pendingPolicies, null);
        if (policies is null)
        {
            return;
        }
        _policies = policies;
        int changed = 0;
        foreach (var c in _connections.Values)
        {
            if (c.Policy is not { } old)
            {
                continue; // not identified yet: its Hello will use the new rules
            }
            if (Reresolve(policies, c.Peer, old, c.ClientId, out var changes) is not { } next)
            {
                continue;
            }
            c.Policy = next;
            foreach (var (session, deviceQueue) in c.Queues.Values)
            {
                session.PublishPolicy(PacketPolicy.Compile(next, QueueFactory.MacFor(deviceQueue)));
            }
            changed++;
            Log.ClientPolicyChanged(_logger, c.ClientId, c.App, c.Queues.Count, string.Join("; ", changes));
        }
        changed += ReloadVhostPolicies(policies);
        Interlocked.Increment(ref _policyGeneration);
        Log.PoliciesReloaded(_logger, _connections.Count, changed);
    }

    /// <summary>
    /// The policy a connected peer gets from reloaded rules: its packet rules (source MAC, VLAN, ethertypes,
    /// rates) from the new rules, its mode and quotas kept (the queues and memory it holds were granted
    /// under them). Null, logged when refused, when the new rules refuse the peer (it keeps its policy) or
    /// change nothing; otherwise <paramref name="changes"/> lists what differs.
    /// </summary>
    private ClientPolicy? Reresolve(PolicyResolver policies, PeerCredentials peer, ClientPolicy old, uint clientId, out IReadOnlyList<string> changes)
    {
        changes = [];
        var resolved = policies.Resolve(peer, out var refusal);
        if (refusal is not null)
        {
            Log.ReloadKeepsPolicy(_logger, clientId, old.Name, refusal.Reason);
            return null;
        }
        var next = resolved with { Mode = old.Mode, MaxQueues = old.MaxQueues, MaxUmemBytes = old.MaxUmemBytes, MaxFrameLength = old.MaxFrameLength };
        changes = next.ChangesFrom(old);
        return changes.Count == 0 ? null : next;
    }
}
