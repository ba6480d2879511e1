using System.Security.Cryptography;
using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Lineage;

/// <summary>Who and where: recorded on every job.</summary>
public sealed record JobOrigin(string User, string Host, string ToolVersion);

/// <summary>Job rules: ids, references, status changes, dataset arguments.</summary>
public static class JobRules
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

    /// <summary>Whether <paramref name="id"/> is a job id as <see cref="NewId"/> makes them: 12 lower-case hex digits.</summary>
    public static bool IsId(string? id) => id is { Length: IdLength } && id.All(char.IsAsciiHexDigitLower);

    /// <summary>What is wrong with a job's cluster (named as the options are, without <c>--</c>), or null: the one rule for create, clone and import.</summary>
    public static string? ClusterProblem(int? gpus, int? nodes, double? gpuMemory)
    {
        foreach (var (name, value) in new[] { ("gpus", gpus), ("nodes", nodes) })
        {
            if (value is <= 0)
            {
                return $"{name} must be a positive whole number, not {value}";
            }
        }

        return gpuMemory is <= 0 or double.NaN ? "gpu-memory must be a positive number of GB" : null;
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
            throw new UserErrorException($"'{reference}' is not a job id", "job ids are 12 hex digits, e.g. 3f9a1c07b2de; `trainplat job list` shows them");
        }

        if (store.GetJob(id) is { } exact)
        {
            return exact;
        }

        if (id.Length < MinPrefix)
        {
            throw new UserErrorException($"job id prefix '{reference}' is too short", $"give at least {MinPrefix} characters");
        }

        var matches = store.FindJobIds(id, 6);
        return matches.Count switch
        {
            0 => throw new UserErrorException($"no job {reference} in {store.Info.Path}", "`trainplat job list` shows the recorded jobs"),
            1 => store.GetJob(matches[0])!,
            _ => throw new UserErrorException($"job id prefix '{reference}' is ambiguous", "it matches " + string.Join(", ", matches.Take(5)) + (matches.Count > 5 ? ", …" : "")),
        };
    }

    /// <summary>A status change (and/or a note): checks the move and keeps start and finish times.</summary>
    public static JobRecord Update(JobRecord job, JobStatus? status, string? note, DateTimeOffset now)
    {
        now = Truncate(now);
        if (status is null && note is null)
        {
            throw new UserErrorException("nothing to change", "give --status STATUS and/or --note TEXT");
        }

        var to = status ?? job.Status;
        if (status is { } s && s != job.Status && !JobStatuses.CanMove(job.Status, s))
        {
            var allowed = Enum.GetValues<JobStatus>().Where(x => JobStatuses.CanMove(job.Status, x)).Select(JobStatuses.Name).ToArray();
            throw new UserErrorException(
                $"job {job.Id} is {JobStatuses.Name(job.Status)}; it cannot become {JobStatuses.Name(s)}",
                allowed.Length == 0 ? $"{JobStatuses.Name(job.Status)} is final; clone the job to run it again (`trainplat job clone {job.Id}`)" : "from " + JobStatuses.Name(job.Status) + " it can become " + string.Join(" or ", allowed));
        }

        if (status is { } same && same == job.Status && note is null)
        {
            throw new UserErrorException($"job {job.Id} is {JobStatuses.Name(job.Status)} already", "add --note TEXT to record a note");
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

    /// <summary>
    /// The job as metrics may be written to it by <paramref name="command"/> (<c>metrics import</c>, <c>metrics log</c>): a
    /// pending job has not started, so its metrics are refused unless <paramref name="start"/> (<c>--start</c>) moves it to
    /// running first. Running and finished jobs take metrics as they are (a trainer's file is often imported afterwards).
    /// </summary>
    public static JobRecord ForMetrics(JobRecord job, bool start, string command, DateTimeOffset now)
    {
        if (job.Status != JobStatus.Pending)
        {
            return job;
        }

        if (!start)
        {
            throw new UserErrorException($"job {job.Id} is still pending; metrics belong to a job that has started, so nothing was recorded",
                $"mark it running first (`trainplat job update {job.Id} --status running`), or add --start to `trainplat {command}` to do both");
        }

        return Update(job, JobStatus.Running, $"started by {command} --start", now);
    }

    /// <summary><c>ROLE=PATH</c>, <c>ROLE=NAME@HASH</c> or <c>ROLE=NAME</c> (its newest recorded version).</summary>
    public static (string Role, string Value) ParseDataset(string argument)
    {
        var eq = argument.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == argument.Length - 1)
        {
            throw new UserErrorException($"--dataset '{argument}' is not ROLE=PATH or ROLE=NAME@HASH", "e.g. --dataset train=data/train.jsonl or --dataset eval=data/eval.jsonl@659a86f5");
        }

        var role = argument[..eq];
        CheckRole(role);
        return (role, argument[(eq + 1)..]);
    }

    public static void CheckRole(string role)
    {
        if (role.Length is 0 or > 64 || !role.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw new UserErrorException($"invalid dataset role '{role}'", "a role is 1-64 letters, digits, '_', '-' or '.', e.g. train or eval");
        }
    }
}
