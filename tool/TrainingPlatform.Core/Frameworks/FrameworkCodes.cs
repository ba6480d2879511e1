namespace TrainingPlatform.Core.Frameworks;

/// <summary>Stable codes of export and import warnings (docs/diagnostics.md, TP05xx), apart from the recipe-file codes.</summary>
public static class FrameworkCodes
{
    /// <summary>export: a trainplat key (or extra key) the target framework has no counterpart for; listed, never dropped silently.</summary>
    public const string ExportNoCounterpart = "TP0500";

    /// <summary>export: an <c>extra.&lt;framework&gt;.*</c> value replaces the value a mapped key gave the same framework key.</summary>
    public const string ExportExtraReplaces = "TP0501";

    /// <summary>export: the framework accepts the key but the way it is launched may ignore it.</summary>
    public const string ExportIgnoredByLauncher = "TP0502";

    /// <summary>import: a framework key with no trainplat key, kept under <c>extra.&lt;framework&gt;</c>.</summary>
    public const string ImportUnmapped = "TP0510";
}
