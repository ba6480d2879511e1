#!/usr/bin/env python3
"""Markdown table of one hyperfine run: portable (JIT) build, AOT build, anchor, ratios, target.

Usage: table.py RESULT.json ANCHOR_NAME TARGET [TARGET...]
  The hyperfine commands must be named (-n) "portable", "AOT" and ANCHOR_NAME (other names are
  listed too). TARGET is "AOT<=50ms" (absolute median), "AOT<=0.5*anchor" (ratio of medians to
  the anchor) or "AOT>=50000/s:N" (throughput: N items per run). Prints the table and one
  "Target: ... PASS|FAIL" line per target; exits 1 if a target fails.
"""
import json
import re
import sys


def ms(v):
    return f"{v * 1000:.1f} ms"


def main():
    path, anchor, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
    results = {r["command"]: r for r in json.load(open(path))["results"]}
    if anchor not in results:
        sys.exit(f"table.py: no command named {anchor!r} in {path} (names: {', '.join(results)})")
    a = results[anchor]["median"]
    lines = ["| build | median | mean ± σ | min | max | ratio to anchor |", "|---|---|---|---|---|---|"]
    for name, r in results.items():
        ratio = "1.00× (anchor)" if name == anchor else f"{r['median'] / a:.2f}×"
        lines.append(f"| {name} | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['min'])} | {ms(r['max'])} | {ratio} |")
    failed = False
    for t in targets:
        m = re.fullmatch(r"(\S+?)(<=|>=)(.+)", t)
        if not m:
            sys.exit(f"table.py: cannot read target {t!r}")
        name, op, rhs = m.groups()
        med = results[name]["median"]
        if rhs.endswith("*anchor"):
            limit = float(rhs[: -len("*anchor")]) * a
            ok = med <= limit if op == "<=" else med >= limit
            text = f"{name} median ≤ {rhs[:-len('*anchor')]}× {anchor} ({ms(limit)}): {ms(med)} = {med / a:.2f}×"
        elif rhs.endswith("ms"):
            limit = float(rhs[:-2]) / 1000
            ok = med <= limit if op == "<=" else med >= limit
            text = f"{name} median {op.replace('<=', '≤').replace('>=', '≥')} {rhs[:-2]} ms: {ms(med)}"
        elif "/s:" in rhs:
            rate, n = rhs.split("/s:")
            got = float(n) / med
            ok = got >= float(rate) if op == ">=" else got <= float(rate)
            text = f"{name} ≥ {int(float(rate)):,} per second: {got:,.0f} per second ({n} in {ms(med)})"
        else:
            sys.exit(f"table.py: cannot read target {t!r}")
        failed |= not ok
        lines.append("")
        lines.append(f"Target: {text}: **{'PASS' if ok else 'FAIL'}**")
    print("\n".join(lines))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
