using System.Text.RegularExpressions;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// A recipe repository as a new user sets it up (README "Install as a global tool" and "pre-commit hooks"): `trainplat
/// init` in a git repository, the tool in the repository's tool manifest from a package folder elsewhere, real
/// pre-commit running what init wrote as written, and a clone restoring the tool with the nuget.config the README shows.
/// No network: every NuGet configuration here clears the sources (no nuget.org), and each machine has its own empty
/// package cache (NUGET_PACKAGES), so what runs is the package packed from this source tree.
/// </summary>
// Packs and installs its own build of the tool from the source copy: not the build under test.
[Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
[Collection(SourceTreeTests.Name)]
public sealed partial class RecipeRepositoryToolTests(SourceTreeCopy source)
{
    /// <summary>No package source at all: only `--add-source` can provide the tool.</summary>
    private const string NoSources =
        """
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
          </packageSources>
        </configuration>

        """;

    [Fact]
    public void The_pre_commit_config_init_writes_runs_as_written_with_the_tool_from_the_repository_manifest()
    {
        using var machine = new Machine();
        // The folder above the repository clears NuGet's sources (nuget.org included): the repository itself is as
        // init and the README's commands leave it.
        machine.Write("nuget.config", NoSources);
        var repo = machine.GitRepository("recipes");

        var init = CliRun.InProcess(repo, "init");
        Assert.True(init.ExitCode == 0, init.ToString());
        var config = File.ReadAllText(Path.Combine(repo, ".pre-commit-config.yaml"));
        Assert.Contains("- repo: local", config, StringComparison.Ordinal);
        Assert.Contains("entry: dotnet tool run trainplat validate", config, StringComparison.Ordinal);
        Assert.DoesNotContain("rev:", config, StringComparison.Ordinal);

        // README, "Or per repository": the package folder is elsewhere, named by its absolute path.
        machine.Ok(repo, "dotnet", "new", "tool-manifest");
        machine.Ok(repo, "dotnet", "tool", "install", "--local", "--add-source", source.PackageFolder, "TrainingPlatform.Tool");
        Assert.True(Directory.Exists(Path.Combine(machine.Path, ".machine", "nuget-packages", "trainingplatform.tool")), "installed from the package folder into this machine's cache");
        machine.Ok(repo, "git", "add", "-A");

        // A fresh repository, before its first commit: both hooks pass on what init wrote.
        var first = machine.Run(repo, "pre-commit", "run", "--all-files");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Matches(@"trainplat validate\.+Passed", first.Out);
        Assert.Matches(@"trainplat check \(version bumps\)\.+Passed", first.Out);
        machine.Ok(repo, "git", "-c", "user.name=Test Author", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "init");

        // A broken recipe: the hook fails with the tool's own error, at the file, line and column.
        var recipe = Path.Combine(repo, "recipes", "my_sft_lora.yaml");
        File.WriteAllText(recipe, LearningRate().Replace(File.ReadAllText(recipe), "learning_rate: fast", 1));
        machine.Ok(repo, "git", "add", "-A");
        var broken = machine.Run(repo, "pre-commit", "run", "--all-files");
        Assert.True(broken.ExitCode == 1, broken.ToString());
        Assert.Matches(@"trainplat validate\.+Failed", broken.Out);
        Assert.Contains("- hook id: trainplat-validate", broken.Out, StringComparison.Ordinal);
        Assert.Matches(@"recipes/my_sft_lora\.yaml:\d+:\d+: error TP0102: config\.optimizer\.learning_rate must be a number, not text 'fast'", broken.Out);
    }

    [Fact]
    public void A_clone_restores_the_tool_with_the_nuget_config_that_names_the_package_folder()
    {
        using var machine = new Machine();
        var repo = machine.GitRepository("recipes");
        Assert.Equal(0, CliRun.InProcess(repo, "init").ExitCode);

        // README, "Install as a global tool": the nuget.config naming the package source, committed with the manifest.
        File.WriteAllText(Path.Combine(repo, "nuget.config"), NuGetConfig(source.PackageFolder));
        machine.Ok(repo, "dotnet", "new", "tool-manifest");
        machine.Ok(repo, "dotnet", "tool", "install", "--local", "TrainingPlatform.Tool");
        machine.Ok(repo, "git", "add", "-A");
        machine.Ok(repo, "git", "-c", "user.name=Test Author", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "recipes");

        // The CI machine: a clone and an empty package cache.
        using var ci = new Machine();
        ci.Ok(ci.Path, "git", "clone", "-q", repo, "checkout");
        var clone = Path.Combine(ci.Path, "checkout");
        var restore = ci.Run(clone, "dotnet", "tool", "restore");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Contains("trainingplatform.tool", restore.Out, StringComparison.OrdinalIgnoreCase);
        Assert.True(Directory.Exists(Path.Combine(ci.Path, ".machine", "nuget-packages", "trainingplatform.tool")), "restored into the CI machine's own cache");
        var validate = ci.Run(clone, "dotnet", "tool", "run", "trainplat", "validate");
        Assert.True(validate.ExitCode == 0, validate.ToString());
        Assert.Equal("Checked 2 files: no problems found.\n", validate.Out);
    }

    /// <summary>The nuget.config the README shows (its one XML example), with the package folder's absolute path.</summary>
    private static string NuGetConfig(string folder)
    {
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        var start = readme.IndexOf("```xml\n", StringComparison.Ordinal) + "```xml\n".Length;
        var example = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.Contains("<add key=\"trainplat\" value=\"/abs/path/to/nupkg\" />", example, StringComparison.Ordinal);
        return example.Replace("/abs/path/to/nupkg", folder, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"learning_rate: \S+")]
    private static partial Regex LearningRate();

    /// <summary>
    /// A folder standing for one machine: its own NuGet package cache and pre-commit home, no user or system git
    /// configuration, no prompts.
    /// </summary>
    private sealed class Machine : IDisposable
    {
        private readonly TempDir _dir = new();

        public Machine()
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Path, ".machine"));
        }

        public string Path => _dir.Path;

        public string Write(string relative, string text) => _dir.Write(relative, text);

        /// <summary>A new git repository (no commits) in a folder of this machine.</summary>
        public string GitRepository(string name)
        {
            Ok(Path, "git", "init", "-q", "-b", "main", name);
            return System.IO.Path.Combine(Path, name);
        }

        public CliResult Run(string cwd, string file, params string[] args)
        {
            var start = CliRun.StartInfo(file, cwd, args);
            GitWorkTree.Isolate(start);
            start.Environment["GIT_TERMINAL_PROMPT"] = "0";
            // Its own package cache and its own tool resolver cache (under DOTNET_CLI_HOME): the shared ones map
            // trainingplatform.tool 0.1.0 to whatever build of that version was installed first on this machine.
            start.Environment["NUGET_PACKAGES"] = System.IO.Path.Combine(Path, ".machine", "nuget-packages");
            start.Environment["DOTNET_CLI_HOME"] = System.IO.Path.Combine(Path, ".machine", "home");
            start.Environment["PRE_COMMIT_HOME"] = System.IO.Path.Combine(Path, ".machine", "pre-commit");
            start.Environment["PRE_COMMIT_COLOR"] = "never";
            return CliRun.Exec(start, TimeSpan.FromMinutes(5));
        }

        public CliResult Ok(string cwd, string file, params string[] args)
        {
            var r = Run(cwd, file, args);
            Assert.True(r.ExitCode == 0, $"{file} {string.Join(' ', args)}\n{r}");
            return r;
        }

        public void Dispose() => _dir.Dispose();
    }
}
