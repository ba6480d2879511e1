using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Schema;

namespace TrainingPlatform.Core.Tests.Diffing;

public sealed class ConfigDiffTests
{
    [Theory]
    [InlineData("1e-6", "0.000001")]
    [InlineData("1e-6", "1.0e-06")]
    [InlineData("0.000001", "1.0E-6")]
    [InlineData("16", "16.0")]
    [InlineData("16", "1.6e1")]
    [InlineData("0", "0.0")]
    [InlineData("-3", "-3.0e0")]
    public void Numbers_compare_by_value(string left, string right)
    {
        Assert.Empty(Diff($"optimizer:\n  learning_rate: {left}\n", $"optimizer:\n  learning_rate: {right}\n"));
    }

    [Fact]
    public void Json_and_yaml_spellings_of_the_same_config_are_equal()
    {
        Assert.Empty(Diff("a: 1.0e-06\nb: [1, 2]\nc: {d: true}\n", """{"c": {"d": true}, "b": [1.0, 2e0], "a": 1E-6}"""));
    }

    [Fact]
    public void Key_order_never_matters()
    {
        Assert.Empty(Diff("a: 1\nb:\n  x: 1\n  y: 2\nc: 3\n", "c: 3\nb:\n  y: 2\n  x: 1\na: 1\n"));
    }

    [Fact]
    public void A_changed_number_has_its_ratio()
    {
        var change = Assert.Single(Diff("batch:\n  mini_batch_size: 1024\n", "batch:\n  mini_batch_size: 512\n"));
        Assert.Equal(ChangeKind.Changed, change.Kind);
        Assert.Equal("batch.mini_batch_size", change.Path);
        Assert.Equal(0.5, change.Ratio);
        Assert.Null(change.OrdersOfMagnitude);
        Assert.Equal(Importance.Important, change.Severity);
    }

    [Fact]
    public void A_log_scale_key_has_its_change_in_orders_of_magnitude()
    {
        var change = Assert.Single(Diff("optimizer:\n  learning_rate: 1.0e-6\n", "optimizer:\n  learning_rate: 1.0e-5\n"));
        Assert.Equal(1.0, change.OrdersOfMagnitude);
        Assert.Equal(10.0, change.Ratio);
        Assert.Equal(Importance.Critical, change.Severity);

        var down = Assert.Single(Diff("rl:\n  kl_coef: 0.01\n", "rl:\n  kl_coef: 0.001\n"));
        Assert.Equal(-1.0, down.OrdersOfMagnitude);
    }

    [Fact]
    public void No_ratio_from_zero_and_no_orders_through_zero()
    {
        var change = Assert.Single(Diff("rl:\n  kl_coef: 0.0\n", "rl:\n  kl_coef: 0.001\n"));
        Assert.Null(change.Ratio);
        Assert.Null(change.OrdersOfMagnitude);
    }

    [Theory]
    [InlineData("1", "\"1\"", "integer", "text")]
    [InlineData("1.5", "\"1.5\"", "number", "text")]
    [InlineData("true", "\"true\"", "boolean", "text")]
    [InlineData("[a]", "a", "list", "text")]
    [InlineData("{a: 1}", "1", "map", "integer")]
    public void A_change_of_type_is_its_own_kind(string left, string right, string leftType, string rightType)
    {
        var change = Assert.Single(Diff($"x: {left}\n", $"x: {right}\n"));
        Assert.Equal(ChangeKind.TypeChanged, change.Kind);
        Assert.Equal("type_changed", change.KindName);
        Assert.Equal(leftType, ConfigDiff.TypeName(change.Old));
        Assert.Equal(rightType, ConfigDiff.TypeName(change.New));
    }

    [Fact]
    public void Integer_to_float_of_another_value_and_null_to_a_value_are_plain_changes()
    {
        Assert.Equal(ChangeKind.Changed, Assert.Single(Diff("x: 16\n", "x: 16.5\n")).Kind);
        var fromNull = Assert.Single(Diff("optimizer:\n  max_grad_norm: null\n", "optimizer:\n  max_grad_norm: 1.0\n"));
        Assert.Equal(ChangeKind.Changed, fromNull.Kind);
        Assert.Null(fromNull.Old);
    }

