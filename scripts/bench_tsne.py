#!/usr/bin/env python3
"""t-SNE side by side: `latent project --method tsne` and, when installed, openTSNE, on the same input.

For each input size: ours from process start to coordinates (`latent project --method tsne`, so loading
and the process start count against us), openTSNE's fit on the same matrix twice (the first call loads
and warms its libraries; the second, "warm", is the figure the ratio uses), both at perplexity 30 with
a PCA start and seed 42, openTSNE on `--threads` threads (default 2) and ours on as many. Then the
trustworthiness(15) and 15-NN preservation of both maps from one formula (scikit-learn's definition):
numpy up to 12,000 points, `latent project --score` above. The last line per size is the ratio,
openTSNE warm ÷ ours. Sizes above `--reference-limit` run ours alone (openTSNE would take minutes).

Usage: python3 scripts/bench_tsne.py [--input X.npy] [--rows 5000 --rows 20000 --rows 200000]
  Without --input: the shipped VAE's latents of its 5,000 digits. --rows takes seeded random subsets
  (with replacement only when asking for more rows than the input has).
openTSNE is optional (pip install opentsne); it is not part of the test suite.
"""
import argparse, os, subprocess, sys, tempfile, time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bench_umap import peak_text, run_latent, score_line  # noqa: E402


def main():
    root = os.path.join(os.path.dirname(__file__), "..")
    ap = argparse.ArgumentParser()
    ap.add_argument("--input")
    ap.add_argument("--rows", action="append", type=int, default=[])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each tool per size, alternating")
    ap.add_argument("--reference-limit", type=int, default=50000)
    ap.add_argument("--model", default=os.path.join(root, "Weights", "vae-z10.safetensors"))
    ap.add_argument("--latent", default=os.path.join(root, ".build", "release", "latent"))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    path = args.input
    if path is None:
        path = os.path.join(tmp, "digits-z10.npy")
        subprocess.run([args.latent, "project", "--model", args.model, "--method", "pca", "-o", os.path.join(tmp, "p.csv"),
                        "--save-input", path], capture_output=True, check=True)
    try:
        import openTSNE
    except ImportError:
        openTSNE = None
        print("openTSNE is not installed (pip install opentsne): ours only")
    full = np.load(path).astype(np.float32)
    for rows in (args.rows or [len(full)]):
        x = full
        if rows != len(full):
            x = full[np.random.default_rng(0).choice(len(full), rows, replace=rows > len(full))]
        xpath = os.path.join(tmp, "x.npy")
        np.save(xpath, x)
        compare(args, os.path.basename(path), x, xpath, tmp, openTSNE if rows <= args.reference_limit else None)


def compare(args, name, x, xpath, tmp, openTSNE):
    out = os.path.join(tmp, "latent.csv")
    print(f"== {name}: {len(x)} × {x.shape[1]}, {args.threads} threads")

    def scores(y):
        return score_line(args.latent, x, xpath, y, tmp)

    def ours():
        seconds, stdout, peak = run_latent([args.latent, "project", "--input", xpath, "--method", "tsne", "--perplexity", "30",
                                            "--seed", "42", "--threads", str(args.threads), "-o", out])
        stages = next((l for l in stdout.splitlines() if "optimize" in l), "").strip()
        print(f"latent: {seconds:.2f} s from process start, {peak_text(peak)} ({stages})")
        return seconds

    def reference():
        t0 = time.time()
        y = openTSNE.TSNE(perplexity=30, n_jobs=args.threads, random_state=42).fit(x)
        seconds = time.time() - t0
        print(f"openTSNE {openTSNE.__version__}: {seconds:.2f} s")
        return seconds, np.asarray(y)

    if openTSNE is not None:
        reference()  # the first call pays for imports and library warm-up
    mine, theirs = [], []
    y_ref = None
    for _ in range(args.repeat):
        mine.append(ours())
        if openTSNE is not None:
            s, y_ref = reference()
            theirs.append(s)
    print(f"latent: {scores(np.loadtxt(out, delimiter=','))}")
    if openTSNE is None:
        return
    print(f"openTSNE: {scores(y_ref)}")
    ratios = [t / m for t, m in zip(theirs, mine)]
    print(f"ratio: openTSNE warm ÷ ours = " + ", ".join(f"{r:.2f}×" for r in ratios))


if __name__ == "__main__":
    main()
