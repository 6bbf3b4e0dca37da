#!/usr/bin/env python3
"""Speed beside PyTorch, measured side by side in one run, printed as ratios (ours ÷ PyTorch).

1. SGEMM 128×784×512 (the MLP VAE's training shape), one thread: GFLOP/s from `latent bench gemm` and
   from torch.mm; ratio > 1 means ours is faster.
2. Batch-1 decode of every shipped model, one thread: median µs from `latent bench decode` and from the
   same decoder rebuilt in PyTorch from the model file's config and weights (a VQ-VAE's codes are
   looked up in its codebook first, as ours does); ratio < 1 means ours is faster.
3. Training images/s of the MLP VAE z=10 and the VQ-VAE K=32 on the shipped digits, 1 and 2 threads:
   `latent bench train` beside PyTorch's loop for the same architecture and loss; ratio > 1: ours faster.

   Each cell is timed --runs times, ours and PyTorch's taking turns, so that both meet the same load
   (the machine's speed drifts); every run's ratio is printed, then the median.

--isa avx2 caps both sides at AVX2 + FMA on an AVX-512 CPU: ours with LATENT_CPU_LEVEL=avx2 (our kernels'
AVX2 builds, OpenBLAS's Haswell core), PyTorch with ATEN_CPU_CAPABILITY=avx2, DNNL_MAX_CPU_ISA=AVX2 and
MKL_ENABLE_INSTRUCTIONS=AVX2, set before torch is imported and checked after. A proxy for an AVX2 CPU, not
one: the caches, clock and memory stay this CPU's.

PyTorch installs offline from the machine's wheel folder (see the guide):
    python3 -m venv ~/tv && ~/tv/bin/pip install "torch==2.13.0+cpu"
    ~/tv/bin/python scripts/bench_vs_pytorch.py [--latent .build/release/latent] [--count 2000] [--isa avx2]
"""
import argparse, glob, json, os, platform, re, statistics, struct, subprocess, sys, time


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--latent", default=".build/release/latent")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--isa", choices=["native", "avx2"], default="native",
                    help="cap both sides' instruction set (avx2: a proxy for an AVX2 CPU on an AVX-512 one)")
    ap.add_argument("--only", choices=["gemm", "decode", "train"], action="append",
                    help="run only these parts (repeatable; default: all)")
    ap.add_argument("--runs", type=int, default=1, help="training runs per cell, ours and PyTorch's alternating")
    ap.add_argument("--epochs", type=int, default=2, help="training epochs per run (the first is a warm-up)")
    ap.add_argument("--models", help="only the training cells whose label contains this")
    return ap.parse_args()


ARGS = parse_args()
# PyTorch reads these when it loads: before the import below.
OURS_ENV = dict(os.environ)
if ARGS.isa == "avx2":
    os.environ.update(ATEN_CPU_CAPABILITY="avx2", DNNL_MAX_CPU_ISA="AVX2", MKL_ENABLE_INSTRUCTIONS="AVX2")
    OURS_ENV["LATENT_CPU_LEVEL"] = "avx2"

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_pytorch_reference import VAE, load


def read_model(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    config = json.loads(header.pop("__metadata__")["config"])
    tensors = {k: torch.tensor(np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype="<f4").reshape(v["shape"]).copy())
               for k, v in header.items() if v["dtype"] == "F32"}
    return config, tensors


class Residual(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, x):
        return x + self.block(x)


def build(ops, prefix, tensors):
    """An nn.Sequential for our config ops, with the file's weights."""
    layers = []
    for i, op in enumerate(ops):
        kind, name = op["op"], f"{prefix}.{i}"
        if kind == "linear":
            layer = nn.Linear(op["in"], op["out"])
        elif kind == "conv2d":
            layer = nn.Conv2d(op["in"], op["out"], op["kernel"], op.get("stride", 1), op.get("padding", 0))
        elif kind == "conv_transpose2d":
            layer = nn.ConvTranspose2d(op["in"], op["out"], op["kernel"], op.get("stride", 1), op.get("padding", 0), op.get("output_padding", 0))
        elif kind == "residual":
            layer = Residual(build(op["block"], f"{name}.block", tensors))
        else:
            layer = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "flatten": nn.Flatten,
                     "unflatten": lambda: nn.Unflatten(1, tuple(op["shape"])),
                     "leaky_relu": lambda: nn.LeakyReLU(op.get("slope", 0.01))}[kind]()
        if kind in ("linear", "conv2d", "conv_transpose2d"):
            layer.weight.data, layer.bias.data = tensors[f"{name}.weight"], tensors[f"{name}.bias"]
        layers.append(layer)
    return nn.Sequential(*layers).eval()


