namespace TrainingPlatform.Tool.Output;

// The values of `--format` per kind of output; a command's option offers exactly its formatter's enum
// (lower-cased names, the first one the default), so a formatter never compares strings.

/// <summary>Plain lines for people, or JSON.</summary>
internal enum TextFormat
{
    Text,
    Json,
}

/// <summary>
/// An aligned table for people, or JSON. Human output is called <c>text</c> everywhere; <c>table</c>, its name before,
/// is still read as <c>text</c> (see <see cref="Commands.FormatOption{TFormat}"/>) so scripts keep working.
/// </summary>
internal enum TableFormat
{
    Text,
    Json,
}

/// <summary>YAML (a recipe or a rendered config), or JSON.</summary>
internal enum YamlFormat
{
    Yaml,
    Json,
}

/// <summary>An aligned table for people, JSON, or CSV (RFC 4180, for spreadsheets and pandas); <c>table</c> is read as <c>text</c>.</summary>
internal enum TableCsvFormat
{
    Text,
    Json,
    Csv,
}
