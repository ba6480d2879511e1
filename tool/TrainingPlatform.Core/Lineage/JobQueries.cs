using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Core.Lineage;

/// <summary><c>job list</c>'s filters, as the user wrote them, turned into a <see cref="JobQuery"/>.</summary>
public static class JobQueries
{
    /// <param name="status">A status name (<see cref="JobStatuses.Names"/>).</param>
    /// <param name="recipe"><c>ID</c> or <c>ID@VERSION</c>.</param>
    /// <param name="modelSize">A model size: only jobs with its parameter count.</param>
    /// <param name="since">A date or an ISO 8601 time, UTC unless it says otherwise.</param>
    /// <exception cref="UserErrorException">A status, size or date that is not one.</exception>
    public static JobQuery Parse(string? status, string? recipe, string? task, string? algorithm, string? modelSize, string? since, string? tag)
    {
        JobStatus? wanted = null;
        if (status is not null)
        {
            wanted = JobStatuses.TryParse(status, out var s) ? s : throw new UserErrorException($"unknown status '{status}'", JobStatuses.UnknownHint(status));
        }

        double? parameters = modelSize is null ? null : ModelChoice.ParseSize(modelSize).Parameters;
        DateTimeOffset? from = null;
        if (since is not null)
        {
            from = DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
                ? t
                : throw new UserErrorException($"--since '{since}' is not a date", "e.g. 2026-11-01 or 2026-11-01T12:00:00Z (UTC)");
        }

        string? recipeId = recipe;
        string? recipeVersion = null;
        if (recipe?.IndexOf('@', StringComparison.Ordinal) is > 0 and var at)
        {
            recipeId = recipe[..at];
            recipeVersion = recipe[(at + 1)..];
        }

        return new JobQuery(Status: wanted, RecipeId: recipeId, RecipeVersion: recipeVersion, Task: task, Algorithm: algorithm, Parameters: parameters, Since: from, Tag: tag);
    }
}
