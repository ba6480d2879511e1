using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Tests.Validation;

/// <summary>Mutated recipes never crash the reader or the validator (fixed seed, so failures reproduce).</summary>
public sealed class FuzzTests
{
    private static readonly string[] Fragments =
        ["{", "}", "[", "]", ":", "- ", "\t", "\"", "'", "&a ", "*a", "!!python/object ", "<<: ", "---\n", "...\n", "? ", "|", ">", "#", "\n  ", "%YAML 1.1\n", "\u00e9", "\0", "\r"];

    [Fact]
    public void Mutated_builtins_give_diagnostics_not_exceptions()
    {
        var random = new Random(20261125);
        var sources = Directory.GetFiles(TestPaths.Recipes, "*.yaml").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToArray();
        var lookup = new EmptyLookup();
        for (var i = 0; i < 3000; i++)
        {
            var text = sources[random.Next(sources.Length)];
            var mutations = 1 + random.Next(4);
            for (var m = 0; m < mutations; m++)
            {
                var at = random.Next(text.Length);
                text = random.Next(3) switch
                {
                    0 => text.Insert(at, Fragments[random.Next(Fragments.Length)]),
                    1 => text.Remove(at, Math.Min(text.Length - at, 1 + random.Next(20))),
                    _ => text[..at] + text[Math.Min(text.Length, at + random.Next(40))..] + text[..Math.Min(text.Length, random.Next(60))],
                };
            }

            var doc = RecipeDocument.Parse(text, $"fuzz{i}.yaml");
            var diagnostics = RecipeValidator.ValidateRecipe(doc, lookup);
            Assert.All(diagnostics, d => Assert.True(d.Line >= 1 && d.Column >= 1, $"case {i}: {d}"));
        }
    }

    private sealed class EmptyLookup : IRecipeLookup
    {
        public IEnumerable<string> Ids => [];

        public bool Exists(string id) => false;

        public string? ExtendsOf(string id) => null;
    }
}