    [Fact]
    public void A_map_added_or_removed_is_reported_leaf_by_leaf_with_each_severity()
    {
        var changes = Diff("model:\n  precision: bf16\n", "model:\n  precision: bf16\nlora:\n  rank: 16\n  dropout: 0.05\n  extra: {x: 1}\n");
        Assert.Equal(["lora.dropout", "lora.rank", "lora.extra.x"], changes.Select(c => c.Path));
        Assert.All(changes, c => Assert.Equal(ChangeKind.Added, c.Kind));
        Assert.Equal([Importance.Important, Importance.Important, Importance.Minor], changes.Select(c => c.Severity));

        var removed = Assert.Single(Diff("a:\n  b: {}\n", "a: {}\n"));
        Assert.Equal(("a.b", ChangeKind.Removed), (removed.Path, removed.Kind));
        Assert.Equal("{}", removed.Old!.ToJsonString());
    }

    [Fact]
    public void A_list_of_scalars_is_one_value()
    {
        var change = Assert.Single(Diff("lora:\n  target_modules: [q_proj, v_proj]\n", "lora:\n  target_modules: [v_proj, q_proj, k_proj]\n"));
        Assert.Equal(("lora.target_modules", ChangeKind.Changed, Importance.Important), (change.Path, change.Kind, change.Severity));
        Assert.Empty(Diff("a: [1, 2.0, x]\n", "a: [1.0, 2, x]\n"));
    }

    [Fact]
    public void Lists_of_maps_match_by_name_so_a_reorder_is_no_change()
    {
        const string Left = """
            extra:
              reward_fns:
                - {name: math, weight: 1.0}
                - {name: format, weight: 0.1}
                - {name: length, weight: 0.5}
            """;
        const string Reordered = """
            extra:
              reward_fns:
                - {name: length, weight: 0.5}
                - {name: math, weight: 1}
                - {name: format, weight: 0.1}
            """;
        Assert.Empty(Diff(Left, Reordered));

        const string Right = """
            extra:
              reward_fns:
                - {name: format, weight: 0.2}
                - {name: math, weight: 1.0}
                - {name: code, weight: 1.0}
            """;
        var changes = Diff(Left, Right);
        Assert.Equal(
            ["extra.reward_fns[name=code]:Added", "extra.reward_fns[name=format].weight:Changed", "extra.reward_fns[name=length]:Removed"],
            changes.Select(c => c.Path + ":" + c.Kind));
        Assert.Equal("""{"name":"length","weight":0.5}""", changes[2].Old!.ToJsonString());
    }

    [Fact]
    public void Id_or_key_identifies_items_when_name_does_not()
    {
        Assert.Equal("stages[id=2].lr", Assert.Single(Diff("stages:\n  - {id: 1, lr: 1}\n  - {id: 2, lr: 2}\n", "stages:\n  - {id: 2, lr: 3}\n  - {id: 1, lr: 1}\n")).Path);
        Assert.Equal("env[key=B].value", Assert.Single(Diff("env:\n  - {key: A, value: x}\n  - {key: B, value: y}\n", "env:\n  - {key: B, value: z}\n  - {key: A, value: x}\n")).Path);
    }

    [Theory]
    [InlineData("- {name: a, w: 1}\n  - {w: 2}", "- {name: a, w: 1}\n  - {w: 3}")] // an item without a name
    [InlineData("- {name: a, w: 1}\n  - {name: a, w: 2}", "- {name: a, w: 1}\n  - {name: a, w: 3}")] // names not unique
    public void Lists_of_maps_fall_back_to_position(string left, string right)
    {
        Assert.Equal("xs[1].w", Assert.Single(Diff("xs:\n  " + left + "\n", "xs:\n  " + right + "\n")).Path);
    }

