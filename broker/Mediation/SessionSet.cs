using System.Threading.Channels;
using Mediator.Native;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The queues one thread serves, changed only by that thread between rounds (from commands the
/// control plane posts), kept as an array so that a round iterates without allocating or locking.
/// Also owns the thread's epoll set and wake-up eventfd.
/// </summary>
internal sealed class SessionSet : IDisposable
{
    private const ulong WakeTag = ulong.MaxValue;
    private readonly Channel<SessionCommand> _commands = Channel.CreateUnbounded<SessionCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly EventFd _wake = new();
    private readonly Dictionary<ulong, (QueueSession Session, EventFd Fd)> _byTag = [];
    private readonly Func<QueueSession, EventFd> _kickOf;
    private readonly ulong[] _ready = new ulong[64];
    private readonly Dictionary<ulong, EventFd> _extra = [];

    public SessionSet(Func<QueueSession, EventFd> kickOf)
    {
        _kickOf = kickOf;
        Epoll.Add(_wake.Handle.Fd, WakeTag);
    }

    /// <summary>The served queues; replaced (not mutated) on change.</summary>
    public QueueSession[] Sessions { get; private set; } = [];

    /// <summary>The thread's epoll set: kicks of every served queue plus the command wake-up.</summary>
    public Epoll Epoll { get; } = new();

    /// <summary>Posts a command (any thread) and wakes the serving thread.</summary>
    public SessionCommand Post(SessionCommand command)
    {
        _commands.Writer.TryWrite(command);
        _wake.Signal();
        return command;
    }

    /// <summary>Wakes the serving thread without a command (e.g. to stop it).</summary>
    public void Wake() => _wake.Signal();

    /// <summary>Fails every pending command (the thread is stopping).</summary>
    public void FailPending()
    {
        _commands.Writer.TryComplete();
        while (_commands.Reader.TryRead(out var command))
        {
            command.Done.TrySetException(new ObjectDisposedException("the data path has stopped"));
        }
    }

    /// <summary>Applies pending commands (serving thread). <paramref name="onRemove"/> runs for a removed queue before Done completes.</summary>
    public void ApplyCommands(Action<QueueSession> onRemove)
    {
        while (_commands.Reader.TryRead(out var command))
        {
            try
            {
                var s = command.Session;
                var kick = _kickOf(s);
                ulong tag = (ulong)kick.Handle.Fd;
                if (command.Add)
                {
                    Sessions = [.. Sessions, s];
                    _byTag[tag] = (s, kick);
                    Epoll.Add(kick.Handle.Fd, tag);
                }
                else
                {
                    Sessions = Array.FindAll(Sessions, x => !ReferenceEquals(x, s));
                    _byTag.Remove(tag);
                    Epoll.Remove(kick.Handle.Fd);
                    onRemove(s);
                }
                command.Done.TrySetResult();
            }
            catch (Exception e)
            {
                command.Done.TrySetException(e);
            }
        }
    }

    /// <summary>Sleeps up to <paramref name="timeoutMs"/> on the kicks; consumes them and counts a wake-up per queue.</summary>
    public void Sleep(int timeoutMs, Control.QueueCounter wakeCounter, Func<QueueSession, QueueCounters> countersOf)
    {
        int n = Epoll.Wait(_ready, timeoutMs);
        for (int i = 0; i < n; i++)
        {
            ulong tag = _ready[i];
            if (tag == WakeTag)
            {
                _wake.TryConsume();
            }
            else if (_byTag.TryGetValue(tag, out var entry))
            {
                entry.Fd.TryConsume();
                countersOf(entry.Session).Increment(wakeCounter);
            }
            else if (_extra.TryGetValue(tag, out var extra))
            {
                extra.TryConsume();
            }
        }
    }

    /// <summary>Adds another descriptor to wake on (e.g. an interrupt eventfd).</summary>
    public void AddWakeSource(EventFd fd, ulong tag)
    {
        Epoll.Add(fd.Handle.Fd, tag);
        _extra[tag] = fd;
    }

    /// <summary>Stops waking on a descriptor added by <see cref="AddWakeSource"/> (serving thread, before the descriptor closes).</summary>
    public void RemoveWakeSource(ulong tag)
    {
        if (_extra.Remove(tag, out var fd))
        {
            Epoll.Remove(fd.Handle.Fd);
        }
    }


    public void Dispose()
    {
        Epoll.Dispose();
        _wake.Dispose();
    }
}
