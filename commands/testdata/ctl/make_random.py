#!/usr/bin/env python3
"""Writes objects/random.json: seeded random strings built from YAML's
special characters, as values, keys and sequence items at several depths,
so the printers are compared with kubectl on far more than hand-picked
cases. Deterministic: rerunning gives the same file."""
import json, os, random

import sys
SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 20261125
rng = random.Random(SEED)
PIECES = [" ", "  ", "\n", "\n\n", "\t", ":", ": ", "#", " #", "-", "- ", "?", "? ", "'", '"', "\\", "{", "}", "[", "]",
          ",", "&", "*", "!", "|", ">", "%", "@", "`", ".", "...", "---", "0", "1", "12", "0x1F", "1e3", "1.5", "-7",
          "true", "no", "null", "~", "y", "2024-01-02", "12:30", "é", "名", "\U0001F600", "\u2028", "\u0085", "\r",
          "\x1b", "\ufeff", "\x00", "<", "&amp;", "word", "a", "Z", "_", "/", "=", "+", "\u00a0"]

def text(max_pieces):
    return "".join(rng.choice(PIECES) if rng.random() < 0.5 else rng.choice(["abc", "word", "x", "hello world"])
                   for _ in range(rng.randint(0, max_pieces)))

def long_text():
    words = [rng.choice(["aa", "bbbb", "cccccc", "d", "eeeeeeeeee", " ", "'", "\t", ":", "#"]) for _ in range(rng.randint(20, 60))]
    return " ".join(words)

values = {f"v{i:03}": text(6) for i in range(250)}
values.update({f"long{i:02}": long_text() for i in range(40)})
# kubectl cannot print a key holding U+0085: its YAML reader sees a line
# break inside a key and fails, so keys leave it out.
def key(n):
    return text(n).replace("\u0085", "")

keys = {key(4): i for i in range(120)}
seq = [text(5) for _ in range(60)] + [[text(3), {key(2): text(4)}] for _ in range(20)]
deep = {"a": {"b": {"c": [{"d": long_text(), "e": [long_text(), text(6)]} for _ in range(8)]}}}
obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "random"},
       "data": values, "keys": keys, "seq": seq, "deep": deep,
       "numbers": [rng.choice([rng.randint(-10**12, 10**12), rng.uniform(-1e9, 1e9), rng.uniform(-1, 1) * 10 ** rng.randint(-12, 25)]) for _ in range(80)]}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "objects", "random.json" if SEED == 20261125 else f"random_{SEED}.json"), "w") as f:
    json.dump(obj, f, ensure_ascii=False)
