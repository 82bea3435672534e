namespace Mediator.Broker.Device;

/// <summary>
/// Lets the control path wait until the DMA engine cannot still be using something it just removed
/// (an unmapped region's host memory, an unregistered eventfd). The engine bumps an epoch on entry to
/// and exit from each step (odd = inside a step); a remover first unpublishes, then waits for the
/// epoch to leave the odd value it saw. Costs two atomic increments per step.
/// </summary>
internal sealed class DmaQuiescence
{
    private long _epoch;
    private int _stepperThread;

    /// <summary>Called by the stepping thread before it touches the bus.</summary>
    public void Enter()
    {
        // Plain-ordered before the increment below; only read by the same-thread check in WaitForStepBoundary.
        Volatile.Write(ref _stepperThread, Environment.CurrentManagedThreadId);
        // Full fence: pairs with the fence in WaitForStepBoundary (Dekker): either the remover sees the
        // odd epoch and waits, or this step's later page-table reads see the remover's cleared entries.
        Interlocked.Increment(ref _epoch);
    }

    /// <summary>Called by the stepping thread after its last bus access of the step.</summary>
    public void Exit() => Interlocked.Increment(ref _epoch); // release of every access made in the step

    /// <summary>
    /// Returns once no step that began before this call is still running. Returns at once when called
    /// from inside a step (a wire or callback on the stepping thread) or when no step runs.
    /// </summary>
    public void WaitForStepBoundary()
    {
        // Full fence: the caller's unpublish (page-table clear, slot clear) must be globally visible
        // before we sample the epoch; pairs with the Interlocked.Increment in Enter.
        Interlocked.MemoryBarrier();
        long seen = Volatile.Read(ref _epoch);
        if ((seen & 1) == 0 || Volatile.Read(ref _stepperThread) == Environment.CurrentManagedThreadId)
        {
            return;
        }
        SpinWait spin = default;
        while (Volatile.Read(ref _epoch) == seen) // acquire: pairs with the increment in Exit
        {
            spin.SpinOnce();
        }
    }
}
