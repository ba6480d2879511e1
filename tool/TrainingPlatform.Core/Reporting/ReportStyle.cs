namespace TrainingPlatform.Core.Reporting;

/// <summary>
/// The report's one style sheet: colours as custom properties, a dark scheme for <c>prefers-color-scheme: dark</c>, a
/// print scheme (black on white, no controls), and the series colours <c>c0</c>…<c>c9</c> the charts and legends use.
/// System fonts only: nothing is fetched.
/// </summary>
public static class ReportStyle
{
    public const string Css = """
        :root {
          color-scheme: light dark;
          --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa; --accent: #0969da;
          --critical: #cf222e; --important: #9a6700; --minor: #59636e; --ok: #1a7f37;
          --c0: #1f77b4; --c1: #d62728; --c2: #2ca02c; --c3: #9467bd; --c4: #ff7f0e;
          --c5: #17becf; --c6: #8c564b; --c7: #e377c2; --c8: #7f7f7f; --c9: #bcbd22;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23; --accent: #4493f8;
            --critical: #f85149; --important: #d29922; --minor: #9198a1; --ok: #3fb950;
            --c0: #4e9fe0; --c1: #f26b6b; --c2: #56c456; --c3: #b392e0; --c4: #ffa04d;
            --c5: #3fd4e4; --c6: #c08a7c; --c7: #f29ad5; --c8: #a8a8a8; --c9: #d6d74a;
          }
        }
        * { box-sizing: border-box; }
        body { margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; background: var(--bg); color: var(--fg);
          font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        h1 { font-size: 1.6em; margin: 0.2em 0; }
        h2 { font-size: 1.3em; margin: 1.6em 0 0.6em; padding-bottom: 0.2em; border-bottom: 1px solid var(--line); }
        h3 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
        h4 { font-size: 1em; margin: 1em 0 0.3em; }
        a { color: var(--accent); }
        code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.92em; }
        .muted, .note { color: var(--muted); }
        nav a { margin-right: 1em; }
        table { border-collapse: collapse; margin: 0.4em 0; }
        th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        td.num, th[data-type="number"] { text-align: right; font-variant-numeric: tabular-nums; }
        #runs th { cursor: pointer; user-select: none; white-space: nowrap; background: var(--panel); }
        #runs th[aria-sort="ascending"]::after { content: " \25B2"; }
        #runs th[aria-sort="descending"]::after { content: " \25BC"; }
        #runs td { white-space: nowrap; }
        .table-wrap { overflow-x: auto; }
        .filters { display: flex; gap: 1.2em; margin: 0.4em 0; }
        select, button { font: inherit; color: inherit; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 1px 6px; }
        button { cursor: pointer; }
        .status { font-weight: 600; }
        .status-succeeded { color: var(--ok); }
        .status-failed { color: var(--critical); }
        .status-cancelled { color: var(--muted); }
        .status-running { color: var(--accent); }
        #charts { display: block; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; }
        figure.chart { position: relative; margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); break-inside: avoid; }
        figure.chart figcaption { display: flex; justify-content: space-between; align-items: baseline; font-weight: 600; }
        figure.chart svg { display: block; width: 100%; height: auto; }
        svg text { fill: var(--muted); font-size: 11px; }
        svg .axis, svg .grid { stroke: var(--line); fill: none; }
        path.series { fill: none; stroke-width: 1.5; stroke-linejoin: round; }
        path.series[hidden], path.series.off { display: none; }
        .legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 12px; margin: 4px 0 0; padding: 0; }
        .legend button { border: none; background: none; padding: 0 2px; }
        .legend button::before { content: ""; display: inline-block; width: 14px; height: 3px; margin-right: 5px; vertical-align: middle; background: currentColor; }
        .legend button[aria-pressed="false"] { opacity: 0.4; text-decoration: line-through; }
        .tooltip { position: absolute; pointer-events: none; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; background: var(--panel); color: var(--fg); font-size: 12px; white-space: nowrap; }
        .c0 { color: var(--c0); stroke: var(--c0); } .c1 { color: var(--c1); stroke: var(--c1); }
        .c2 { color: var(--c2); stroke: var(--c2); } .c3 { color: var(--c3); stroke: var(--c3); }
        .c4 { color: var(--c4); stroke: var(--c4); } .c5 { color: var(--c5); stroke: var(--c5); }
        .c6 { color: var(--c6); stroke: var(--c6); } .c7 { color: var(--c7); stroke: var(--c7); }
        .c8 { color: var(--c8); stroke: var(--c8); } .c9 { color: var(--c9); stroke: var(--c9); }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; background: currentColor; margin-right: 6px; }
        #lineage svg { max-width: 100%; height: auto; }
        .sev-critical td:first-child { color: var(--critical); font-weight: 700; }
        .sev-important td:first-child { color: var(--important); font-weight: 600; }
        .sev-minor td:first-child { color: var(--minor); }
        section.job { border-top: 1px solid var(--line); margin-top: 1.2em; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0.4em 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        dl.facts ul { margin: 0; padding-left: 1.2em; }
        ol.timeline { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 24px; padding: 0; margin: 0.3em 0; }
        ol.timeline li.missing { color: var(--muted); }
        details.config pre { max-height: 480px; overflow: auto; padding: 8px; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; }
        .fits-no { color: var(--critical); font-weight: 600; }
        .fits-yes { color: var(--ok); }
        @media print {
          :root { --bg: #ffffff; --fg: #000000; --muted: #444444; --line: #bbbbbb; --panel: #ffffff; --accent: #000000; }
          body { max-width: none; padding: 0; font-size: 11px; }
          nav, .filters, .log-toggle, .tooltip { display: none !important; }
          .charts { grid-template-columns: 1fr 1fr; }
          figure.chart, section.job, table.diff tr { break-inside: avoid; }
          details.config pre { max-height: none; overflow: visible; }
          a { color: inherit; text-decoration: none; }
        }
        """;
}
