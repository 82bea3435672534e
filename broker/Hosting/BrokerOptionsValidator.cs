using Microsoft.Extensions.Options;
using Mediator.Control;

namespace Mediator.Broker.Hosting;

/// <summary>
/// Checks what attributes on <see cref="BrokerOptions"/> cannot: cross-field rules, the unsafe-mode
/// switch, and every policy rule (its own ranges included: the options binder does not validate nested
/// objects), each failure naming the rule and the field.
/// </summary>
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
        if (!Enum.IsDefined(options.RxRearm))
        {
            // The binder accepts any number for an enum; only the named values mean something.
            failures.Add($"Broker:RxRearm '{options.RxRearm}' must be {string.Join(" or ", Enum.GetNames<RxRearmThreading>())}");
        }
        if (options.Wire == WireKind.Tap && Device.TunTap.CheckName(options.TapInterface) is { } tapProblem)
        {
            failures.Add($"Broker:TapInterface: {tapProblem}");
        }
        if (options.Wire == WireKind.Generator && GeneratorMacProblem(options.GeneratorDestinationMac) is { } macProblem)
        {
            failures.Add($"Broker:GeneratorDestinationMac: {macProblem}");
        }
        var vhostPaths = new HashSet<string>(StringComparer.Ordinal);
        var vhostMacs = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.VhostUser.Count; i++)
        {
            var port = options.VhostUser[i];
            if (port is null)
            {
                failures.Add($"Broker:VhostUser:{i} is empty");
                continue;
            }
            if (port.Validate($"Broker:VhostUser:{i}") is { } problem)
            {
                failures.Add(problem);
            }
            else if (!vhostPaths.Add(port.Path) || port.Path == options.SocketPath)
            {
                failures.Add($"Broker:VhostUser:{i}:Path '{port.Path}' is used twice");
            }
            else if (!vhostMacs.Add(VhostUserPortOptions.Format(port.ResolveMac(i))))
            {
                failures.Add($"Broker:VhostUser:{i}:Mac {VhostUserPortOptions.Format(port.ResolveMac(i))} is another port's MAC");
            }
        }
        var rules = options.Policies.Select((r, i) => (Rule: r, Where: $"Broker:Policies:{i}"))
            .Append((Rule: options.DefaultPolicy, Where: "Broker:DefaultPolicy"));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (rule, where) in rules)
        {
            if (rule is null)
            {
                failures.Add($"{where} is empty");
                continue;
            }
            if (rule.Mode != ClientMode.Mediated && !options.EnableUnsafeModes)
            {
                failures.Add($"policy '{rule.Name}' ({where}) grants {rule.Mode}, which needs Broker:EnableUnsafeModes=true");
            }
            if (string.IsNullOrWhiteSpace(rule.Name))
            {
                failures.Add($"every policy rule needs a Name ({where} has none)");
            }
            else if (!names.Add(rule.Name))
            {
                failures.Add($"policy '{rule.Name}' ({where}): another rule has the same Name");
            }
            failures.AddRange(rule.Validate(where).Where(f => !f.Contains(": Name: ", StringComparison.Ordinal)));
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? GeneratorMacProblem(string? mac)
    {
        if (string.IsNullOrWhiteSpace(mac))
        {
            return "required with Broker:Wire=Generator (the MAC the generated frames are addressed to)";
        }
        try
        {
            _ = Device.MacAddress.Parse(mac);
            return null;
        }
        catch (FormatException)
        {
            return $"'{mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)";
        }
    }
}
