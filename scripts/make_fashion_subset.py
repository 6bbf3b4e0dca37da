#!/usr/bin/env python3
"""Rebuild the shipped Fashion-MNIST subset in Weights/data/ byte for byte.

Source: Debian's `dataset-fashion-mnist` package (Zalando Research's Fashion-MNIST, MIT/Expat licence;
`apt-get install dataset-fashion-mnist` puts the four IDX files in /usr/share/datasets/fashion-mnist).
The 60,000 training and 10,000 test images are pooled (70,000, checked by sha256) and a stratified,
seeded subset is drawn: for each class, numpy's PCG64 generator seeded with SEED permutes that class's
rows (in pooled order) and the first 800 go to training, the next 200 to the held-out set — 8,000 and
2,000 images. Each set is then put in one seeded random order (the same generator, continued), so any
prefix is roughly balanced. Output: IDX files (u8 images [N,28,28], u8 labels [N]), gzip level 9, mtime 0,
named fashion-mnist-{train,heldout}-{images-idx3,labels-idx1}-ubyte.gz.

Usage: python3 scripts/make_fashion_subset.py [--source /usr/share/datasets/fashion-mnist] [--out Weights/data]
"""
import argparse, gzip, hashlib, os, struct, sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx_files import write_gz

SOURCES = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
SEED = 20261130
TRAIN_PER_CLASS, HELD_OUT_PER_CLASS = 800, 200


def read_idx(path, digest):
    raw = open(path, "rb").read()
    if hashlib.sha256(raw).hexdigest() != digest:
        sys.exit(f"{path}: sha256 {hashlib.sha256(raw).hexdigest()}, expected {digest}")
    data = gzip.decompress(raw)
    ndim = data[3]
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Weights", "data"))
    args = ap.parse_args()
    if not os.path.isdir(args.source):
        sys.exit(f"{args.source} is missing: apt-get install dataset-fashion-mnist")
    load = lambda name: read_idx(os.path.join(args.source, name), SOURCES[name])
    pixels = np.concatenate([load("train-images-idx3-ubyte.gz"), load("t10k-images-idx3-ubyte.gz")])
    labels = np.concatenate([load("train-labels-idx1-ubyte.gz"), load("t10k-labels-idx1-ubyte.gz")])
    assert pixels.shape == (70000, 28, 28) and labels.shape == (70000,)

    rng = np.random.default_rng(SEED)
    splits = {"train": [], "heldout": []}
    for c in range(10):
        rows = np.flatnonzero(labels == c)
        chosen = rows[rng.permutation(len(rows))[:TRAIN_PER_CLASS + HELD_OUT_PER_CLASS]]
        splits["train"].extend(chosen[:TRAIN_PER_CLASS])
        splits["heldout"].extend(chosen[TRAIN_PER_CLASS:])

    os.makedirs(args.out, exist_ok=True)
    for split in ("train", "heldout"):
        rows = np.array(splits[split])
        rows = rows[rng.permutation(len(rows))]
        for kind, array in (("images-idx3", pixels[rows]), ("labels-idx1", labels[rows])):
            path = os.path.join(args.out, f"fashion-mnist-{split}-{kind}-ubyte.gz")
            write_gz(path, array)


if __name__ == "__main__":
    main()
