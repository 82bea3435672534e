namespace Mediator.Broker.Mediation;

/// <summary>
/// A change to the set of queues a data-path thread serves, sent from the control plane through a
/// channel. The thread applies it between rounds and completes <see cref="Done"/>, so the control
/// plane knows when the thread has let go of a queue.
/// </summary>
/// <param name="Session">The queue.</param>
/// <param name="Add">True to start serving it, false to stop.</param>
internal sealed record SessionCommand(QueueSession Session, bool Add)
{
    /// <summary>Completed by the serving thread once the command took effect.</summary>
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
