#!/usr/bin/env python3
"""The anchor of bench/suggest.sh: the evidence `trainplat suggest` gathers, from a JSON Lines export.

  suggest_anchor.py EXPORT.jsonl TASK ALGORITHM PARAMETERS [MAX] [METHOD]

Reads every line of a `trainplat job export` file (the same jobs the store holds), keeps the succeeded jobs
of TASK and ALGORITHM whose model is within a factor of 2 of PARAMETERS and whose config trains the target's
way (METHOD: full, lora or qlora; default full — the rule of Recipes.TrainingMethod.From: a `lora` section or
algorithm trains adapters, on an nf4/fp4 base QLoRA), takes the MAX (default 1,000) most recent (created
descending, then id), reads their configs and prints, as JSON: the counts (candidates of the task and
algorithm, in the size window, considered) and the median learning rate of the considered jobs.
The work is what suggest does before it compares keys; Python standard library only.
"""
import json
import statistics
import sys


def method(algorithm: str, config: dict) -> str:
    lora = config.get("lora")
    quantization = (config.get("model") or {}).get("quantization")
    if algorithm == "qlora":
        return "qlora"
    if algorithm != "lora" and not (isinstance(lora, dict) and any(v is not None for v in lora.values())):
        return "full"
    return "qlora" if quantization in ("nf4", "fp4") else "lora"


def main() -> int:
    path, task, algorithm, parameters = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    target_method = sys.argv[6] if len(sys.argv) > 6 else "full"
    configs, jobs = {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            kind = record.get("type")
            if kind == "config":
                configs[record["hash"]] = record["config"]
            elif kind == "job":
                jobs.append(record)
    candidates = [j for j in jobs if j["status"] == "succeeded" and j["task"] == task and j["algorithm"] == algorithm]
    window = [j for j in candidates if 0 < j["parameters"] <= parameters * 2 and j["parameters"] * 2 >= parameters]
    window.sort(key=lambda j: j["id"])
    window.sort(key=lambda j: j["created"], reverse=True)  # stable: newest first, ties by id
    same_method = [j for j in window if method(j["algorithm"], configs.get(j["config_hash"], {})) == target_method]
    considered = same_method[:limit]
    rates = [configs[j["config_hash"]]["optimizer"]["learning_rate"] for j in considered if j["config_hash"] in configs]
    json.dump({
        "candidates": len(candidates),
        "in_window": len(window),
        "considered": len(considered),
        "jobs": sorted(j["id"] for j in considered),
        "median_learning_rate": statistics.median(rates) if rates else None,
    }, sys.stdout, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