    [Fact]
    public void Items_beyond_the_shorter_list_are_added_or_removed()
    {
        var changes = Diff("xs:\n  - {w: 1}\n", "xs:\n  - {w: 1}\n  - {w: 2}\n  - {w: 3}\n");
        Assert.Equal(["xs[1]:Added", "xs[2]:Added"], changes.Select(c => c.Path + ":" + c.Kind));
    }

    [Fact]
    public void Severity_comes_from_the_schema_and_unknown_or_extra_paths_are_minor()
    {
        Assert.Equal(Importance.Critical, SeverityRules.SchemaOnly.For("optimizer.learning_rate"));
        Assert.Equal(Importance.Important, SeverityRules.SchemaOnly.For("batch.mini_batch_size"));
        Assert.Equal(Importance.Important, SeverityRules.SchemaOnly.For("optimizer.warmup_steps"));
        Assert.Equal(Importance.Minor, SeverityRules.SchemaOnly.For("parallelism.tensor_parallel_size"));
        Assert.Equal(Importance.Important, SeverityRules.SchemaOnly.For("lora.target_modules[1]"));
        Assert.Equal(Importance.Minor, SeverityRules.SchemaOnly.For("actor_rollout_ref.actor.optim.lr"));
        Assert.Equal(Importance.Minor, SeverityRules.SchemaOnly.For("extra.learning_rate"));
        Assert.Equal(Importance.Minor, SeverityRules.SchemaOnly.For("optimizer"));
    }

    [Fact]
    public void Every_schema_key_has_the_schemas_importance()
    {
        Assert.All(RecipeSchema.Current.Keys, k => Assert.Equal(k.Importance, SeverityRules.SchemaOnly.For(k.Path)));
    }

    [Fact]
    public void In_recipe_files_config_scaling_and_overrides_paths_take_the_config_keys_importance()
    {
        const string Left = """
            apiVersion: trainplat/v1
            id: x
            config:
              optimizer: {learning_rate: 1.0e-6}
            scaling:
              - name: big
                when: {min_params: 30B}
                set: {rl.rollout_n: 8}
            """;
        var right = Left.Replace("1.0e-6", "2.0e-6", StringComparison.Ordinal).Replace("rollout_n: 8", "rollout_n: 16", StringComparison.Ordinal);
        var changes = ConfigDiff.Compare(Parse(Left), Parse(right), trainplatLayout: true);
        Assert.Equal(["config.optimizer.learning_rate", "scaling[name=big].set.rl.rollout_n"], changes.Select(c => c.Path));
        Assert.All(changes, c => Assert.Equal(Importance.Critical, c.Severity));
        Assert.NotNull(changes[0].OrdersOfMagnitude);

        Assert.All(ConfigDiff.Compare(Parse(Left), Parse(right)), c => Assert.Equal(Importance.Minor, c.Severity)); // other files: as written
        Assert.Equal("rl.kl_coef", ConfigDiff.ConfigPath("overrides.rl.kl_coef", trainplatLayout: true));
        Assert.Equal("config.rl.kl_coef", ConfigDiff.ConfigPath("config.rl.kl_coef", trainplatLayout: false));
    }

    [Fact]
    public void A_list_item_takes_the_highest_severity_inside_it()
    {
        const string Left = "apiVersion: trainplat/v1\nscaling:\n  - name: a\n    set: {trainer.save_steps: 10}\n";
        const string Right = "apiVersion: trainplat/v1\nscaling:\n  - name: a\n    set: {trainer.save_steps: 10}\n  - name: b\n    set: {optimizer.learning_rate: 1.0e-7}\n";
        var change = Assert.Single(ConfigDiff.Compare(Parse(Left), Parse(Right), trainplatLayout: true));
        Assert.Equal(("scaling[name=b]", ChangeKind.Added, Importance.Critical), (change.Path, change.Kind, change.Severity));
    }

