using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using NetArchTest.Rules;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Core.Tests.Architecture;

/// <summary>
/// Core's layers (docs/architecture.md), read from the compiled assembly: each folder's namespace may use only
/// the layers below it and the few same-layer edges listed here; Core never uses the console or System.CommandLine,
/// and reads no clock, environment or user name of its own (they are injected).
/// </summary>
public sealed class LayerTests
{
    private const string Root = "TrainingPlatform.Core.";

    /// <summary>Bottom to top; a folder may use every folder of a lower layer.</summary>
    internal static readonly string[][] Layers =
    [
        ["Text", "Diagnostics"],
        ["Yaml", "Schema", "Remote"],
        ["Recipes", "Project"],
        ["Validation", "Resolution", "Rendering"],
        ["Frameworks"],
        ["Diffing", "Datasets", "Lineage"],
        ["Jobs", "Experience", "Checks"],
        ["Reporting"],
    ];

    /// <summary>The only dependencies inside one layer, each in one direction (why: docs/architecture.md).</summary>
    internal static readonly (string From, string To)[] SameLayer =
    [
        ("Schema", "Yaml"),
        ("Recipes", "Project"),
        ("Resolution", "Validation"),
        ("Rendering", "Resolution"),
        ("Lineage", "Datasets"),
    ];

    private static Assembly Core => typeof(RecipeDocument).Assembly;

    public static TheoryData<string> Folders => [.. Layers.SelectMany(l => l)];

    [Fact]
    public void Every_namespace_of_Core_is_a_folder_of_a_layer()
    {
        var unknown = Core.GetTypes().Select(t => t.Namespace).OfType<string>().Distinct()
            .Where(n => n.StartsWith(Root, StringComparison.Ordinal) && !Folders.Contains(n[Root.Length..].Split('.')[0]))
            .ToArray();
        Assert.True(unknown.Length == 0, "namespaces outside the layers of docs/architecture.md: " + string.Join(", ", unknown));
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void A_folder_uses_only_the_layers_below_it_and_its_allowed_neighbours(string folder)
    {
        var violations = new List<string>();
        foreach (var forbidden in Forbidden(folder))
        {
            var result = Types.InAssembly(Core).That().ResideInNamespace(Root + folder)
                .ShouldNot().HaveDependencyOn(Root + forbidden).GetResult();
            violations.AddRange((result.FailingTypeNames ?? []).Select(t => $"{t} -> {Root}{forbidden}"));
        }

        Assert.True(violations.Count == 0, $"{folder} may not use these (docs/architecture.md):\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Core_uses_neither_the_console_nor_System_CommandLine()
    {
        var violations = new List<string>();
        foreach (var forbidden in new[] { "System.Console", "System.CommandLine" })
        {
            var result = Types.InAssembly(Core).ShouldNot().HaveDependencyOn(forbidden).GetResult();
            violations.AddRange((result.FailingTypeNames ?? []).Select(t => $"{t} -> {forbidden}"));
        }

        Assert.True(violations.Count == 0, "Core never prints (the CLI does):\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Core_reads_no_clock_environment_or_user_of_its_own()
    {
        // Members, not types: DateTime itself is fine, DateTime.UtcNow is a hidden global.
        string[] forbidden =
        [
            "System.DateTime.get_UtcNow", "System.DateTime.get_Now", "System.DateTimeOffset.get_UtcNow", "System.DateTimeOffset.get_Now",
            "System.TimeProvider.get_System", "System.Environment.GetEnvironmentVariable", "System.Environment.get_UserName",
            "System.Environment.get_MachineName",
        ];
        var violations = MemberUses(Core.Location, forbidden.ToHashSet(StringComparer.Ordinal));
        Assert.True(violations.Count == 0, "inject these through a parameter (TimeProvider, an options record):\n" + string.Join("\n", violations));
    }

    private static IEnumerable<string> Forbidden(string folder)
    {
        var layer = Array.FindIndex(Layers, l => l.Contains(folder));
        return Layers.SelectMany((l, i) => i < layer ? [] : l)
            .Where(f => f != folder && !SameLayer.Contains((folder, f)));
    }

    /// <summary>"Type.Method -> Member" for every call in a method body to one of <paramref name="members"/> (by metadata token).</summary>
    private static List<string> MemberUses(string assemblyPath, HashSet<string> members)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var tokens = new Dictionary<int, string>();
        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            if (member.Parent.Kind != HandleKind.TypeReference)
            {
                continue;
            }

            var parent = md.GetTypeReference((TypeReferenceHandle)member.Parent);
            var name = $"{md.GetString(parent.Namespace)}.{md.GetString(parent.Name)}.{md.GetString(member.Name)}";
            if (members.Contains(name))
            {
                tokens[MetadataTokens.GetToken(handle)] = name;
            }
        }

        var found = new List<string>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes() ?? [];
                for (var i = 0; i + 4 < il.Length; i++)
                {
                    // call (0x28) or callvirt (0x6F) followed by a MemberRef token.
                    if (il[i] is 0x28 or 0x6F && tokens.TryGetValue(BitConverter.ToInt32(il, i + 1), out var name))
                    {
                        found.Add($"{FullName(md, type)}.{md.GetString(method.Name)} -> {name}");
                    }
                }
            }
        }

        return found;
    }

    private static string FullName(MetadataReader md, TypeDefinition type)
    {
        var declaring = type.GetDeclaringType();
        return declaring.IsNil
            ? $"{md.GetString(type.Namespace)}.{md.GetString(type.Name)}"
            : $"{FullName(md, md.GetTypeDefinition(declaring))}+{md.GetString(type.Name)}";
    }
}
