#!/usr/bin/env python3
"""The two polynomials behind x^b in the UMAP layout kernel (Sources/CKernels/umap_layout_lanes.h).

x^b = 2^(b·log2 x), with x = 2^e·m and m in [√½, √2):
  log2(1 + f) ≈ f·P(f), P of degree 6, for f = m − 1 in [√½ − 1, √2 − 1];
  2^r ≈ Q(r), Q of degree 5, for r in [−½, ½].
Both are near-minimax fits (least squares on Chebyshev points, iteratively reweighted toward the
largest errors), printed as float32 coefficients with their errors when evaluated in float32.
Usage: python3 scripts/fit_layout_pow.py
"""
import numpy as np


def fit(fun, lo, hi, degree, weight, points=4000, rounds=30):
    x = np.cos(np.linspace(0, np.pi, points)) * (hi - lo) / 2 + (hi + lo) / 2
    w = np.ones(points)
    for _ in range(rounds):
        a = np.vander(x, degree + 1, increasing=True) * weight(x)[:, None]
        y = fun(x) * weight(x)
        c, *_ = np.linalg.lstsq(a * w[:, None], y * w, rcond=None)
        err = np.abs(a @ c - y)
        w = w * (err / err.max() + 1e-3) ** 0.5
        w /= w.mean()
    return c.astype(np.float32)


def horner32(c, x):
    p = np.zeros_like(x)
    for k in reversed(range(len(c))):
        p = (p * x + c[k]).astype(np.float32)
    return p


def main():
    lo, hi = np.sqrt(0.5) - 1, np.sqrt(2) - 1
    c = fit(lambda f: np.log2(1 + f) / f, lo, hi, 6, np.ones_like)
    f = np.linspace(lo, hi, 200001).astype(np.float32)
    f = f[f != 0]
    err = np.abs(f.astype(np.float64) * horner32(c, f) - np.log2(1 + f.astype(np.float64))).max()
    print("log2(1+f) = f·P(f), P:", ", ".join(f"{v:.17g}" for v in c), f"(max abs error {err:.2g})")
    c = fit(lambda r: 2.0 ** r, -0.5, 0.5, 5, lambda r: 2.0 ** -r)
    r = np.linspace(-0.5, 0.5, 200001).astype(np.float32)
    err = np.abs(horner32(c, r) / 2.0 ** r.astype(np.float64) - 1).max()
    print("2^r = Q(r), Q:", ", ".join(f"{v:.17g}" for v in c), f"(max relative error {err:.2g})")


if __name__ == "__main__":
    main()
