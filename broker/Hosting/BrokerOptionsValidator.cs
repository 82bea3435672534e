using Microsoft.Extensions.Options;
using Mediator.Control;

namespace Mediator.Broker.Hosting;

/// <summary>Checks what attributes cannot: cross-field rules and the unsafe-mode switch.</summary>
public sealed class BrokerOptionsValidator : IValidateOptions<BrokerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        var failures = new List<string>();
        string? dir = Path.GetDirectoryName(options.SocketPath);
        if (string.IsNullOrEmpty(dir))
        {
            failures.Add($"Broker:SocketPath '{options.SocketPath}' must be an absolute path");
        }
        if (options.Wire == WireKind.Tap && Device.TunTap.CheckName(options.TapInterface) is { } tapProblem)
        {
            failures.Add($"Broker:TapInterface: {tapProblem}");
        }
        foreach (var rule in options.Policies.Append(options.DefaultPolicy))
        {
            if (rule.Mode != ClientMode.Mediated && !options.EnableUnsafeModes)
            {
                failures.Add($"policy '{rule.Name}' grants {rule.Mode}, which needs Broker:EnableUnsafeModes=true");
            }
            if (string.IsNullOrWhiteSpace(rule.Name))
            {
                failures.Add("every policy rule needs a Name");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
