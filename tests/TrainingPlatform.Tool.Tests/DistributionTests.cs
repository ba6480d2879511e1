using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>The package as published: its metadata, and an install through a local tool manifest.</summary>
[Collection(SourceTreeTests.Name)]
[Trait(ToolBuild.Trait, ToolBuild.JitOnly)] // packs and installs its own build of the tool from the source copy
public sealed class DistributionTests(SourceTreeCopy source)
{
    [Fact]
    public void The_package_carries_its_metadata_and_installs_through_a_local_tool_manifest()
    {
        using var work = new TempDir();
        var nupkg = source.PackageFolder;
        var package = Assert.Single(Directory.GetFiles(nupkg, "*.nupkg"));

        using (var zip = ZipFile.OpenRead(package))
        {
            using var stream = zip.Entries.Single(e => e.FullName == "TrainingPlatform.Tool.nuspec").Open();
            var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string? Element(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
            Assert.Equal("MIT", Element("license"));
            Assert.Equal("README.md", Element("readme"));
            var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.Equal("git", repository.Attribute("type")?.Value);
            Assert.Equal(SourceTreeCopy.Origin, repository.Attribute("url")?.Value);
            Assert.Equal(source.Commit, repository.Attribute("commit")?.Value);
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");

            // The default pack stays the one portable package (pre-commit's `language: dotnet` installs what it packs):
            // the framework-dependent build run by `dotnet`, with no platform packages behind it.
            Assert.Equal("DotnetTool", metadata.Descendants().Single(e => e.Name.LocalName == "packageType").Attribute("name")?.Value);
            using var settingsStream = zip.Entries.Single(e => e.FullName == "tools/net10.0/any/DotnetToolSettings.xml").Open();
            var settings = XDocument.Load(settingsStream).Root!;
            Assert.Empty(settings.Descendants("RuntimeIdentifierPackages"));
            var command = settings.Descendants("Command").Single();
            Assert.Equal(("dotnet", "trainplat.dll"), ((string?)command.Attribute("Runner"), (string?)command.Attribute("EntryPoint")));
            Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/any/trainplat.dll");

            // SourceLink: the PDB maps the sources to the repository at that commit.
            using var pdb = zip.Entries.Single(e => e.FullName.EndsWith("/trainplat.pdb", StringComparison.Ordinal)).Open();
            using var buffer = new MemoryStream();
            pdb.CopyTo(buffer);
            var text = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
            Assert.Contains("https://raw.githubusercontent.com/example/TrainingPlatform.Tool/" + source.Commit + "/*", text);
        }

        var project = Path.Combine(work.Path, "project");
        Directory.CreateDirectory(project);
        var manifest = Run(work, "dotnet", project, "new", "tool-manifest");
        Assert.True(manifest.ExitCode == 0, manifest.ToString());
        var install = Run(work, "dotnet", project, "tool", "install", "--add-source", nupkg, "TrainingPlatform.Tool");
        Assert.True(install.ExitCode == 0, install.ToString());
        var version = Run(work, "dotnet", project, "tool", "run", "trainplat", "--version");
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal(ToolVersion.Current + "\n", version.Out);
    }

    // Moved from EndToEndTests, which packed the package a second time in every run.
    [Fact]
    public void The_package_installs_into_a_tool_path_and_validates_the_examples()
    {
        using var work = new TempDir();
        var tools = Path.Combine(work.Path, "tools");
        var install = Run(work, "dotnet", work.Path, "tool", "install", "--tool-path", tools, "--add-source", source.PackageFolder, "TrainingPlatform.Tool");
        Assert.True(install.ExitCode == 0, install.ToString());

        using var project = TempDir.CopyOf(Repo.Examples);
        var validate = CliRun.Program(Path.Combine(tools, "trainplat"), project.Path, "validate");
        Assert.True(validate.ExitCode == 0, validate.ToString());
        Assert.Contains("no problems found", validate.Out);
    }

    /// <summary>
    /// <paramref name="file"/> with a package cache and a tool resolver cache (under DOTNET_CLI_HOME) of its own in
    /// <paramref name="work"/>: the shared ones map trainingplatform.tool at this version to the build installed first.
    /// </summary>
    private static CliResult Run(TempDir work, string file, string cwd, params string[] args)
    {
        var start = CliRun.StartInfo(file, cwd, args);
        start.Environment["NUGET_PACKAGES"] = Path.Combine(work.Path, "nuget-packages");
        start.Environment["DOTNET_CLI_HOME"] = Path.Combine(work.Path, "home");
        return CliRun.Exec(start, TimeSpan.FromMinutes(5));
    }
}
