#!/usr/bin/env python3
"""Data for the lineage-store benchmark (bench/lineage.sh); Python standard library only.

  points  A metrics file as a trainer writes it: LINES JSON lines (default 250,000), each with a
          `step` and four metrics (loss, reward, kl, lr), so 1,000,000 points in all. Loss falls,
          reward rises, KL creeps up, all with noise; lr is a warm-up then cosine schedule.

  jobs    A `trainplat job export` file (JSON Lines, trainplat-lineage format 1) with JOBS jobs
          (default 100,000) built from a template export: the real export of one job per recipe
          and model size, written by `trainplat job create` (bench/lineage.sh makes it). Recipe
          versions and dataset versions are copied verbatim from the template; jobs copy the
          template job's exact field set and order; configs are the template's rendered configs,
          with the learning rate (and for GRPO the global batch size) varied per job and the
          config hash recomputed in trainplat's canonical form (checked against the template's
          own hashes, and by bench/lineage.sh against `trainplat render --set`).
          The mix: 20 recipe ids (15 built-in or example, 5 team recipes), weighted so
          grpo_basic is the busiest; sizes 1.5B-70B; statuses follow a failure model; about 8%
          of jobs are clones (parent set); jobs of the last days may still be pending or running.
          GRPO jobs of the grpo_basic family up to 14B are "tuned" six times in ten (learning
          rate near 6.5e-7, global batch 512; at 32B and up half of both) and otherwise explore
          (learning rate log-uniform 1e-7..1e-5, batch 64..2048 as the recipe allows); their final
          reward falls with the squared distance from the best values, as in
          Core's ExperienceHistory. Every succeeded job, and half of the failed ones, get one
          `metrics` record with one point: the final `reward` (rlhf) or `eval_loss` (others);
          `job import` recomputes the job's metric summary from it.
          --facts writes what the benchmark checks and reports (counts per recipe, the job to
          `show`, render samples to verify config hashes).

Deterministic: the same arguments (and the same template for `jobs`) give the same bytes.
Documented seed: 20261125 (the default).
"""
import argparse
import hashlib
import json
import math
import random
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261125
END = datetime(2026, 11, 20, tzinfo=timezone.utc)  # fixed, so the file does not depend on today
DAYS = 365

# Recipe weights (relative); grpo_basic is the busiest, so `job list --recipe grpo_basic` is the largest answer.
RECIPE_WEIGHTS = {
    "grpo_basic": 11, "grpo_math_small": 8, "team_grpo_code": 7, "team_grpo_tool": 5, "grpo_large_scale": 4,
    "grpo_lora": 4, "dapo": 3, "ppo": 5, "team_ppo_helpful": 3, "dpo_full": 6, "dpo_lora": 4,
    "team_dpo_safety": 4, "simpo": 3, "orpo": 2, "sft_full": 6, "sft_lora": 6, "sft_qlora": 3,
    "sft_chat": 7, "team_sft_code": 5, "reward_model": 4,
}
SIZE_WEIGHTS = {"1.5B": 10, "7B": 35, "8B": 15, "14B": 20, "32B": 12, "70B": 8}
# GRPO recipes whose learning rate and batch follow the tuned/explore model below.
GRPO_FAMILY = {"grpo_basic", "grpo_math_small", "team_grpo_code", "team_grpo_tool"}
BEST_LR, BEST_BATCH = 6.5e-7, 512

USERS = ["alice", "bob", "carol", "dmitri", "erin", "farah", "gus", "hiro", "ines", "jonas", "kemal", "lena"]
HOSTS = ["gpu-node-01", "gpu-node-02", "gpu-node-07", "gpu-node-12", "login-1", "login-2", "ws-alice", "ws-hiro"]
TAGS = ["baseline", "sweep", "ablation", "nightly", "prod-candidate", "debug", "math", "code", "chat", "safety"]
BRANCHES = ["main", "main", "main", "exp/lr-sweep", "exp/long-context", "fix/reward-parser", "release/2026.11"]
FAIL_NOTES = ["CUDA out of memory at step {s}", "NCCL timeout at step {s}", "node lost at step {s}", "loss spike, stopped at step {s}", None]

