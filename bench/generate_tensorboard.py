#!/usr/bin/env python3
"""A TensorBoard log folder of 1,000,000 scalars for bench/tensorboard.sh, and the same points as JSON Lines.

Usage: generate_tensorboard.py OUTDIR [STEPS_TRAIN] [STEPS_EVAL]

Writes OUTDIR/logdir/ with two runs, as the writers lay them out:
  train/events.out.tfevents.1700000000.bench.1.0      PyTorch/tensorboardX style: one Event per scalar with a
                                                       simple_value; loss, reward, kl, lr at 200,000 steps (800,000)
  eval/events.out.tfevents.1700000000.bench.2.0.v2    TensorFlow 2 style: rank-0 DT_FLOAT tensors with the "scalars"
                                                       plugin metadata; accuracy, reward at 100,000 steps (200,000)
and OUTDIR/points.jsonl: the same 1,000,000 points (names train/loss, …, eval/reward, the step, the wall time), one
line per step and run, for the JSON Lines anchor.

There is no protobuf module here, so the wire format is written by hand: TFRecord framing (uint64 length, masked
CRC-32C of the length, data, masked CRC-32C of the data) around Event messages (event.proto: wall_time = 1,
step = 2, file_version = 3, summary = 5; summary.proto: Summary.value = 1, Value.tag = 1, simple_value = 2,
tensor = 8, metadata = 9, SummaryMetadata.plugin_data = 1, PluginData.plugin_name = 1; tensor.proto: dtype = 1,
tensor_shape = 2, tensor_content = 4).
"""
import math
import os
import struct
import sys

# CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven.
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value

_HEADER_CRC = {}


def record(data):
    header = struct.pack("<Q", len(data))
    crc = _HEADER_CRC.get(len(data))
    if crc is None:
        crc = _HEADER_CRC[len(data)] = struct.pack("<I", masked(header))
    return header + crc + data + struct.pack("<I", masked(data))


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, payload):
    """A length-delimited field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def event(wall_time, step, value):
    head = b"\x09" + struct.pack("<d", wall_time) + (b"\x10" + varint(step) if step else b"")
    return head + field(5, field(1, value))


def simple_value(tag, value):
    return field(1, tag) + b"\x15" + struct.pack("<f", value)


SCALARS_METADATA = field(9, field(1, field(1, b"scalars")))


def tensor_value(tag, value):
    tensor = b"\x08\x01" + field(2, b"") + field(4, struct.pack("<f", value))
    return field(1, tag) + field(8, tensor) + SCALARS_METADATA


def file_version(wall_time):
    return b"\x09" + struct.pack("<d", wall_time) + field(3, b"brain.Event:2")


def main():
    out = sys.argv[1]
    steps_train = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    steps_eval = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    start = 1_700_000_000.0
    os.makedirs(f"{out}/logdir/train", exist_ok=True)
    os.makedirs(f"{out}/logdir/eval", exist_ok=True)
    points = 0
    rows = {}  # (run, step) -> {name: value}, wall time, for the JSON Lines copy

    train = [(b"loss", lambda s: 2.0 / (s + 1)), (b"reward", lambda s: s / steps_train),
             (b"kl", lambda s: s * 1e-5), (b"lr", lambda s: 1e-6 * min(1.0, s / 500))]
    with open(f"{out}/logdir/train/events.out.tfevents.1700000000.bench.1.0", "wb") as f:
        f.write(record(file_version(start)))
        for s in range(steps_train):
            t = start + s * 0.5
            row = rows.setdefault(("train", s), ({}, t))[0]
            for tag, fn in train:
                v = struct.unpack("<f", struct.pack("<f", fn(s)))[0]  # what the float32 holds
                f.write(record(event(t, s, simple_value(tag, v))))
                row["train/" + tag.decode()] = v
                points += 1

    evals = [(b"accuracy", lambda s: 1 - math.exp(-s / 20_000)), (b"reward", lambda s: math.sin(s / 1000))]
    with open(f"{out}/logdir/eval/events.out.tfevents.1700000000.bench.2.0.v2", "wb") as f:
        f.write(record(file_version(start)))
        for s in range(steps_eval):
            t = start + s * 1.0
            row = rows.setdefault(("eval", s), ({}, t))[0]
            for tag, fn in evals:
                v = struct.unpack("<f", struct.pack("<f", fn(s)))[0]
                f.write(record(event(t, s, tensor_value(tag, v))))
                row["eval/" + tag.decode()] = v
                points += 1

    with open(f"{out}/points.jsonl", "w") as f:
        for (run, s), (values, t) in rows.items():
            f.write("{" + f'"step": {s}, "time": {t!r}, ' + ", ".join(f'"{k}": {v!r}' for k, v in values.items()) + "}\n")

    print(points)


if __name__ == "__main__":
    main()
