#!/usr/bin/env python3
"""UMAP side by side: `latent project` and, when installed, umap-learn, on the same input.

Prints each one's time (process start to coordinates, and for umap-learn also a warm second run) and
the trustworthiness(15) and 15-NN preservation of both embeddings, computed with one formula
(scikit-learn's definition) so the comparison is like for like: here in numpy up to 12,000 points, and
by `latent project --score` above (numpy's n × n rank matrix would not fit in memory at 70,000).

Usage: python3 scripts/bench_umap.py [--input X.npy | --model Weights/vae-z10.safetensors] [--latent PATH]
umap-learn is optional (pip install umap-learn); it is not part of the test suite.
"""
import argparse, os, subprocess, sys, tempfile, time

import numpy as np


def knn(x, k):
    sq = (x * x).sum(1)
    d = sq[:, None] + sq[None, :] - 2 * x @ x.T
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1)[:, :k], d


def trustworthiness(x, y, k=15):
    n = len(x)
    _, dx = knn(x.astype(np.float64), k)
    ranks = np.argsort(np.argsort(dx, axis=1), axis=1) + 1  # rank 1 = nearest
    ny, _ = knn(y.astype(np.float64), k)
    nx, _ = knn(x.astype(np.float64), k)
    penalty = 0
    for i in range(n):
        extra = np.setdiff1d(ny[i], nx[i])
        penalty += (ranks[i, extra] - k).sum()
    return 1 - 2.0 / (n * k * (2 * n - 3 * k - 1)) * penalty


def preservation(x, y, k=15):
    nx, _ = knn(x.astype(np.float64), k)
    ny, _ = knn(y.astype(np.float64), k)
    return np.mean([len(np.intersect1d(a, b)) / k for a, b in zip(nx, ny)])


def main():
    root = os.path.join(os.path.dirname(__file__), "..")
    ap = argparse.ArgumentParser()
    ap.add_argument("--input")
    ap.add_argument("--model", default=os.path.join(root, "Weights", "vae-z10.safetensors"))
    ap.add_argument("--latent", default=os.path.join(root, ".build", "release", "latent"))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    out, xpath = os.path.join(tmp, "latent.csv"), os.path.join(tmp, "x.npy")
    source = ["--input", args.input] if args.input else ["--model", args.model]
    t0 = time.time()
    run = subprocess.run([args.latent, "project", *source, "--method", "umap", "-o", out, "--save-input", xpath],
                         capture_output=True, text=True, check=True)
    wall = time.time() - t0
    print("latent project:", run.stdout.strip().replace("\n", " | "))
    y_ours = np.loadtxt(out, delimiter=",")
    x = np.load(xpath).astype(np.float32)
    def scores(y):
        if len(x) <= 12000:
            return f"trustworthiness(15) {trustworthiness(x, y):.4f}, 15-NN kept {preservation(x, y):.4f}"
        ypath = os.path.join(tmp, "scored.csv")
        np.savetxt(ypath, y, delimiter=",")
        r = subprocess.run([args.latent, "project", "--input", xpath, "--score", ypath], capture_output=True, text=True, check=True)
        return r.stdout.strip().splitlines()[-1]

    print(f"latent: {wall:.2f} s wall, {scores(y_ours)}")
    try:
        import umap
    except ImportError:
        print("umap-learn is not installed (pip install umap-learn): skipping the comparison")
        return
    for label in ("cold", "warm"):
        t0 = time.time()
        y_ref = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=42).fit_transform(x)
        print(f"umap-learn ({label}): {time.time() - t0:.2f} s, {scores(y_ref)}")


if __name__ == "__main__":
    main()