    [Fact]
    public void Changes_are_sorted_by_severity_then_path_with_indexes_by_value()
    {
        var changes = Diff(
            "xs: [{a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 1}]\nbatch: {mini_batch_size: 8}\noptimizer: {learning_rate: 1.0e-6}\n",
            "xs: [{a: 1}, {a: 1}, {a: 2}, {a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 1}, {a: 2}]\nbatch: {mini_batch_size: 16}\noptimizer: {learning_rate: 2.0e-6}\n");
        Assert.Equal(["optimizer.learning_rate", "batch.mini_batch_size", "xs[2].a", "xs[10].a"], changes.Select(c => c.Path));
    }

    [Fact]
    public void Globs_override_the_schema_and_the_most_specific_wins()
    {
        var rules = Rules(("rl.*", "critical"), ("rl.entropy_coef", "minor"), ("extra.**", "important"), ("*.learning_rate", "minor"));
        Assert.Equal(Importance.Critical, rules.For("rl.kl_loss_type"));          // important in the schema
        Assert.Equal(Importance.Minor, rules.For("rl.entropy_coef"));             // exact path beats rl.*
        Assert.Equal(Importance.Important, rules.For("extra.a.b[0].c"));          // ** crosses dots
        Assert.Equal(Importance.Minor, rules.For("optimizer.learning_rate"));     // critical in the schema
        Assert.Equal(Importance.Minor, rules.For("extra.learning_rate"));         // *.learning_rate has more literal characters than extra.**
        Assert.Equal(Importance.Important, rules.For("extra.warmup"));
        Assert.Equal(Importance.Important, rules.For("batch.mini_batch_size")); // no glob: the schema
    }

    [Fact]
    public void A_single_star_stays_within_a_segment_but_a_glob_covers_what_is_below_its_match()
    {
        Assert.True(SeverityRules.Matches("rl.*", "rl.kl_coef"));
        Assert.False(SeverityRules.Matches("rl.*", "rl.a.b"));
        Assert.True(SeverityRules.AppliesTo("rl.*", "rl.a.b"));       // rl.a matches, rl.a.b is below it
        Assert.False(SeverityRules.AppliesTo("*.lr", "a.b.lr"));      // * never crosses a dot
        Assert.True(SeverityRules.AppliesTo("**.lr", "a.b.lr"));
        Assert.True(SeverityRules.Matches("optimizer.warmup_*", "optimizer.warmup_ratio"));
        Assert.True(SeverityRules.Matches("extra.fns[*].weight", "extra.fns[name=math].weight"));
        Assert.True(SeverityRules.Matches("rl.kl_co?f", "rl.kl_coef"));
        Assert.False(SeverityRules.Matches("rl?kl_coef", "rl.kl_coef"));
        Assert.False(SeverityRules.AppliesTo("rl", "rlx.a"));
        Assert.True(SeverityRules.AppliesTo("lora.target_modules", "lora.target_modules[2]"));
    }

    [Fact]
    public void A_glob_applies_to_changes_in_a_diff()
    {
        var rules = Rules(("trainer.*", "critical"));
        var change = Assert.Single(ConfigDiff.Compare(Parse("trainer: {save_steps: 10}\n"), Parse("trainer: {save_steps: 20}\n"), rules));
        Assert.Equal(Importance.Critical, change.Severity);
    }

    [Theory]
    [InlineData("high")]
    [InlineData("Critical")]
    public void A_glob_with_an_unknown_severity_is_an_error(string value)
    {
        Assert.Null(SeverityRules.FromGlobs(new Dictionary<string, string> { ["rl.*"] = value }, out var error));
        Assert.Contains($"'{value}'", error);
        Assert.Contains("critical, important or minor", error);
    }

    private static Change[] Diff(string left, string right) => [.. ConfigDiff.Compare(Parse(left), Parse(right))];

    private static JsonNode Parse(string yaml)
    {
        var operand = DiffOperand.Parse(yaml, "test", OperandKind.File, "test.yaml", out var failure);
        Assert.True(operand is not null, failure?.Message);
        return operand.Tree;
    }

    private static SeverityRules Rules(params (string Glob, string Severity)[] globs)
    {
        var rules = SeverityRules.FromGlobs(globs.ToDictionary(g => g.Glob, g => g.Severity), out var error);
        Assert.True(rules is not null, error);
        return rules;
    }
}
