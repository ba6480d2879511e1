using System.Text.RegularExpressions;
using TrainingPlatform.Core.Reporting;

namespace TrainingPlatform.Core.Tests.Reporting.Svg;

public sealed class ReportScriptTests
{
    private static string Script => ReportScript.Text;

    [Fact]
    public void The_script_is_embedded_and_strict() =>
        Assert.Contains("'use strict';", Script, StringComparison.Ordinal);

    [Theory]
    [InlineData("http")]
    [InlineData("//")] // also keeps out line comments, so the inline script reads the same on one line
    [InlineData("</")] // nothing that could close the inline <script> element
    [InlineData("<!--")]
    [InlineData("innerHTML")]
    [InlineData("outerHTML")]
    [InlineData("insertAdjacentHTML")]
    [InlineData("document.write")]
    [InlineData("new Function")]
    [InlineData("import(")]
    [InlineData("fetch(")]
    [InlineData("XMLHttpRequest")]
    [InlineData("setTimeout(")] // a string argument would be evaluated
    public void The_script_has_no_url_no_html_injection_and_no_code_from_text(string forbidden) =>
        Assert.DoesNotContain(forbidden, Script, StringComparison.OrdinalIgnoreCase);

    [Fact]
    public void The_script_never_evaluates_text() =>
        Assert.DoesNotMatch(new Regex(@"\beval\b"), Script);

    [Theory]
    [InlineData("getElementById('runs')")]
    [InlineData("th[data-key]")]
    [InlineData("data-type")]
    [InlineData("data-value")]
    [InlineData("aria-sort")]
    [InlineData("getElementById('filter-status')")]
    [InlineData("getElementById('filter-tag')")]
    [InlineData("data-status")]
    [InlineData("data-tags")]
    [InlineData("figure.chart")]
    [InlineData("svg.chart-svg")]
    [InlineData("script.chart-data")]
    [InlineData(".legend button[data-job]")]
    [InlineData("aria-pressed")]
    [InlineData("button.log-toggle")]
    [InlineData("'tooltip'")]
    [InlineData("data-y-log")]
    public void The_script_reads_the_dom_of_the_report_contract(string hook) =>
        Assert.Contains(hook, Script, StringComparison.Ordinal);
}
