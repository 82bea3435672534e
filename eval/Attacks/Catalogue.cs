namespace Mediator.Eval.Attacks;

/// <summary>Every attack of the catalogue, by family then name.</summary>
public static class Catalogue
{
    /// <summary>The attacks (one instance each).</summary>
    public static IReadOnlyList<IAttack> All { get; } = typeof(Catalogue).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IAttack).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (IAttack)Activator.CreateInstance(t)!)
        .OrderBy(a => a.Family).ThenBy(a => a.Name, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The attack named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static IAttack? Find(string name) => All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
}
