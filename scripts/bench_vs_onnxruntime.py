#!/usr/bin/env python3
"""Batch-1 decode of imported models: ours next to onnxruntime (1 thread), and next to our native engine
for the same architecture, measured side by side in one run; prints the ratios.

The shipped VAE (Weights/vae-z10.safetensors) is rebuilt in PyTorch from its own weights, exported to
ONNX with a manifest in a temporary folder, and decoded three ways: our native engine (`latent bench
decode` on the .safetensors), our graph engine (the same command on the manifest) and onnxruntime. The
ONNX test fixtures and a 64×64 RGB conv VAE with residual blocks are timed against onnxruntime too, and
the explorer's key → frame latency is measured with the 64×64 model.

    ~/tv/bin/python scripts/bench_vs_onnxruntime.py [--latent .build/release/latent] [--count 2000]
"""
import argparse, glob, json, os, struct, subprocess, tempfile, time
import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=np.float32).reshape(v["shape"])
               for k, v in header.items() if v["dtype"] == "F32"}
    return tensors, json.loads(meta["config"])


def export_shipped_vae(path, folder):
    """The shipped MLP VAE as ONNX + manifest (TorchScript exporter, dynamic batch)."""
    import torch
    from torch import nn
    tensors, config = read_safetensors(path)

    def block(ops, prefix):
        layers = []
        for i, op in enumerate(ops):
            kind = op["op"]
            if kind == "linear":
                layer = nn.Linear(op["in"], op["out"])
                layer.weight.data = torch.tensor(tensors[f"{prefix}.{i}.weight"].copy())
                layer.bias.data = torch.tensor(tensors[f"{prefix}.{i}.bias"].copy())
            else:
                layer = {"flatten": lambda: nn.Flatten(), "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
                         "unflatten": lambda: nn.Unflatten(1, tuple(op["shape"])),
                         "leaky_relu": lambda: nn.LeakyReLU(op.get("slope", 0.01))}[kind]()
            layers.append(layer)
        return nn.Sequential(*layers).eval()

    def head(name):
        w = tensors[f"{name}.weight"]
        layer = nn.Linear(w.shape[1], w.shape[0])
        layer.weight.data, layer.bias.data = torch.tensor(w.copy()), torch.tensor(tensors[f"{name}.bias"].copy())
        return layer

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.mu, self.logvar = block(config["encoder"], "encoder"), head("fc_mu"), head("fc_logvar")

        def forward(self, x):
            h = self.body(x)
            return self.mu(h), self.logvar(h)

    z = config["latent_dim"]
    axes = lambda *names: {n: {0: "batch"} for n in names}
    torch.onnx.export(Encoder().eval(), (torch.rand([1] + config["input_shape"]),), os.path.join(folder, "encoder.onnx"),
                      dynamo=False, opset_version=17, input_names=["x"], output_names=["mu", "logvar"], dynamic_axes=axes("x", "mu", "logvar"))
    torch.onnx.export(block(config["decoder"], "decoder"), (torch.randn(1, z),), os.path.join(folder, "decoder.onnx"),
                      dynamo=False, opset_version=17, input_names=["z"], output_names=["x_hat"], dynamic_axes=axes("z", "x_hat"))
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump({"kind": "vae", "encoder": "encoder.onnx", "decoder": "decoder.onnx", "input_shape": config["input_shape"]}, f)
    return os.path.join(folder, "model.json")