SAFE_STRING = re.compile(r"^[A-Za-z0-9_./:$\- ]*$")  # `$`: the built-ins' $HOME/data/... paths; .NET writes it as is


# ---- number and JSON spelling as trainplat writes them --------------------------------------

def stored_float(v: float) -> str:
    """Numbers.Format: 1.0, 0.05, 1.0e-06 (the rendered config as the store keeps it)."""
    if v == math.floor(v) and abs(v) < 1e15:
        return f"{v:.1f}"
    r = repr(v)
    if "e" not in r:
        return r
    mantissa, exponent = r.split("e")
    if "." not in mantissa:
        mantissa += ".0"
    e = int(exponent)
    return f"{mantissa}e{'-' if e < 0 else '+'}{abs(e):02d}"


def canonical_float(v: float) -> str:
    """.NET double.ToString("R"): 1, 0.05, 1E-06 (CanonicalJson, the form that is hashed)."""
    if v == math.floor(v) and abs(v) < 1e15:
        return str(int(v))
    r = repr(v)
    if "e" not in r:
        return r
    mantissa, exponent = r.split("e")
    e = int(exponent)
    return f"{mantissa}E{'-' if e < 0 else '+'}{abs(e):02d}"


def write_json(node, float_text, sort_keys: bool) -> str:
    if node is None:
        return "null"
    if node is True:
        return "true"
    if node is False:
        return "false"
    if isinstance(node, int):
        return str(node)
    if isinstance(node, float):
        return float_text(node)
    if isinstance(node, str):
        if not SAFE_STRING.match(node):
            # Utf8JsonWriter escapes more than Python's json; keep to strings both spell alike.
            raise ValueError(f"config string {node!r} may be escaped differently by .NET")
        return json.dumps(node)
    if isinstance(node, list):
        return "[" + ",".join(write_json(x, float_text, sort_keys) for x in node) + "]"
    items = sorted(node.items()) if sort_keys else node.items()
    return "{" + ",".join(json.dumps(k) + ":" + write_json(v, float_text, sort_keys) for k, v in items) + "}"


def config_hash(config: dict) -> str:
    return hashlib.sha256(write_json(config, canonical_float, True).encode()).hexdigest()


def time_text(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def round_sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


def normal(rng: random.Random) -> float:
    """Box-Muller from rng.random() only, so the stream does not depend on Python's gauss()."""
    u1 = rng.random() or 1e-12
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * rng.random())


def pick(rng: random.Random, weights: dict):
    total = sum(weights.values())
    x = rng.random() * total
    for key, w in weights.items():
        x -= w
        if x < 0:
            return key
    return key


# ---- points ---------------------------------------------------------------------------------

