using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// The release pack (<c>-p:ReleasePack=true</c>) from a fresh copy of the source tree: the pointer package, the portable
/// <c>any</c> package and this host's Native AOT package; installed with <c>--tool-path</c>, the command is the native
/// executable and renders the examples with no .NET on <c>PATH</c> and no <c>DOTNET_*</c> variables.
/// </summary>
[Collection(SourceTreeTests.Name)]
[Trait(ToolBuild.Trait, ToolBuild.JitOnly)] // packs and installs its own build of the tool from the source copy
public sealed class ReleasePackTests(SourceTreeCopy source)
{
    private static readonly string[] ReleaseRids = ["linux-x64", "linux-arm64", "osx-x64", "osx-arm64", "win-x64", "any"];

    [Fact]
    public void The_release_pack_installs_the_native_build_which_renders_the_examples_without_a_dotnet_runtime()
    {
        var host = RuntimeInformation.RuntimeIdentifier;
        Assert.Contains(host, ReleaseRids); // the release pack builds a native package for the host it runs on

        using var work = new TempDir();
        var nupkg = Path.Combine(work.Path, "nupkg");
        // Its own artifacts folder: the release pack restores for other runtime identifiers than the default pack in
        // the same source copy (DistributionTests), and must not leave its restore in that pack's obj/.
        var pack = Dotnet(
            source.Path,
            environment: null,
            "pack", "tool/TrainingPlatform.Tool", "-c", "Release", "-p:ReleasePack=true", "-p:ContinuousIntegrationBuild=true",
            "--artifacts-path", Path.Combine(work.Path, "artifacts"), "-o", nupkg);
        Assert.True(pack.ExitCode == 0, "the release pack failed (test.sh installs clang and zlib1g-dev):\n" + pack);

        var version = ToolVersion.Current;
        Assert.Equal(
            new[] { $"TrainingPlatform.Tool.{host}.{version}.nupkg", $"TrainingPlatform.Tool.{version}.nupkg", $"TrainingPlatform.Tool.any.{version}.nupkg" }.Order(StringComparer.Ordinal),
            Directory.GetFiles(nupkg).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // The pointer: no code, the list of platform packages, and the one package type `dotnet tool search` shows.
        using (var pointer = ZipFile.OpenRead(Path.Combine(nupkg, $"TrainingPlatform.Tool.{version}.nupkg")))
        {
            Assert.DoesNotContain(pointer.Entries, e => e.FullName.EndsWith(".dll", StringComparison.Ordinal));
            Assert.Equal(["DotnetTool"], PackageTypes(pointer, "TrainingPlatform.Tool"));
            var settings = ToolSettings(pointer);
            Assert.Equal(
                ReleaseRids.Select(rid => (rid, $"TrainingPlatform.Tool.{rid}")),
                settings.Descendants("RuntimeIdentifierPackage").Select(p => ((string)p.Attribute("RuntimeIdentifier")!, (string)p.Attribute("Id")!)));
        }

        // The host's package: the native executable alone (no trainplat.dll, no debugger symbols), run as itself.
        using (var native = ZipFile.OpenRead(Path.Combine(nupkg, $"TrainingPlatform.Tool.{host}.{version}.nupkg")))
        {
            Assert.Equal(["DotnetToolRidPackage"], PackageTypes(native, $"TrainingPlatform.Tool.{host}"));
            var command = ToolSettings(native).Descendants("Command").Single();
            Assert.Equal("executable", (string?)command.Attribute("Runner"));
            Assert.DoesNotContain(native.Entries, e => e.Name is "trainplat.dll" or "trainplat.dbg");
        }

        // The fallback for platforms without a native package: the portable build, run by `dotnet`.
        using (var any = ZipFile.OpenRead(Path.Combine(nupkg, $"TrainingPlatform.Tool.any.{version}.nupkg")))
        {
            var command = ToolSettings(any).Descendants("Command").Single();
            Assert.Equal(("dotnet", "trainplat.dll"), ((string?)command.Attribute("Runner"), (string?)command.Attribute("EntryPoint")));
            Assert.Contains(any.Entries, e => e.FullName == "tools/net10.0/any/trainplat.dll");
        }

        // Install from the package folder alone, with an empty package cache: nothing comes from an earlier install.
        var tools = Path.Combine(work.Path, "tools");
        var install = Dotnet(
            work.Path,
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(work.Path, "packages") },
            "tool", "install", "--tool-path", tools, "--add-source", nupkg, "TrainingPlatform.Tool");
        Assert.True(install.ExitCode == 0, install.ToString());

        var shim = Path.Combine(tools, OperatingSystem.IsWindows() ? "trainplat.exe" : "trainplat");
        var binary = File.ResolveLinkTarget(shim, returnFinalTarget: true)?.FullName ?? shim;
        Assert.Contains(Path.Combine($"trainingplatform.tool.{host}", version, "tools", "any", host), binary, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(binary)!, "trainplat.dll")), $"{binary} is an apphost beside trainplat.dll, not the native build");
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(binary)[..4]);
        }

        // No .NET to be found: no DOTNET_ROOT or other DOTNET_/COREHOST_ host variable, no PATH folder with dotnet in it.
        using var examples = TempDir.CopyOf(Path.Combine(source.Path, "examples"));
        string[][] commands =
        [
            ["render", "recipes/grpo_math_small.yaml", "--model-size", "7B"],
            ["render", "recipes/sft_chat.yaml", "--model-size", "7B", "--format", "json"],
        ];
        foreach (var args in commands)
        {
            var installed = WithoutDotnet(shim, examples.Path, args);
            Assert.True(installed.ExitCode == 0, $"installed {string.Join(' ', args)}: {installed}");
            Assert.Equal(CliRun.InProcess(examples.Path, args), installed);
        }

        Assert.Equal(new CliResult(0, version + "\n", ""), WithoutDotnet(shim, examples.Path, ["--version"]));
    }

    private static CliResult WithoutDotnet(string file, string cwd, string[] args)
    {
        var start = CliRun.StartInfo(file, cwd, args);
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("DOTNET", StringComparison.OrdinalIgnoreCase) || name.StartsWith("COREHOST_", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        var path = (start.Environment["PATH"] ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(dir => !File.Exists(Path.Combine(dir, "dotnet")) && !File.Exists(Path.Combine(dir, "dotnet.exe")))
            .ToList();
        start.Environment["PATH"] = string.Join(Path.PathSeparator, path);
        Assert.DoesNotContain(start.Environment.Keys, k => k.StartsWith("DOTNET", StringComparison.OrdinalIgnoreCase));
        return CliRun.Exec(start, TimeSpan.FromMinutes(1));
    }

    private static CliResult Dotnet(string cwd, IDictionary<string, string>? environment, params string[] args)
    {
        var start = CliRun.StartInfo("dotnet", cwd, args);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }

        // The Native AOT compile takes minutes on a busy 2-core machine; CliRun.Program allows 5.
        return CliRun.Exec(start, TimeSpan.FromMinutes(20));
    }

    private static XElement ToolSettings(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.Name == "DotnetToolSettings.xml").Open();
        return XDocument.Load(stream).Root!;
    }

    private static List<string> PackageTypes(ZipArchive package, string id)
    {
        using var stream = package.Entries.Single(e => e.FullName == id + ".nuspec").Open();
        return XDocument.Load(stream).Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => (string)e.Attribute("name")!).ToList();
    }
}
