using Mediator.Control;

namespace Mediator.Client;

/// <summary>
/// The broker refused a control request (it answered with an Error message), or it answered with
/// something the client cannot accept (a malformed or unexpected reply, wrong descriptors).
/// </summary>
public sealed class MediatorException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">Why the request failed.</param>
    /// <param name="failedType">The request that failed.</param>
    /// <param name="message">The broker's text, or the client's description of the fault.</param>
    /// <param name="fromBroker">True when the broker sent an Error; false when the client detected the fault.</param>
    public MediatorException(ErrorCode code, MessageType failedType, string message, bool fromBroker)
        : base(fromBroker ? $"broker refused {failedType}: {code}: {message}" : $"{failedType}: {code}: {message}")
    {
        Code = code;
        FailedType = failedType;
        BrokerText = fromBroker ? message : null;
    }

    /// <summary>The error code (the broker's, or <see cref="ErrorCode.Malformed"/> for a bad reply).</summary>
    public ErrorCode Code { get; }

    /// <summary>The request that failed.</summary>
    public MessageType FailedType { get; }

    /// <summary>The broker's own explanation when it sent an Error message; null for client-detected faults.</summary>
    public string? BrokerText { get; }

    /// <summary>True when the broker itself refused the request.</summary>
    public bool IsFromBroker => BrokerText is not null;
}