def generate_points(out: Path, lines: int, seed: int) -> dict:
    rng = random.Random(seed)
    warmup = max(1, lines // 50)
    peak_lr = 1e-6
    loss, kl = 2.6, 0.0
    with out.open("w", encoding="utf-8", newline="\n") as f:
        buffer = []
        for i in range(lines):
            step = i + 1
            progress = i / max(1, lines - 1)
            lr = peak_lr * step / warmup if step <= warmup else peak_lr * (0.1 + 0.45 * (1 + math.cos(math.pi * (step - warmup) / (lines - warmup))))
            loss = 0.35 + 2.25 * math.exp(-5 * progress) + 0.03 * normal(rng)
            reward = 0.15 + 0.6 / (1 + math.exp(-10 * (progress - 0.3))) + 0.04 * normal(rng)
            kl = max(0.0, 0.002 + 0.02 * progress + 0.002 * normal(rng))
            buffer.append(f'{{"step": {step}, "loss": {loss:.6g}, "reward": {reward:.6g}, "kl": {kl:.6g}, "lr": {round_sig(lr, 6)!r}}}\n')
            if len(buffer) == 10000:
                f.write("".join(buffer))
                buffer.clear()
        f.write("".join(buffer))
    return {"lines": lines, "metrics": ["loss", "reward", "kl", "lr"], "points": lines * 4}


# ---- jobs -----------------------------------------------------------------------------------

class Template:
    """The template export: verbatim recipe and dataset lines, configs, and one job per (recipe, size)."""

    def __init__(self, path: Path):
        self.header = None
        self.recipe_lines, self.dataset_lines = [], []
        self.configs = {}  # hash -> config dict (key order kept)
        self.jobs = {}  # (recipe, size) -> job dict
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            kind = record["type"]
            if kind == "header":
                self.header = record
            elif kind == "recipe_version":
                self.recipe_lines.append(line)
            elif kind == "dataset_version":
                self.dataset_lines.append(line)
            elif kind == "config":
                self.configs[record["hash"]] = record["config"]
            elif kind == "job":
                self.jobs[(record["recipe"], record["model_size"])] = record
        if self.header is None or self.header.get("format") != "trainplat-lineage":
            sys.exit(f"{path}: not a trainplat lineage export")
        for h, config in self.configs.items():
            if config_hash(config) != h:
                sys.exit(f"{path}: config {h[:12]} hashes to {config_hash(config)[:12]} here: the canonical form in "
                         "generate_lineage.py no longer matches trainplat's CanonicalJson")
        missing = sorted(r for r in RECIPE_WEIGHTS if not any(k[0] == r for k in self.jobs))
        if missing:
            sys.exit(f"{path}: no template job for {', '.join(missing)}")


def varied_config(rng, template_config, recipe, parameters):
    """A copy of the template config with a varied learning rate (and GRPO global batch); returns (config, sets, lr, batch, best)."""
    config = json.loads(json.dumps(template_config))
    optimizer, batch_section = config["optimizer"], config.get("batch", {})
    base_lr = optimizer["learning_rate"]
    base_batch = batch_section.get("global_batch_size")
    mini = batch_section.get("mini_batch_size") or 1
    sets = []
    if recipe in GRPO_FAMILY:
        scale = 0.5 if parameters >= 32e9 else 1.0
        best_lr, best_batch = BEST_LR * scale, int(BEST_BATCH * scale)
        if rng.random() < 0.6:
            lr = round_sig(best_lr * math.exp(0.26 * normal(rng)), 2)
            batch = best_batch if rng.random() < 0.75 else best_batch * rng.choice([2, 4]) // rng.choice([1, 2, 4])
        else:
            lr = round_sig(10 ** rng.uniform(-7, -5), 2)
            batch = 2 ** rng.randint(6, 11)
        batch = max(mini, batch // mini * mini)
    else:
        best_lr, best_batch = base_lr, base_batch
        lr = round_sig(base_lr * rng.choice([0.5, 1, 1, 1, 2]), 2) if rng.random() < 0.4 else base_lr
        batch = base_batch
        if recipe.startswith("grpo") and base_batch and rng.random() < 0.3:
            batch = max(mini, base_batch * rng.choice([1, 2]) // mini * mini)
    if lr != base_lr:
        optimizer["learning_rate"] = float(lr)
        sets.append(f"optimizer.learning_rate={lr:.2g}")
    if batch != base_batch:
        batch_section["global_batch_size"] = int(batch)
        sets.append(f"batch.global_batch_size={batch}")
    return config, sets, lr, batch, best_lr, best_batch


def base_reward(parameters: float) -> float:
    return 0.62 + 0.04 * math.log2(parameters / 1.5e9)


def generate_jobs(template: Template, out: Path, count: int, seed: int) -> dict:
    rng = random.Random(seed)
    sizes_of = {}
    for recipe, size in template.jobs:
        sizes_of.setdefault(recipe, []).append(size)
    configs = dict(template.configs)  # hash -> config
    new_config_order = []
    ids = set()
    jobs, metric_lines = [], []
    recent = {}  # recipe -> recent job ids (clone parents)
    commits = [f"{rng.getrandbits(160):040x}" for _ in range(400)]
    facts = {"recipes": {}, "statuses": {}, "grpo_7b_14b_succeeded_with_reward": 0, "metric_points": 0, "render_samples": []}
    sampled = set()

    # Creation times, ascending, spread evenly over DAYS days before END.
    start = END - timedelta(days=DAYS)
    times = sorted(start + timedelta(milliseconds=rng.randrange(DAYS * 86_400_000)) for _ in range(count))
    for created in times:
        recipe = pick(rng, RECIPE_WEIGHTS)
        sizes = {s: w for s, w in SIZE_WEIGHTS.items() if s in sizes_of[recipe]}
        size = pick(rng, sizes)
        tj = template.jobs[(recipe, size)]
        parameters = float(tj["parameters"])

        while True:
            job_id = f"{rng.getrandbits(48):012x}"
            if job_id not in ids:
                ids.add(job_id)
                break

        config, sets, lr, batch, best_lr, best_batch = varied_config(rng, template.configs[tj["config_hash"]], recipe, parameters)
        h = config_hash(config)
        if h not in configs:
            configs[h] = config
            new_config_order.append(h)
        if recipe.startswith("grpo") or recipe.startswith("team_grpo"):
            key = (recipe, size)
            if key not in sampled and sets and size in ("7B", "14B", "32B"):
                sampled.add(key)
                facts["render_samples"].append({"recipe": recipe, "size": size, "sets": sets, "hash": h})

        # Outcome: GRPO family by distance from the best values; others a flat failure rate.
        decades = math.log10(lr / best_lr) if best_lr else 0.0
        doublings = math.log2(batch / best_batch) if batch and best_batch else 0.0
        if recipe in GRPO_FAMILY:
            failure = 0.04 + 0.6 * max(0.0, decades - 0.3) + 0.1 * max(0.0, abs(doublings) - 1)
            final = base_reward(parameters) - 0.15 * decades ** 2 - 0.03 * doublings ** 2 + 0.01 * normal(rng)
            metric, higher = "reward", True
        elif tj["task"] == "rlhf":
            failure = 0.12 + 0.5 * max(0.0, abs(decades) - 0.2)
            final = base_reward(parameters) - 0.08 - 0.2 * decades ** 2 + 0.02 * normal(rng)
            metric, higher = "reward", True
        else:
            failure = 0.08 + 0.3 * max(0.0, abs(decades) - 0.2)
            final = 1.1 - 0.05 * math.log10(parameters / 1e9) + 0.05 * abs(decades) + 0.03 * normal(rng)
            metric, higher = "eval_loss", False
        age = (END - created).total_seconds()
        started = created + timedelta(seconds=60 + rng.random() * 6 * 3600)
        duration = timedelta(seconds=1200 + rng.random() * (48 if parameters < 32e9 else 120) * 3600)
        if age < 6 * 3600 and rng.random() < 0.7:
            status = "pending"
        elif started + duration > END:
            status = "running" if started < END else "pending"
        elif rng.random() < min(0.95, failure):
            status = "cancelled" if rng.random() < 0.15 else "failed"
        else:
            status = "succeeded"
        steps = 200 + rng.randrange(300)

        parent = None
        if recent.get(recipe) and rng.random() < 0.08:
            parent = rng.choice(recent[recipe])
        recent.setdefault(recipe, []).append(job_id)
        if len(recent[recipe]) > 50:
            recent[recipe].pop(0)

        events = [{"time": time_text(created), "status": "pending", "note": f"cloned from {parent}" if parent else "created"}]
        started_text = finished_text = None
        updated = created
        if status != "pending":
            started = started.replace(microsecond=started.microsecond // 1000 * 1000)
            events.append({"time": time_text(started), "status": "running", "note": None})
            started_text, updated = time_text(started), started
            if status != "running":
                finished = (started + duration).replace(microsecond=0) + timedelta(milliseconds=rng.randrange(1000))
                if status == "failed":
                    steps = 20 + rng.randrange(180)
                    note = rng.choice(FAIL_NOTES)
                    note = note.format(s=steps) if note else None
                elif status == "cancelled":
                    steps = 10 + rng.randrange(150)
                    note = "stopped by hand"
                else:
                    note = None
                events.append({"time": time_text(finished), "status": status, "note": note})
                finished_text, updated = time_text(finished), finished
                if status == "succeeded" or (status == "failed" and rng.random() < 0.5):
                    value = final if status == "succeeded" else (0.2 + (final - 0.2) * 0.3 if higher else final + 0.5)
                    point = [steps, round_sig(value, 4), int(finished.timestamp() * 1000)]
                    metric_lines.append((job_id, metric, json.dumps({
                        "type": "metrics", "id": f"{job_id}:{rng.getrandbits(64):016x}", "job": job_id, "name": metric,
                        "source": None, "points": [point]}, separators=(",", ":"))))
                    facts["metric_points"] += 1
                    if recipe in GRPO_FAMILY and status == "succeeded" and 7e9 <= parameters <= 14e9:
                        facts["grpo_7b_14b_succeeded_with_reward"] += 1

        git = {"commit": rng.choice(commits), "dirty": rng.random() < 0.12, "branch": rng.choice(BRANCHES)}
        name = None
        if rng.random() < 0.35:
            name = f"{recipe.replace('_', '-')}-{size.lower()}" + (f"-lr{lr:.2g}" if sets else "") + f"-{rng.randrange(100):02d}"
        tags = sorted(set(rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2]))))

        job = dict(tj)  # the template's exact field set and order
        job.update({
            "id": job_id, "name": name, "tags": tags, "status": status, "config_hash": h,
            "sets": list(tj["sets"]) + sets, "git": git, "parent": parent, "forced": [],
            "user": rng.choice(USERS), "host": rng.choice(HOSTS),
            "created": time_text(created), "started": started_text, "finished": finished_text, "updated": time_text(updated),
            "events": events,
        })
        jobs.append(job)
        facts["recipes"][recipe] = facts["recipes"].get(recipe, 0) + 1
        facts["statuses"][status] = facts["statuses"].get(status, 0) + 1

    header = dict(template.header)
    header.update({"jobs": len(jobs), "points": facts["metric_points"]})
    with out.open("w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(header, separators=(",", ":")) + "\n")
        for line in template.recipe_lines:
            f.write(line + "\n")
        for h in sorted(configs):
            f.write('{"type":"config","hash":"' + h + '","config":' + write_json(configs[h], stored_float, False) + "}\n")
        for line in template.dataset_lines:
            f.write(line + "\n")
        for job in jobs:
            f.write(json.dumps(job, separators=(",", ":")) + "\n")
        for _, _, line in sorted(metric_lines):
            f.write(line + "\n")

    # The job to `show` and trace: the newest succeeded clone of the busiest recipe that read datasets.
    busiest = max(facts["recipes"], key=facts["recipes"].get)
    show = next(j for j in reversed(jobs) if j["recipe"] == busiest and j["parent"] and j["datasets"] and j["status"] == "succeeded")
    facts.update({
        "seed": seed, "jobs": len(jobs), "configs": len(configs), "busiest_recipe": busiest,
        "quietest_recipe": min(facts["recipes"], key=facts["recipes"].get),
        "show_job": show["id"], "recipe_versions": len(template.recipe_lines), "dataset_versions": len(template.dataset_lines),
    })
    return facts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    p = sub.add_parser("points", help="a 1,000,000-point metrics file")
    p.add_argument("--lines", type=int, default=250_000)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--out", type=Path, required=True)
    j = sub.add_parser("jobs", help="a job export with JOBS jobs")
    j.add_argument("--template", type=Path, required=True, help="`trainplat job export --all` of one job per recipe and size")
    j.add_argument("--jobs", type=int, default=100_000)
    j.add_argument("--seed", type=int, default=SEED)
    j.add_argument("--out", type=Path, required=True)
    j.add_argument("--facts", type=Path, help="write counts and samples as JSON")
    args = ap.parse_args()

    if args.what == "points":
        facts = generate_points(args.out, args.lines, args.seed)
    else:
        facts = generate_jobs(Template(args.template), args.out, args.jobs, args.seed)
    if getattr(args, "facts", None):
        args.facts.write_text(json.dumps(facts, indent=2, sort_keys=True) + "\n")
    print(json.dumps({k: v for k, v in facts.items() if k != "render_samples"}, sort_keys=True))


if __name__ == "__main__":
    main()
