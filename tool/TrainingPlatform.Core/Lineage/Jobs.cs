using System.Security.Cryptography;
using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Lineage;

/// <summary>Who and where: recorded on every job.</summary>
public sealed record JobOrigin(string User, string Host, string ToolVersion)
{
    public static JobOrigin Current(string toolVersion) => new(
        Environment.GetEnvironmentVariable("TRAINPLAT_USER") is { Length: > 0 } u ? u : Environment.UserName,
        Environment.MachineName,
        toolVersion);
}

/// <summary>What <c>job create</c> (and <c>job clone</c>) asks for, besides the render request.</summary>
public sealed record JobRequest(
    string? Name,
    IReadOnlyList<string> Tags,
    IReadOnlyList<(string Role, DatasetVersion Version)> Datasets,
    string? ParentId,
    bool Force);

/// <summary>A job reference, a status change or a creation that cannot be done: one line and a hint.</summary>
public sealed class JobException(string message, string? hint = null) : Exception(message)
{
    public string? Hint { get; } = hint;
}

/// <summary>Job rules: ids, references, creation from a resolved config, status changes, clones.</summary>
public static class Jobs
{
    public const int IdLength = 12;
    public const int MinPrefix = 4;

    /// <summary>A new id: 12 lower-case hex digits (48 random bits; the store refuses a duplicate).</summary>
    public static string NewId(Random? random = null)
    {
        Span<byte> bytes = stackalloc byte[IdLength / 2];
        if (random is null)
        {
            RandomNumberGenerator.Fill(bytes);
        }
        else
        {
            random.NextBytes(bytes);
        }

        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Milliseconds: what the store keeps, so that a record reads back equal.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    /// <summary>A full id or a unique prefix of at least 4 characters.</summary>
    public static JobRecord Resolve(ILineageStore store, string reference)
    {
        var id = reference.Trim().ToLowerInvariant();
        if (id.StartsWith("job:", StringComparison.Ordinal))
        {
            id = id[4..];
        }

        if (id.Length == 0 || !id.All(char.IsAsciiHexDigitLower))
        {
            throw new JobException($"'{reference}' is not a job id", "job ids are 12 hex digits, e.g. 3f9a1c07b2de; `trainplat job list` shows them");
        }

        if (store.GetJob(id) is { } exact)
        {
            return exact;
        }

        if (id.Length < MinPrefix)
        {
            throw new JobException($"job id prefix '{reference}' is too short", $"give at least {MinPrefix} characters");
        }

        var matches = store.FindJobIds(id, 6);
        return matches.Count switch
        {
            0 => throw new JobException($"no job {reference} in {store.Info.Path}", "`trainplat job list` shows the recorded jobs"),
            1 => store.GetJob(matches[0])!,
            _ => throw new JobException($"job id prefix '{reference}' is ambiguous", "it matches " + string.Join(", ", matches.Take(5)) + (matches.Count > 5 ? ", …" : "")),
        };
    }

    /// <summary>Builds the records of a new job from a resolved config; refuses pre-flight errors unless forced.</summary>
    public static NewJob Build(ResolvedConfig resolved, IReadOnlyList<string> sets, JobRequest request, GitState? git, JobOrigin origin, string id, DateTimeOffset now)
    {
        var errors = resolved.Findings.Where(f => f.IsError).ToArray();
        if (errors.Length > 0 && !request.Force)
        {
            throw new JobException(
                $"the config for {resolved.Recipe.Id} at {resolved.SizeText} fails {errors.Length} pre-flight check{(errors.Length == 1 ? "" : "s")}: " +
                string.Join("; ", errors.Select(e => $"{e.Code} [{e.Path}] {e.Message}")),
                "fix the recipe or the overrides (`trainplat render` shows the checks), or record it anyway with --force");
        }

        now = Truncate(now);
        foreach (var (role, _) in request.Datasets)
        {
            CheckRole(role);
        }

        if (request.Datasets.GroupBy(d => d.Role, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new JobException($"dataset role '{twice.Key}' is given twice", "give each role once: --dataset train=PATH --dataset eval=PATH");
        }

        var recipes = resolved.ChainDocuments.Select(d => new RecipeVersionRecord(
            CanonicalJson.Sha256(d.Tree.Root), d.Recipe!.Id, d.Recipe.Version, d.Recipe.Task, d.Recipe.Algorithm, d.Text ?? "", now)).ToArray();
        var job = new JobRecord
        {
            Id = id,
            Name = request.Name,
            Tags = [.. request.Tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            Status = JobStatus.Pending,
            RecipeId = resolved.Recipe.Id,
            RecipeVersion = resolved.Recipe.Version,
            RecipeHash = resolved.RecipeHash,
            Chain = [.. recipes.Select(r => r.Hash)],
            Task = resolved.Recipe.Task,
            Algorithm = resolved.Recipe.Algorithm,
            Model = resolved.Model?.Name,
            ModelSize = resolved.SizeText,
            Parameters = resolved.Parameters,
            Gpus = resolved.Gpus,
            Nodes = resolved.Nodes,
            ConfigHash = resolved.ConfigHash,
            Sets = [.. sets],
            Datasets = [.. request.Datasets.OrderBy(d => d.Role, StringComparer.Ordinal)
                .Select(d => new JobDataset(d.Role, d.Version.Name, d.Version.Algorithm, d.Version.Hash))],
            Git = git,
            ParentId = request.ParentId,
            Forced = [.. errors.Select(e => $"{e.Code} [{e.Path}] {e.Message}")],
            User = origin.User,
            Host = origin.Host,
            ToolVersion = origin.ToolVersion,
            Created = now,
            Updated = now,
            Events = [new JobEvent(now, JobStatus.Pending, request.ParentId is null ? "created" : $"cloned from {request.ParentId}")],
        };
        return new NewJob(job, recipes, ConfigJson(resolved.Config), [.. request.Datasets.Select(d => d.Version).DistinctBy(v => (v.Name, v.Algorithm, v.Hash))]);
    }

    /// <summary>
    /// The rendered config as stored: sections and keys in schema order (as <c>render</c> prints them), floats in
    /// the stable form of <see cref="Numbers.Format"/>. Its hash is the canonical one (<see cref="ResolvedConfig.ConfigHash"/>).
    /// </summary>
    public static string ConfigJson(System.Text.Json.Nodes.JsonObject config)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { SkipValidation = true }))
        {
            JsonTreeWriter.Write(writer, config, sortKeys: false, Numbers.Format);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A status change (and/or a note): checks the move and keeps start and finish times.</summary>
    public static JobRecord Update(JobRecord job, JobStatus? status, string? note, DateTimeOffset now)
    {
        now = Truncate(now);
        if (status is null && note is null)
        {
            throw new JobException("nothing to change", "give --status STATUS and/or --note TEXT");
        }

        var to = status ?? job.Status;
        if (status is { } s && s != job.Status && !JobStatuses.CanMove(job.Status, s))
        {
            var allowed = Enum.GetValues<JobStatus>().Where(x => JobStatuses.CanMove(job.Status, x)).Select(JobStatuses.Name).ToArray();
            throw new JobException(
                $"job {job.Id} is {JobStatuses.Name(job.Status)}; it cannot become {JobStatuses.Name(s)}",
                allowed.Length == 0 ? $"{JobStatuses.Name(job.Status)} is final; clone the job to run it again (`trainplat job clone {job.Id}`)" : "from " + JobStatuses.Name(job.Status) + " it can become " + string.Join(" or ", allowed));
        }

        if (status is { } same && same == job.Status && note is null)
        {
            throw new JobException($"job {job.Id} is {JobStatuses.Name(job.Status)} already", "add --note TEXT to record a note");
        }

        return job with
        {
            Status = to,
            Started = job.Started ?? (to == JobStatus.Running ? now : null),
            Finished = job.Finished ?? (JobStatuses.IsFinal(to) ? now : null),
            Updated = now,
            Events = [.. job.Events, new JobEvent(now, to, note)],
        };
    }

    /// <summary>The recorded recipe versions of a job's chain, as documents that pin a re-render to them.</summary>
    public static IReadOnlyList<RecipeDocument> PinnedRecipes(ILineageStore store, JobRecord job) =>
        [.. job.Chain.Select(h => store.GetRecipeVersion(h) ?? throw new JobException($"the store lacks recipe version {h[..12]} of job {job.Id}", "the store is incomplete; import the job again from an export"))
            .Select(r => RecipeDocument.Parse(r.Text, $"store:{r.RecipeId}@{r.Version}"))];

    /// <summary>The repository's commit, dirty flag (any change under the project root, untracked files included, .trainplat/ excluded) and branch; null outside git.</summary>
    public static GitState? ReadGit(string projectRoot)
    {
        // One git process: porcelain v2 with --branch gives the commit and branch as headers, then one line per change.
        var output = GitRepository.TryRun(projectRoot, out _, "status", "--porcelain=v2", "--branch", "--", ".", ":(exclude).trainplat");
        if (output is null)
        {
            return null; // not in a git repository
        }

        string? commit = null;
        string? branch = null;
        var dirty = false;
        foreach (var line in Encoding.UTF8.GetString(output).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# branch.oid ", StringComparison.Ordinal))
            {
                commit = line["# branch.oid ".Length..].Trim();
            }
            else if (line.StartsWith("# branch.head ", StringComparison.Ordinal))
            {
                branch = line["# branch.head ".Length..].Trim();
            }
            else if (!line.StartsWith('#'))
            {
                dirty = true;
            }
        }

        return commit is null or "(initial)" ? null : new GitState(commit, dirty, branch is null or "(detached)" ? null : branch);
    }

    /// <summary><c>ROLE=PATH</c>, <c>ROLE=NAME@HASH</c> or <c>ROLE=NAME</c> (its newest recorded version).</summary>
    public static (string Role, string Value) ParseDataset(string argument)
    {
        var eq = argument.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == argument.Length - 1)
        {
            throw new JobException($"--dataset '{argument}' is not ROLE=PATH or ROLE=NAME@HASH", "e.g. --dataset train=data/train.jsonl or --dataset eval=data/eval.jsonl@659a86f5");
        }

        var role = argument[..eq];
        CheckRole(role);
        return (role, argument[(eq + 1)..]);
    }

    public static void CheckRole(string role)
    {
        if (role.Length is 0 or > 64 || !role.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw new JobException($"invalid dataset role '{role}'", "a role is 1-64 letters, digits, '_', '-' or '.', e.g. train or eval");
        }
    }
}
