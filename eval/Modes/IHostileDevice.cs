namespace Mediator.Eval.Modes;

/// <summary>What became of a hostile primitive as far as the attacker can tell (the oracle decides the outcome).</summary>
/// <param name="Submitted">Requests, descriptors or writes the attacker managed to hand over.</param>
/// <param name="Note">What happened, in words.</param>
public readonly record struct PrimitiveResult(int Submitted, string Note);

/// <summary>
/// An attack's hostile operations, expressed once, independent of the mode. Each mode decides how to
/// attempt them: Mediated through requests naming UMEM offsets (which the broker must refuse or keep
/// inside the UMEM), TxDirect and DirectMap through raw descriptors, BAR and MSI-X writes.
/// </summary>
public interface IHostileDevice
{
    /// <summary>The mode this adapter drives.</summary>
    EvalMode Mode { get; }

    /// <summary>The bus address of the attacker's own UMEM (the base every offset is relative to).</summary>
    ulong UmemBus { get; }

    /// <summary>Makes the device read <paramref name="length"/> bytes at bus address <paramref name="bus"/> (transmit them), <paramref name="count"/> times.</summary>
    PrimitiveResult DeviceRead(ulong bus, uint length, int count = 1);

    /// <summary>Makes the device write received frames at bus address <paramref name="bus"/> (an RX buffer there), <paramref name="count"/> times.</summary>
    PrimitiveResult DeviceWrite(ulong bus, int count = 1);

    /// <summary>Programs MSI-X vector <paramref name="vector"/> to write <paramref name="data"/> at <paramref name="address"/>, then makes it fire.</summary>
    PrimitiveResult ProgramMsix(int vector, ulong address, uint data);

    /// <summary>Writes a BAR0 register.</summary>
    PrimitiveResult WriteRegister(int offset, uint value);
}

/// <summary>Thrown when a mode cannot be driven yet (its client API is not available): the cell is NotRun.</summary>
public sealed class ModeUnavailableException(string message) : Exception(message);
