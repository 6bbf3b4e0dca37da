#!/usr/bin/env python3
"""UMAP side by side: `latent project` and, when installed, umap-learn, on the same input.

For each input: ours from process start to coordinates (`latent project --input X.npy`, so loading
and the process start count against us), umap-learn's fit on the same matrix twice (cold: numba
compiles; warm: the figure a user sees from the second call on, and the one the ratio uses), and the
trustworthiness(15) and 15-NN preservation of both embeddings (and our process's peak RSS), computed with one formula
(scikit-learn's definition) so the comparison is like for like: here in numpy up to 12,000 points, and
by `latent project --score` above (numpy's n × n rank matrix would not fit in memory at 70,000).
The last line per input is the ratio: umap-learn warm ÷ ours. With --repeat N (default 3; inputs up to
50,000 rows) ours and umap-learn's warm fit alternate N times and the ratio is of the medians: on a
shared or virtual machine a single third-of-a-second run can land on a slow moment.

Usage: python3 scripts/bench_umap.py [--input X.npy ...] [--rows N ...] [--model Weights/vae-z10.safetensors]
  --rows takes a seeded random subset of each input (e.g. --input fm10.npy --rows 20000 --rows 70000);
  more rows than the input has resamples it with repeats, plus seeded noise of 0.02 × each column's
  standard deviation (so repeated rows are near-copies, not duplicates): --rows 200000 --rows 1000000.
  --cold-rows N: umap-learn's cold fit (numba compiling) runs on N rows instead of the whole input, for
  inputs where a second full fit would take many minutes; --no-reference skips umap-learn altogether
  (a million points: ours alone, with its peak RSS; embeddings above 250,000 points are not scored).
umap-learn is optional (pip install umap-learn); it is not part of the test suite.
"""
import argparse, os, re, subprocess, sys, tempfile, time

import numpy as np


def run_latent(cmd):
    """Runs `latent` with `cmd`; returns (seconds from process start to exit, its stdout, its peak
    resident memory in MB as it reports it, or None). The process's own figure: the rusage a parent
    gets also keeps the parent's own peak from before the exec (this script's, with numpy loaded)."""
    t0 = time.time()
    run = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds = time.time() - t0
    peak = re.search(r"peak memory (\d+) MB", run.stdout)
    return seconds, run.stdout, float(peak.group(1)) if peak else None


def peak_text(peak):
    return f"peak RSS {peak:.0f} MB" if peak is not None else "peak RSS not reported"


SCORE_LIMIT = 250_000


def score_line(latent, x, xpath, y, tmp):
    """Trustworthiness(15) and 15-NN preservation of embedding y of x (saved at xpath): numpy up to
    12,000 points, `latent project --score` up to SCORE_LIMIT (exact ranks are O(n²): 200,000 points
    take a minute, a million would take half an hour), not scored above."""
    if len(x) <= 12000:
        return f"trustworthiness(15) {trustworthiness(x, y):.4f}, 15-NN kept {preservation(x, y):.4f}"
    if len(x) > SCORE_LIMIT:
        return f"not scored (exact ranks are O(n²); this script scores up to {SCORE_LIMIT:,} points)"
    ypath = os.path.join(tmp, "scored.csv")
    np.savetxt(ypath, y, delimiter=",")
    r = subprocess.run([latent, "project", "--input", xpath, "--score", ypath], capture_output=True, text=True, check=True)
    return r.stdout.strip().splitlines()[-1]


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
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--rows", action="append", type=int, default=[])
    ap.add_argument("--model", default=os.path.join(root, "Weights", "vae-z10.safetensors"))
    ap.add_argument("--latent", default=os.path.join(root, ".build", "release", "latent"))
    ap.add_argument("--cold-rows", type=int)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    inputs = list(args.input)
    if not inputs:  # the shipped VAE's latents of its 5,000 digits
        inputs = [os.path.join(tmp, "digits-z10.npy")]
        subprocess.run([args.latent, "project", "--model", args.model, "--method", "pca", "-o", os.path.join(tmp, "p.csv"),
                        "--save-input", inputs[0]], capture_output=True, check=True)
    try:
        if args.no_reference:
            raise ImportError
        import umap
    except ImportError:
        umap = None
        print("umap-learn is not installed (pip install umap-learn): ours only")
    for path in inputs:
        full = np.load(path).astype(np.float32)
        for rows in (args.rows or [len(full)]):
            x = full
            if rows < len(full):
                x = full[np.random.default_rng(0).choice(len(full), rows, replace=False)]
            elif rows > len(full):
                rng = np.random.default_rng(0)
                noise = 0.02 * full.std(0)
                x = (full[rng.integers(0, len(full), rows)] + rng.standard_normal((rows, full.shape[1])).astype(np.float32) * noise).astype(np.float32)
            xpath = os.path.join(tmp, "x.npy")
            np.save(xpath, x)
            repeat = max(1, args.repeat) if len(x) <= 50000 else 1
            compare(args.latent, os.path.basename(path), x, xpath, tmp, umap, args.cold_rows, repeat)


def compare(latent, name, x, xpath, tmp, umap, cold_rows=None, repeat=1):
    out = os.path.join(tmp, "latent.csv")
    print(f"== {name}: {len(x)} × {x.shape[1]}")

    def scores(y):
        return score_line(latent, x, xpath, y, tmp)

    def run_ours():
        seconds, stdout, peak = run_latent([latent, "project", "--input", xpath, "--method", "umap", "-o", out])
        return seconds, stdout.strip().replace("\n", " | "), peak

    def run_reference(fit):
        t0 = time.time()
        y = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=42).fit_transform(fit)
        return time.time() - t0, y

    ours, report, peak = run_ours()
    print("latent project:", report)
    print(f"latent: {ours:.2f} s from process start, {peak_text(peak)}, {scores(np.loadtxt(out, delimiter=','))}")
    if umap is None:
        return
    version = umap.__version__ if hasattr(umap, "__version__") else ""
    cold, y_ref = run_reference(x[:cold_rows] if cold_rows else x)  # numba compiles
    if cold_rows:
        print(f"umap-learn (cold, {cold_rows} rows): {cold:.2f} s")
    else:
        print(f"umap-learn {version} (cold): {cold:.2f} s, {scores(y_ref)}")
    warm, y_ref = run_reference(x)
    print(f"umap-learn {version} (warm): {warm:.2f} s, {scores(y_ref)}")
    if repeat == 1:
        print(f"ratio: umap-learn warm ÷ ours = {warm / ours:.1f}×")
        return
    ours_times, warm_times = [ours], [warm]
    for _ in range(repeat - 1):  # alternating, so both sides see the machine's same moments
        ours_times.append(run_ours()[0])
        warm_times.append(run_reference(x)[0])
    ours_med, warm_med = float(np.median(ours_times)), float(np.median(warm_times))
    print("latent runs: " + ", ".join(f"{t:.2f}" for t in ours_times) + " s; umap-learn warm fits: " +
          ", ".join(f"{t:.2f}" for t in warm_times) + " s")
    print(f"ratio: umap-learn warm ÷ ours = {warm_med / ours_med:.1f}× (medians of {repeat}: {warm_med:.2f} s ÷ {ours_med:.2f} s)")


if __name__ == "__main__":
    main()
