#!/usr/bin/env python3
"""A recipe repository with history, for the `check` and `recipe history` benchmark (bench/check.sh).

  generate_git_repo.py OUT_DIR [--recipes 50] [--commits 200] [--seed 20261205]

Writes a git repository at OUT_DIR (replaced if it exists) with a trainplat.yaml and RECIPES project
recipes under recipes/, each extending a built-in recipe and setting its own learning rate. The first
commit adds them all; every later commit changes the learning rate of one to three recipes and raises
their patch version, so `trainplat check --base HEAD~N` passes at any N. The last commit (the one
`check --base HEAD~1` looks at) changes three recipes (versions raised), adds one and renames one (its id
follows the file name), so the check sees every
kind of change a pull request brings. All commits are written by one `git fast-import` with fixed dates:
the same arguments give the same commit ids.

Prints a JSON summary on stdout: what the last commit changed (the check must report exactly this)
and the recipe with the longest history (for `recipe history`).
Python standard library only.
"""
import argparse
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

SEED = 20261205
START = 1764547200  # 2025-12-01T00:00:00Z; commit i is one hour after commit i-1
BASES = [
    ("grpo_basic", "rlhf", "grpo", 1.0e-6),
    ("grpo_lora", "rlhf", "grpo", 1.0e-5),
    ("ppo", "rlhf", "ppo", 1.0e-6),
    ("dpo_full", "preference", "dpo", 2.0e-5),
    ("dpo_lora", "preference", "dpo", 5.0e-5),
    ("sft_full", "sft", "sft", 2.0e-5),
    ("sft_lora", "sft", "lora", 3.0e-4),
    ("simpo", "preference", "simpo", 1.0e-6),
]


def recipe_text(rid: str, version: str, base: tuple, lr: float) -> str:
    name, task, algorithm, _ = base
    return (
        f"# A generated project recipe for the check benchmark (bench/check.sh), based on {name}.\n"
        "apiVersion: trainplat/v1\n"
        f"id: {rid}\n"
        f"version: {version}\n"
        f"task: {task}\n"
        f"algorithm: {algorithm}\n"
        "tags: [bench]\n"
        f"description: A generated recipe extending {name} with its own learning rate.\n"
        f"source: Built-in recipe {name} with the learning rate changed.\n"
        f"extends: {name}\n"
        "config:\n"
        "  optimizer:\n"
        f"    learning_rate: {lr:.3e}\n"
    )


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--recipes", type=int, default=50)
    p.add_argument("--commits", type=int, default=200)
    p.add_argument("--seed", type=int, default=SEED)
    a = p.parse_args(argv)
    if a.recipes < 5 or a.commits < 2:
        p.error("need at least 5 recipes and 2 commits")
    rng = random.Random(a.seed)
    out = Path(a.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    # state: file name -> [id, version (major, minor, patch), base, lr]
    recipes = {}
    for i in range(a.recipes):
        rid = f"team_recipe_{i:02d}"
        base = BASES[i % len(BASES)]
        recipes[f"recipes/{rid}.yaml"] = [rid, [1, 0, 0], base, base[3] * rng.choice([0.5, 1.0, 2.0])]
    touched = {path: 1 for path in recipes}

    def text(path: str) -> str:
        rid, (ma, mi, pa), base, lr = recipes[path]
        return recipe_text(rid, f"{ma}.{mi}.{pa}", base, lr)

    def change(path: str) -> None:
        r = recipes[path]
        r[3] = float(f"{r[3] * rng.choice([0.5, 0.8, 1.25, 2.0]):.3e}")
        r[1][2] += 1
        touched[path] += 1

    stream = []

    def blob_data(s: str) -> None:
        b = s.encode("utf-8")
        stream.append(f"data {len(b)}\n".encode())
        stream.append(b)
        stream.append(b"\n")

    def commit(i: int, message: str, ops: list) -> None:
        stream.append(b"commit refs/heads/main\n")
        when = START + 3600 * i
        stream.append(f"author Bench Author <bench@example.com> {when} +0000\n".encode())
        stream.append(f"committer Bench Author <bench@example.com> {when} +0000\n".encode())
        blob_data(message)
        for op in ops:
            if op[0] == "M":
                stream.append(f'M 100644 inline "{op[1]}"\n'.encode("utf-8"))
                blob_data(op[2])
            else:
                stream.append(f'D "{op[1]}"\n'.encode("utf-8"))
        stream.append(b"\n")

    project = "# trainplat project file of the generated check benchmark repository.\napiVersion: trainplat/v1\nname: bench-check\nrecipes: [recipes]\n"
    commit(0, f"add {a.recipes} recipes", [("M", "trainplat.yaml", project)] + [("M", p, text(p)) for p in sorted(recipes)])
    paths = sorted(recipes)
    for i in range(1, a.commits - 1):
        chosen = rng.sample(paths, rng.randint(1, 3))
        for path in chosen:
            change(path)
        commit(i, "tune " + ", ".join(recipes[p][0] for p in chosen), [("M", p, text(p)) for p in chosen])

    # The last commit: three modified, one added, one renamed (a new file name brings a new id).
    modified = sorted(rng.sample(paths, 3))
    for path in modified:
        change(path)
    old = sorted(set(paths) - set(modified))[0]
    new_id = recipes[old][0] + "_renamed"
    new = f"recipes/{new_id}.yaml"
    recipes[new] = recipes.pop(old)
    recipes[new][0] = new_id
    added = f"recipes/team_recipe_{a.recipes:02d}.yaml"
    base = BASES[a.recipes % len(BASES)]
    recipes[added] = [f"team_recipe_{a.recipes:02d}", [0, 1, 0], base, base[3]]
    commit(a.commits - 1, "tune three recipes, add one, rename one",
           [("M", p, text(p)) for p in modified] + [("D", old), ("M", new, text(new)), ("M", added, text(added))])

    env = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(out), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True, env=env)
    subprocess.run(["git", "-C", str(out), "fast-import", "--quiet"], input=b"".join(stream), check=True, env=env)
    subprocess.run(["git", "-C", str(out), "checkout", "-q", "-f", "main"], check=True, env=env)

    longest = max(sorted(p for p in recipes if p not in (new, added)), key=lambda p: touched[p])
    json.dump({
        "commits": a.commits,
        "recipes": len(recipes),
        "last_commit": {
            "modified": [{"path": p, "id": recipes[p][0], "version": ".".join(map(str, recipes[p][1]))} for p in modified],
            "added": [{"path": added, "id": recipes[added][0]}],
            "renamed": [{"from": old, "to": new}],
        },
        "history_recipe": {"id": recipes[longest][0], "path": longest, "commits": touched[longest]},
    }, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
