using LiteDB;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// Issue 17 C8: a recipe version is recorded with where it came from (the base it extends, the recipe it was copied from),
/// and <c>lineage --recipe</c> follows those links; versions recorded before the link was kept still read.
/// </summary>
public sealed class RecipeDerivationTests
{
    private static RecipeVersionRecord Copy(string id, string from, DateTimeOffset recorded, string? extends = null)
    {
        var text = $"# {id}: a copy\n# Copied from {from} with `trainplat recipe new`.\nid: {id}\nversion: 0.1.0\ntask: sft\n"
            + (extends is null ? "" : $"extends: {extends}\n") + "training:\n  lr: 1.0e-5\n";
        return new RecipeVersionRecord(Sha(text), id, "0.1.0", "sft", "sft", text, recorded);
    }

    [Fact]
    public void The_text_says_what_a_recipe_extends_and_the_last_copied_from_line_what_it_was_copied_from()
    {
        Assert.Equal(RecipeDerivation.None, RecipeDerivation.FromText("id: a\nconfig: {}\n"));
        Assert.Equal(new RecipeDerivation("sft_lora@1.0.0", null), RecipeDerivation.FromText("id: a\nextends: sft_lora@1.0.0   # pinned\nconfig: {}\n"));
        Assert.Equal(new RecipeDerivation("sft_lora", null), RecipeDerivation.FromText("id: a\nextends: \"sft_lora\"\r\nconfig:\n  extends: no\n"));
        var copyOfCopy = "# Copied from grpo_basic@1.2.0 with `trainplat recipe new`.\n# Copied from my_grpo@0.1.0 with `trainplat recipe new`.\nid: my2\n";
        Assert.Equal(new RecipeDerivation(null, "my_grpo@0.1.0"), RecipeDerivation.FromText(copyOfCopy));
    }

    [Fact]
    public void Jobs_of_copies_and_of_recipes_extending_them_are_listed_with_the_links_also_from_a_store_that_did_not_keep_them()
    {
        using var dir = new StoreDir();
        // As job create and job import record them: with the links their text gives.
        static RecipeVersionRecord Recorded(RecipeVersionRecord r) => r with { DerivedFrom = RecipeDerivation.FromText(r.Text) };
        var sftV1 = Recorded(Recipe("sft_base", "1.0.0", "sft", T0));
        var sftV2 = Recorded(Recipe("sft_base", "2.0.0", "sft", T0.AddHours(1)));
        var mine = Recorded(Copy("my_sft", "sft_base@1.0.0", T0.AddHours(2)));
        var theirs = Recorded(Copy("their_sft", "my_sft@0.1.0", T0.AddHours(3)));
        var onTop = Recorded(Recipe("on_top", "0.3.0", "sft", T0.AddHours(4), extends: "their_sft"));
        var unrelated = Recorded(Copy("other_sft", "sft_base@2.0.0", T0.AddHours(5)));
        using (var store = TestStores.Open(dir.Store))
        {
            store.CreateJob(NewJob("000000000001", sftV1, T0.AddMinutes(1)));
            store.CreateJob(NewJob("000000000002", mine, T0.AddMinutes(2)));
            store.CreateJob(NewJob("000000000003", theirs, T0.AddMinutes(3)));
            store.CreateJob(NewJob("000000000004", onTop, T0.AddMinutes(4), chain: [theirs]));
            store.CreateJob(NewJob("000000000005", unrelated, T0.AddMinutes(5)));
            store.CreateJob(NewJob("000000000006", sftV2, T0.AddMinutes(6)));

            // The links are kept with the version.
            Assert.Equal(new RecipeDerivation(null, "my_sft@0.1.0"), store.GetRecipeVersion(theirs.Hash)!.DerivedFrom);
            Assert.Equal(RecipeDerivation.None, store.GetRecipeVersion(sftV1.Hash)!.DerivedFrom);
            Assert.Equal(Expected, Uses(store));
        }

        // A store written before the links were kept: no "derived" field. It still reads; the links come from the recorded text.
        using (var raw = new LiteDatabase(new ConnectionString { Filename = dir.Store, Connection = ConnectionType.Direct }))
        {
            var recipes = raw.GetCollection("recipe_versions");
            foreach (var doc in recipes.FindAll().ToList())
            {
                Assert.True(doc.Remove("derived"));
                recipes.Update(doc);
            }
        }

        using (var store = TestStores.Open(dir.Store))
        {
            Assert.Null(store.GetRecipeVersion(theirs.Hash)!.DerivedFrom);
            Assert.Equal(Expected, Uses(store));
        }
    }

    private static readonly string[] Expected =
    [
        "000000000004 on_top@0.3.0 <- sft_base@1.0.0: extends their_sft@0.1.0, copied my_sft@0.1.0, copied sft_base@1.0.0",
        "000000000003 their_sft@0.1.0 <- sft_base@1.0.0: copied my_sft@0.1.0, copied sft_base@1.0.0",
        "000000000002 my_sft@0.1.0 <- sft_base@1.0.0: copied sft_base@1.0.0",
        "000000000001 sft_base@1.0.0 <- sft_base@1.0.0: ",
    ];

    private static string[] Uses(ILineageStore store) =>
        [.. LineageQueries.JobsUsingRecipe(store, "sft_base", "1.0.0").Select(u =>
            $"{u.Job.Id} {u.Job.RecipeId}@{u.Job.RecipeVersion} <- {u.Version.RecipeId}@{u.Version.Version}: "
            + string.Join(", ", u.Links.Select(l => $"{RecipeDerivation.Name(l.Kind)} {l.To.RecipeId}@{l.To.Version}")))];
}