def median_us(fn, count):
    for _ in range(50):
        fn()
    times = []
    for _ in range(count):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e6


def pytorch_decode(path, count):
    config, tensors = read_model(path)
    decoder = build(config["decoder"], "decoder", tensors)
    with torch.no_grad():
        if config["kind"] == "vqvae":
            grid = decoder_grid(config)
            codebook = tensors["codebook.weight"]
            codes = torch.randint(0, codebook.shape[0], (grid[0] * grid[1],))
            return median_us(lambda: decoder(codebook[codes].T.reshape(1, -1, grid[0], grid[1])), count)
        z = torch.randn(1, config["latent_dim"] + (len(config["class_names"]) if config["kind"] == "cvae" else 0))
        return median_us(lambda: decoder(z), count)


def decoder_grid(config):
    _, h, w = config["input_shape"]
    for op in config["encoder"]:
        if op["op"] == "conv2d":
            k, s, p = op["kernel"], op.get("stride", 1), op.get("padding", 0)
            h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    return h, w


def pytorch_train_vae(x, threads, epochs=2):
    torch.set_num_threads(threads)
    model = VAE(10, tuple(x.shape[1:]), "mlp")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    seen, start = 0, None
    for epoch in range(epochs):
        if epoch == 1:
            seen, start, cpu = 0, time.perf_counter(), time.process_time()  # the first epoch warms up
        for idx in torch.randperm(len(x)).split(128):
            xb = x[idx]
            mu, logvar = model.encode(xb)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            loss = (F.binary_cross_entropy_with_logits(model.decoder(z), xb, reduction="sum")
                    - 0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())) / len(xb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen += len(xb)
    return seen / (time.perf_counter() - start), seen / (time.process_time() - cpu)


def pytorch_train_vq(x, threads, epochs=2, codes=32, blocks=0):
    from train_pytorch_vq_reference import VQVAE
    torch.set_num_threads(threads)
    model = VQVAE(x.shape[1], codes, 16, blocks)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    seen, start = 0, None
    for epoch in range(epochs):
        if epoch == 1:
            seen, start, cpu = 0, time.perf_counter(), time.process_time()
        for idx in torch.randperm(len(x)).split(128):
            loss = model.loss(x[idx])[0]
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen += len(idx)
    return seen / (time.perf_counter() - start), seen / (time.process_time() - cpu)


def onednn_isa():
    """The ISA oneDNN dispatches to, from its verbose log of one convolution in a fresh process."""
    code = ("import torch; x = torch.randn(8, 16, 16, 16, requires_grad=True); "
            "torch.nn.functional.conv2d(x, torch.randn(32, 16, 3, 3), padding=1).sum().backward()")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, ONEDNN_VERBOSE="1"),
                         capture_output=True, text=True).stdout
    isa = re.search(r"cpu,isa:([^\n]*)", out)
    impl = re.search(r"convolution,(jit:[^,]*|[^,]*),", out)
    return f"{isa.group(1) if isa else 'unknown'} ({impl.group(1) if impl else 'no convolution logged'})"


def load_average():
    return open("/proc/loadavg").read().split()[0]


def ours_train(args, label_key, threads):
    """Our images/s and images per CPU-second for one architecture at one thread count."""
    out = subprocess.run([args.latent, "bench", "train", "--epochs", str(args.epochs), "--model", label_key,
                          "--threads", str(threads), "--cpu-time"], capture_output=True, text=True, check=True, env=OURS_ENV).stdout
    fields = out.splitlines()[1].split()
    return float(fields[-2]), float(fields[-1])


