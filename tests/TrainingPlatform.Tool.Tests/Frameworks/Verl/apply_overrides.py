#!/usr/bin/env python3
"""Applies Hydra overrides to verl's flattened trainer config in OmegaConf struct mode.

Usage: apply_overrides.py BASE.yaml [--entry ENTRY.yaml] OVERRIDES.txt KEY...

BASE.yaml is verl's _generated_ppo_(megatron_)trainer.yaml; ENTRY.yaml an entry point's own config merged on top
(0.7.0's recipe/dapo/config/dapo_trainer.yaml, whose `defaults:` names ppo_trainer). Every override line `key=value`
must name an existing key (struct mode: an unknown key is an error); `+key=value` adds a key, as Hydra does.
Values are read with Hydra's override grammar for the forms trainplat emits (null, True/False in any case, ints,
floats, quoted strings, [lists], {dicts}, bare strings). Prints the values of KEY... as JSON; exit 1 listing every
unknown key or bad value.
"""
import json
import re
import sys

from omegaconf import OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

INT = re.compile(r"^[+-]?\d[\d_]*$")
FLOAT = re.compile(r"^[+-]?((\d[\d_]*)?\.\d+|\d[\d_]*\.\d*|\d[\d_]*)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", re.IGNORECASE)


def primitive(text):
    s = text.strip()
    if s.lower() == "null":
        return None
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    if INT.match(s):
        return int(s.replace("_", ""))
    if FLOAT.match(s):
        return float(s.replace("_", ""))
    return s


class Reader:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def space(self):
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def value(self, top):
        self.space()
        if self.pos >= len(self.text):
            return ""
        c = self.text[self.pos]
        if c == "[":
            return self.sequence("]", lambda: self.value(False))
        if c == "{":
            return dict(self.sequence("}", self.pair))
        if c in "'\"":
            return self.quoted()
        if top:
            rest = self.text[self.pos:]
            self.pos = len(self.text)
            return primitive(rest)
        return primitive(self.until(",]}"))

    def pair(self):
        self.space()
        key = self.quoted() if self.text[self.pos] in "'\"" else self.until(":").strip()
        if self.text[self.pos] != ":":
            raise ValueError(f"expected ':' in {self.text!r}")
        self.pos += 1
        return key, self.value(False)

    def sequence(self, close, item):
        self.pos += 1
        items = []
        self.space()
        if self.text[self.pos] == close:
            self.pos += 1
            return items
        while True:
            items.append(item())
            self.space()
            c = self.text[self.pos]
            self.pos += 1
            if c == close:
                return items
            if c != ",":
                raise ValueError(f"expected ',' or {close!r} in {self.text!r}")

    def quoted(self):
        quote = self.text[self.pos]
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            c = self.text[self.pos]
            self.pos += 1
            if c == "\\" and self.pos < len(self.text) and self.text[self.pos] in (quote, "\\"):
                out.append(self.text[self.pos])
                self.pos += 1
            elif c == quote:
                return "".join(out)
            else:
                out.append(c)
        raise ValueError(f"unclosed quote in {self.text!r}")

    def until(self, stops):
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in stops:
            self.pos += 1
        return self.text[start:self.pos]


def parse(text):
    reader = Reader(text)
    value = reader.value(True)
    reader.space()
    if reader.pos != len(text):
        raise ValueError(f"trailing text in {text!r}")
    return value


def exists(cfg, key):
    parent, _, leaf = key.rpartition(".")
    node = OmegaConf.select(cfg, parent) if parent else cfg
    # keys(), not `in`: a mandatory value (???) is a key that `in` reports absent
    return node is not None and OmegaConf.is_dict(node) and leaf in node.keys()


def main(argv):
    base = OmegaConf.load(argv[0])
    rest = argv[1:]
    if rest and rest[0] == "--entry":
        entry = OmegaConf.load(rest[1])
        entry = OmegaConf.masked_copy(entry, [k for k in entry.keys() if k not in ("hydra", "defaults")])
        base = OmegaConf.merge(base, entry)
        rest = rest[2:]
    overrides, keys = rest[0], rest[1:]
    OmegaConf.set_struct(base, True)
    problems = []
    with open(overrides, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, text = line.partition("=")
            added = key.startswith("+")
            key = key.lstrip("+")
            try:
                value = parse(text)
            except ValueError as e:
                problems.append(f"line {number}: {line}: {e}")
                continue
            if not added and not exists(base, key):
                problems.append(f"line {number}: unknown key {key}")
                continue
            try:
                if added:
                    with open_dict(base):
                        OmegaConf.update(base, key, value, merge=True, force_add=True)
                else:
                    OmegaConf.update(base, key, value, merge=False)
            except OmegaConfBaseException as e:
                problems.append(f"line {number}: {line}: {type(e).__name__}: {e}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(json.dumps({k: OmegaConf.to_container(OmegaConf.create({"v": OmegaConf.select(base, k)}))["v"] for k in keys}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
