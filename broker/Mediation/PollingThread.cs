using Mediator.Native;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The skeleton the broker's two data threads share: a dedicated thread that applies queue commands
/// between rounds, runs rounds, spins a bounded number of idle rounds (yielding every 64 so a client on
/// the same core can run), then sleeps until an eventfd says there is work. A fault ends the thread and
/// is kept for the broker's watchdog. <see cref="Round"/> is one virtual call per round, never per packet.
/// </summary>
internal abstract class PollingThread : IDisposable
{
    private readonly int _idleSpins;
    private readonly Thread _thread;
    private volatile bool _stop;

    protected PollingThread(string name, int idleSpins, params Func<QueueSession, EventFd>[] kicksOf)
    {
        _idleSpins = idleSpins;
        Sessions = new SessionSet(kicksOf);
        _thread = new Thread(Run) { Name = name, IsBackground = true };
    }

    /// <summary>The queues served and the command channel.</summary>
    public SessionSet Sessions { get; }

    /// <summary>Set when the thread died of an exception (the broker then stops).</summary>
    public Exception? Fault { get; private set; }

    public void Start() => _thread.Start();

    public void Stop()
    {
        _stop = true;
        Sessions.Wake();
        _thread.Join();
    }

    /// <summary>Serves every queue once; returns the work done (0: idle).</summary>
    protected abstract int Round();

    /// <summary>Announces sleep on the rings (need-wakeup), re-checks them, and sleeps if still idle.</summary>
    protected abstract void Sleep();

    /// <summary>Runs on this thread when a queue is removed, before the control plane hears it is done.</summary>
    protected virtual void OnRemoved(QueueSession session)
    {
    }

    /// <summary>Logs the exception that ended the thread.</summary>
    protected abstract void LogFault(Exception e);

    private void Run()
    {
        try
        {
            int idle = 0;
            while (!_stop)
            {
                Sessions.ApplyCommands(OnRemoved);
                if (Round() != 0)
                {
                    idle = 0;
                }
                else if (++idle > _idleSpins)
                {
                    Sleep();
                    idle = 0;
                }
                else if ((idle & 63) == 0)
                {
                    Thread.Yield(); // let a client on the same core run
                }
            }
        }
        catch (Exception e)
        {
            Fault = e;
            LogFault(e);
        }
        finally
        {
            Sessions.FailPending();
        }
    }

    public virtual void Dispose() => Sessions.Dispose();
}