def export_research_vae(folder):
    """A 64×64 RGB conv VAE as people train them (residual blocks with GroupNorm and SiLU, strided convs
    down, nearest upsampling and a transposed conv up, z = 32), random weights, with 64 images as data:
    the size the explorer's 64×64 key → frame goal is about."""
    import sys
    import torch
    from torch import nn
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_onnx_fixtures import ResBlock, randomize
    z = 32

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 32, 4, 2, 1), nn.SiLU(), ResBlock(32), nn.Conv2d(32, 64, 4, 2, 1),
                                      ResBlock(64), nn.Conv2d(64, 64, 4, 2, 1), nn.SiLU(), nn.Flatten(), nn.Linear(64 * 8 * 8, 2 * z))

        def forward(self, x):
            return self.body(x).chunk(2, dim=1)

    decoder = nn.Sequential(nn.Linear(z, 64 * 8 * 8), nn.Unflatten(1, (64, 8, 8)), ResBlock(64),
                            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(64, 32, 3, padding=1), nn.SiLU(), ResBlock(32),
                            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(32, 32, 3, padding=1), nn.SiLU(),
                            nn.ConvTranspose2d(32, 3, 4, 2, 1), nn.Sigmoid())
    torch.manual_seed(0)
    axes = lambda *names: {n: {0: "batch"} for n in names}
    torch.onnx.export(randomize(Encoder(), 1), (torch.rand(1, 3, 64, 64),), os.path.join(folder, "encoder.onnx"), dynamo=False,
                      opset_version=17, input_names=["x"], output_names=["mu", "logvar"], dynamic_axes=axes("x", "mu", "logvar"))
    torch.onnx.export(randomize(decoder, 2), (torch.randn(1, z),), os.path.join(folder, "decoder.onnx"), dynamo=False,
                      opset_version=17, input_names=["z"], output_names=["x_hat"], dynamic_axes=axes("z", "x_hat"))
    ramp = np.linspace(0, 1, 64, dtype=np.float32)
    images = np.stack([np.stack([np.outer(ramp, np.ones(64)) * (i % 4) / 3, np.outer(np.ones(64), ramp), np.full((64, 64), i / 63)])
                       for i in range(64)]).astype(np.float32)
    np.save(os.path.join(folder, "images.npy"), images)
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump({"kind": "vae", "encoder": "encoder.onnx", "decoder": "decoder.onnx", "input_shape": [3, 64, 64],
                   "data": "images.npy"}, f)
    return os.path.join(folder, "model.json")


def ours(latent, paths, count):
    """Median µs per batch-1 decode from `latent bench decode`, in the order of `paths`."""
    out = subprocess.run([latent, "bench", "decode", "--count", str(count)] + paths, capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[1:] if line.strip() and not line.startswith("(")]
    return [float(r[-2]) for r in rows]


def onnxruntime_decode(manifest, count):
    import onnxruntime as ort
    folder = os.path.dirname(manifest)
    m = json.load(open(manifest))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(folder, m["decoder"]), options, providers=["CPUExecutionProvider"])
    inputs = sess.get_inputs()
    rng = np.random.default_rng(1)
    feeds = []
    for _ in range(count + 100):
        feed = {}
        for k, inp in enumerate(inputs):
            shape = [1 if not isinstance(d, int) else d for d in inp.shape]
            if k == 0:
                feed[inp.name] = rng.standard_normal(shape).astype(np.float32)
            else:  # a one-hot label
                y = np.zeros(shape, np.float32); y[0, 0] = 1; feed[inp.name] = y
        feeds.append(feed)
    samples = []
    for i, feed in enumerate(feeds):
        t0 = time.perf_counter()
        sess.run(None, feed)
        if i >= 100:
            samples.append((time.perf_counter() - t0) * 1e6)
    return float(np.median(samples))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--latent", default=".build/release/latent")
    ap.add_argument("--count", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shipped = export_shipped_vae("Weights/vae-z10.safetensors", tmp)
        os.makedirs(os.path.join(tmp, "rgb64"))
        research = export_research_vae(os.path.join(tmp, "rgb64"))
        fixtures = sorted(glob.glob("Tests/LatentNNTests/Fixtures/onnx/*/model.json"))
        manifests = [shipped, research] + fixtures
        native, *imported = ours(args.latent, ["Weights/vae-z10.safetensors"] + manifests, args.count)
        print(f"batch-1 decode, 1 thread, median of {args.count} (µs); ratio < 1 means we are faster")
        print(f"{'model':34s} {'ours':>8s} {'onnxruntime':>12s} {'ours/ort':>9s}")
        for path, t in zip(manifests, imported):
            name = {shipped: "vae-z10 (shipped, exported)", research: "conv VAE 3×64×64, z=32 (res+GN)"}.get(
                path, os.path.basename(os.path.dirname(path)))
            o = onnxruntime_decode(path, args.count)
            print(f"{name:34s} {t:8.1f} {o:12.1f} {t / o:9.2f}")
        print(f"vae-z10: imported {imported[0]:.1f} µs vs native {native:.1f} µs: {imported[0] / native:.2f}× the native engine's time")
        print("\nexplorer with the 64×64 RGB VAE at 120×40 (latent bench ui):")
        ui = subprocess.run([args.latent, "bench", "ui", "--keys", "1000", "--model", research], capture_output=True, text=True, check=True)
        print(ui.stdout, end="")


if __name__ == "__main__":
    main()