def main():
    args = ARGS
    parts = set(args.only or ["gemm", "decode", "train"])
    info = dict(l.split(":", 1) for l in open("/proc/cpuinfo").read().split("\n\n")[0].splitlines() if ":" in l)
    info = {k.strip(): v.strip() for k, v in info.items()}
    cpu = f"{info.get('model name', platform.processor())} (family {info.get('cpu family', '?')} model {info.get('model', '?')}, " \
          f"{'AVX-512' if 'avx512f' in info.get('flags', '').split() else 'AVX2' if 'avx2' in info.get('flags', '').split() else 'no AVX2'})"
    print(f"CPU: {cpu}, {os.cpu_count()} cores; PyTorch {torch.__version__}; load {load_average()}")
    blas = subprocess.run([args.latent, "bench", "blas"], capture_output=True, text=True, env=OURS_ENV).stdout.splitlines()
    print("ours: " + " · ".join(l for l in blas if l.startswith(("BLAS:", "cpu:", "kernels:"))))
    print(f"PyTorch: ATen {torch.backends.cpu.get_cpu_capability()} · oneDNN {onednn_isa()}")
    if args.isa == "avx2":
        # The cap must have reached both sides, or the figures are not what they say.
        assert torch.backends.cpu.get_cpu_capability() == "AVX2", torch.backends.cpu.get_cpu_capability()
        assert "AVX2" in onednn_isa() and "512" not in onednn_isa(), onednn_isa()
        assert any(l == "kernels: avx2" for l in blas) and not any("avx512" in l for l in blas if l.startswith("cpu:")), blas
        assert not any(re.search(r"kernel (SkylakeX|Cooperlake|SapphireRapids)", l) for l in blas), blas
        print("(--isa avx2: a proxy for an AVX2 CPU — this CPU's caches, clock and memory; MKL runs its AVX2 "
              "Zen kernels on AMD CPUs either way)")

    if "gemm" in parts:
        gemm = subprocess.run([args.latent, "bench", "gemm"], capture_output=True, text=True, check=True, env=OURS_ENV).stdout.splitlines()
        ours = next(float(l.split()[4]) for l in gemm if l.startswith("training 128×784×512") and l.split()[2:4] == ["blas", "1"])
        torch.set_num_threads(1)
        a, b = torch.randn(128, 784), torch.randn(784, 512)
        theirs = 2 * 128 * 784 * 512 / median_us(lambda: torch.mm(a, b), 300) / 1e3
        print(f"\nSGEMM 128×784×512, 1 thread: ours {ours:.1f} GFLOP/s, PyTorch {theirs:.1f} → ratio {ours / theirs:.2f} (goal ≥ 0.6)")

    if "decode" in parts:
        models = sorted(glob.glob("Weights/*.safetensors"))
        out = subprocess.run([args.latent, "bench", "decode", "--count", str(args.count)] + models, capture_output=True, text=True,
                             check=True, env=OURS_ENV).stdout
        rows = [line.split() for line in out.splitlines()[1:] if line.strip() and not line.startswith("(")]
        print(f"\nbatch-1 decode, 1 thread, median µs ({args.count} decodes each; ratio = ours ÷ PyTorch, goal ≤ 0.5):")
        torch.set_num_threads(1)
        for path, row in zip(models, rows):
            mine, pt = float(row[1]), pytorch_decode(path, args.count)
            print(f"  {os.path.basename(path):30s} ours {mine:8.1f}   PyTorch {pt:8.1f}   ratio {mine / pt:.2f}")

    if "train" in parts:
        digits, _ = load("Weights/data", "mnist", "train")
        emoji, _ = load("Weights/data", "emoji", "train")
        print(f"\ntraining, images/s (4,000 training digits; 2,922 emoji; {args.epochs} epochs, the first a warm-up; "
              f"{args.runs} run(s) per cell, ours and PyTorch's alternating) (ratio = ours ÷ PyTorch, goal ≥ 1.0):")
        cases = (("MLP VAE z=10", "VAE z=10", lambda t: pytorch_train_vae(digits, t, args.epochs)),
                 ("VQ-VAE K=32", "VQ-VAE K=32", lambda t: pytorch_train_vq(digits, t, args.epochs)),
                 ("VQ-VAE K=512 emoji, 2 residual blocks", "VQ-VAE K=512", lambda t: pytorch_train_vq(emoji, t, args.epochs, codes=512, blocks=2)))
        for label, key, fn in cases:
            if args.models and args.models not in label:
                continue
            for t in (1, 2):
                ratios, cpu_ratios, mine, theirs, loads = [], [], [], [], []
                for _ in range(args.runs):
                    loads.append(load_average())
                    mine.append(ours_train(args, key, t))
                    theirs.append(fn(t))
                    ratios.append(mine[-1][0] / theirs[-1][0])
                    cpu_ratios.append(mine[-1][1] / theirs[-1][1])
                line = (f"  {label:37s} {t} thread{'s' if t > 1 else ' '}  ours {statistics.median(m for m, _ in mine):7.0f}   "
                        f"PyTorch {statistics.median(p for p, _ in theirs):7.0f}   ratio {statistics.median(ratios):.2f}   "
                        f"(runs {' '.join(f'{r:.2f}' for r in ratios)}; load {' '.join(loads)})")
                if t == 1:
                    # Images per CPU-second: what a core that is also running other work still measures.
                    # (Not at two threads: PyTorch's OpenMP threads spin while they wait, which counts as CPU.)
                    line += (f"\n  {'':37s}           per CPU-second: ours {statistics.median(c for _, c in mine):7.0f}   "
                             f"PyTorch {statistics.median(c for _, c in theirs):7.0f}   ratio {statistics.median(cpu_ratios):.2f}   "
                             f"(runs {' '.join(f'{r:.2f}' for r in cpu_ratios)})")
                print(line, flush=True)


if __name__ == "__main__":
    main()
