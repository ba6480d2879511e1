#!/usr/bin/env python3
"""Write N valid, varied trainplat/v1 recipes for the validation benchmark.

Each recipe is one of the built-in recipes (recipes/*.yaml, taken in turn) with a new id
(equal to its file name), a new version and description, and perturbed numbers: floats are
scaled by a random factor in [0.5, 2] (3 significant digits), integers by 1/2, 1 or 2, the
batch sizes of one recipe by one common power of two (so micro <= mini <= global still holds),
and every value is kept inside the bounds the schema gives its key (else the original stays).

The YAML is written with PyYAML (floats come out as `1.0e-06`, which YAML 1.1 readers also
read as floats), preceded by the original file's leading comment block. The same data, as
PyYAML reads the written file back, goes to one .json file per recipe for ajv.

Deterministic: the same --seed and --count give byte-identical files.

Usage: python3 bench/generate_recipes.py [--count 1000] [--seed 20261125]
           [--yaml-dir bench/out/recipes] [--json-dir bench/out/json] [--recipes recipes]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent

# Keys whose values are batch sizes: scaled together so their order is kept.
BATCH_KEYS = {
    "global_batch_size",
    "mini_batch_size",
    "micro_batch_size_per_gpu",
    "micro_batch_size",
    "generation_batch_size",
}
# Integer keys left alone: GPU/node layout (the scaling rules and the batch arithmetic refer to it).
FIXED_KEYS = {
    ("trainer", "gpus_per_node"),
    ("trainer", "nodes"),
}


class Dumper(yaml.SafeDumper):
    """SafeDumper that indents block sequences under their key and never sorts."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_float(dumper: yaml.SafeDumper, value: float):
    # PyYAML already writes 1e-06 as 1.0e-06; make sure a plain integral float keeps its ".0".
    text = repr(value)
    if "e" in text and "." not in text.split("e")[0]:
        text = text.replace("e", ".0e", 1)
    elif "." not in text and "e" not in text and "inf" not in text and "nan" not in text:
        text += ".0"
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


Dumper.add_representer(float, _represent_float)


def config_bounds(schema: dict) -> dict[tuple[str, str], dict]:
    """(section, key) -> the key's schema node, for the `config` sections."""
    out = {}
    sections = schema["properties"]["config"]["properties"]
    for section, node in sections.items():
        for key, leaf in node.get("properties", {}).items():
            out[(section, key)] = leaf
    return out


def fits(value, leaf: dict) -> bool:
    if "minimum" in leaf and value < leaf["minimum"]:
        return False
    if "maximum" in leaf and value > leaf["maximum"]:
        return False
    if "exclusiveMinimum" in leaf and value <= leaf["exclusiveMinimum"]:
        return False
    if "exclusiveMaximum" in leaf and value >= leaf["exclusiveMaximum"]:
        return False
    return True


def sig3(x: float) -> float:
    if x == 0:
        return 0.0
    return float(f"{x:.3g}")


def perturb_config(config: dict, bounds: dict, rng: random.Random) -> None:
    batch_factor = rng.choice([0.5, 1, 1, 2])
    for section, values in config.items():
        if not isinstance(values, dict):
            continue
        for key, value in list(values.items()):
            leaf = bounds.get((section, key), {})
            if isinstance(value, bool) or value is None or isinstance(value, (str, list)):
                continue
            if (section, key) in FIXED_KEYS:
                continue
            if section == "trainer" and key == "seed":
                new = rng.randint(0, 100_000)
            elif isinstance(value, int):
                factor = batch_factor if section == "batch" and key in BATCH_KEYS else rng.choice([0.5, 1, 2])
                new = max(1 if value >= 1 else 0, int(value * factor))
            else:  # float
                new = sig3(value * math.exp(rng.uniform(math.log(0.5), math.log(2.0))))
            if fits(new, leaf):
                values[key] = new
    # A couple of minor switches, where the recipe sets them.
    model = config.get("model")
    if isinstance(model, dict) and "gradient_checkpointing" in model and rng.random() < 0.3:
        model["gradient_checkpointing"] = not model["gradient_checkpointing"]
    data = config.get("data")
    if isinstance(data, dict) and "shuffle" in data and rng.random() < 0.3:
        data["shuffle"] = not data["shuffle"]


def leading_comments(text: str, old_id: str, new_id: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            lines.append(line.replace(old_id, new_id))
        else:
            break
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def make_variant(base: dict, base_text: str, i: int, bounds: dict, rng: random.Random) -> tuple[str, dict]:
    data = json.loads(json.dumps(base))  # deep copy, plain types
    old_id = data["id"]
    new_id = f"{old_id}_b{i:04d}"
    data["id"] = new_id
    major = int(str(data.get("version", "1.0.0")).split(".")[0])
    data["version"] = f"{major}.{rng.randint(0, 20)}.{rng.randint(0, 50)}"
    data["description"] = f"{data['description']} Benchmark variant {i} of {old_id}."
    tags = list(data.get("tags", []))
    if "bench" not in tags:
        tags.append("bench")
    data["tags"] = tags
    perturb_config(data["config"], bounds, rng)
    header = leading_comments(base_text, old_id, new_id)
    body = yaml.dump(data, Dumper=Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=4096)
    return header + body, data


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--yaml-dir", type=Path, default=REPO / "bench/out/recipes")
    p.add_argument("--json-dir", type=Path, default=REPO / "bench/out/json")
    p.add_argument("--recipes", type=Path, default=REPO / "recipes")
    p.add_argument("--schema", type=Path, default=REPO / "schemas/recipe.v1.schema.json")
    args = p.parse_args(argv)

    schema = json.loads(args.schema.read_text(encoding="utf-8"))
    bounds = config_bounds(schema)
    sources = sorted(args.recipes.glob("*.yaml"))
    if not sources:
        print(f"generate_recipes: no *.yaml in {args.recipes}", file=sys.stderr)
        return 2
    bases = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        bases.append((yaml.safe_load(text), text))

    for folder, pattern in ((args.yaml_dir, "*.yaml"), (args.json_dir, "*.json")):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(pattern):
            old.unlink()

    rng = random.Random(args.seed)
    total_bytes = 0
    for i in range(args.count):
        base, text = bases[i % len(bases)]
        yaml_text, data = make_variant(base, text, i, bounds, rng)
        reread = yaml.safe_load(yaml_text)
        if reread != data:
            print(f"generate_recipes: round trip changed recipe {data['id']}", file=sys.stderr)
            return 1
        (args.yaml_dir / f"{data['id']}.yaml").write_text(yaml_text, encoding="utf-8")
        (args.json_dir / f"{data['id']}.json").write_text(
            json.dumps(reread, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        total_bytes += len(yaml_text.encode("utf-8"))

    print(f"generate_recipes: {args.count} recipes from {len(bases)} bases -> "
          f"{args.yaml_dir} ({total_bytes / 1024:.0f} KiB YAML), {args.json_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
