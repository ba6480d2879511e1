namespace TrainingPlatform.Core.Reporting;

/// <summary>PLACEHOLDER (replaced by h19-svg): the report's JavaScript; empty until the real script is merged.</summary>
public static class ReportScript
{
    public static string Text { get; } = "\"use strict\";\n";
}
