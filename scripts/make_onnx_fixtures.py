#!/usr/bin/env python3
"""Build the ONNX import fixtures of Tests/LatentNNTests/Fixtures/onnx with PyTorch.

Small models of each family the manifest knows (VAE, conditional VAE, VQ-VAE), grey and colour, MLP and
convolutional with residual blocks, GroupNorm, SiLU and nearest upsampling, are exported with both of
PyTorch's exporters — TorchScript (`dynamo=False`, opset 17, dynamic batch) and dynamo (`dynamo=True`,
its default opset, batch fixed at the export's) — next to a manifest (docs/model-format.md), the inputs
and PyTorch's outputs as .npy. The Swift tests load each manifest and must match those outputs to 1e-4.
Weights are seeded, so a rebuild gives the same models; CI only reads the committed files.

PyTorch installs offline from the machine's wheel folder:
    python3 -m venv ~/tv && ~/tv/bin/pip install "torch==2.13.0+cpu" onnx onnxscript onnxruntime
Usage: ~/tv/bin/python scripts/make_onnx_fixtures.py [--out Tests/LatentNNTests/Fixtures/onnx]
"""
import argparse, json, os, shutil, warnings
import numpy as np
import torch
from torch import nn

warnings.filterwarnings("ignore")


class ResBlock(nn.Module):
    """GroupNorm → SiLU → Conv, twice, plus the input (the diffusers/taming block, small)."""

    def __init__(self, c, groups=4):
        super().__init__()
        self.body = nn.Sequential(nn.GroupNorm(groups, c), nn.SiLU(), nn.Conv2d(c, c, 3, padding=1),
                                  nn.GroupNorm(groups, c), nn.SiLU(), nn.Conv2d(c, c, 3, padding=1))

    def forward(self, x):
        return x + self.body(x)


class MLPEncoder(nn.Module):
    def __init__(self, pixels, z, classes=0):
        super().__init__()
        self.classes = classes
        self.body = nn.Sequential(nn.Linear(pixels + classes, 32), nn.ReLU())
        self.mu, self.logvar = nn.Linear(32, z), nn.Linear(32, z)

    def forward(self, x, y=None):
        h = torch.flatten(x, 1)
        if self.classes:
            h = torch.cat([h, y], dim=1)
        h = self.body(h)
        return self.mu(h), self.logvar(h)


class MLPDecoder(nn.Module):
    def __init__(self, shape, z, classes=0):
        super().__init__()
        self.classes = classes
        c, h, w = shape
        self.body = nn.Sequential(nn.Linear(z + classes, 32), nn.LeakyReLU(0.2), nn.Linear(32, c * h * w), nn.Sigmoid(),
                                  nn.Unflatten(1, shape))

    def forward(self, z, y=None):
        return self.body(torch.cat([z, y], dim=1) if self.classes else z)


class ConvEncoder(nn.Module):
    """3×32×32 → μ, log σ² (one head, split in two)."""

    def __init__(self, z):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 4, 2, 1), nn.SiLU(), ResBlock(16), nn.Conv2d(16, 16, 4, 2, 1),
                                  nn.BatchNorm2d(16), nn.ELU(), nn.Flatten(), nn.Linear(16 * 8 * 8, 2 * z))

    def forward(self, x):
        mu, logvar = self.body(x).chunk(2, dim=1)
        return mu, logvar


class ConvDecoder(nn.Module):
    def __init__(self, z):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(z, 16 * 8 * 8), nn.Unflatten(1, (16, 8, 8)), ResBlock(16),
                                  nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(16, 16, 3, padding=1), nn.SiLU(),
                                  nn.ConvTranspose2d(16, 3, 4, 2, 1), nn.Tanh())

    def forward(self, z):
        return self.body(z)


class VQEncoder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 4, 2, 1), nn.ReLU(), nn.Conv2d(16, 16, 4, 2, 1), ResBlock(16),
                                  nn.ReLU(), nn.Conv2d(16, d, 1))

    def forward(self, x):
        return self.body(x)


class VQDecoder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(d, 16, 3, padding=1), ResBlock(16), nn.ReLU(),
                                  nn.ConvTranspose2d(16, 16, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(16, 3, 4, 2, 1),
                                  nn.Sigmoid())

    def forward(self, z):
        return self.body(z)


def randomize(module, seed):
    """PyTorch's init, then BatchNorm statistics made non-trivial, so eval-mode BN is really tested."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            if isinstance(m, nn.GroupNorm):
                m.weight.copy_(torch.rand(m.num_channels, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_channels, generator=g) * 0.1)
    return module.eval()


def export(module, args, path, names, outputs, dynamo):
    if dynamo:
        torch.onnx.export(module, args, path, dynamo=True, input_names=names, output_names=outputs,
                          external_data=False, verbose=False)
    else:
        axes = {n: {0: "batch"} for n in names + outputs}
        torch.onnx.export(module, args, path, dynamo=False, opset_version=17, input_names=names, output_names=outputs,
                          dynamic_axes=axes)


def save(out, name, array):
    np.save(os.path.join(out, name), np.ascontiguousarray(array, dtype=np.float32))


def family(out, name, kind, shape, enc, dec, z_shape, classes=None, pixel_range=(0, 1), codebook=None):
    torch.manual_seed(0)
    for dynamo in (False, True):
        d = os.path.join(out, f"{name}-{'dynamo' if dynamo else 'ts'}")
        os.makedirs(d, exist_ok=True)
        batch = 1 if dynamo else 2
        g = torch.Generator().manual_seed(1)
        lo, hi = pixel_range
        x = torch.rand((batch,) + shape, generator=g) * (hi - lo) + lo
        zin = torch.randn((batch,) + z_shape, generator=g)
        y = None
        if classes:
            y = nn.functional.one_hot(torch.arange(batch) % len(classes), len(classes)).float()
        enc_args, dec_args = ((x, y), (zin, y)) if classes else ((x,), (zin,))
        enc_names, dec_names = (["x", "y"], ["z", "y"]) if classes else (["x"], ["z"])
        enc_outputs = ["mu", "logvar"] if kind != "vqvae" else ["z_e"]
        export(enc, enc_args, os.path.join(d, "encoder.onnx"), enc_names, enc_outputs, dynamo)
        export(dec, dec_args, os.path.join(d, "decoder.onnx"), dec_names, ["x_hat"], dynamo)
        with torch.no_grad():
            e = enc(*enc_args)
            save(d, "input-x.npy", x)
            if y is not None:
                save(d, "input-y.npy", y)
            if kind == "vqvae":
                save(d, "expected-z_e.npy", e)
            else:
                save(d, "expected-mu.npy", e[0])
                save(d, "expected-logvar.npy", e[1])
            save(d, "input-z.npy", zin)
            save(d, "expected-x_hat.npy", dec(*dec_args))
        manifest = {"kind": kind, "encoder": "encoder.onnx", "decoder": "decoder.onnx", "input_shape": list(shape),
                    "pixel_range": list(pixel_range)}
        if classes:
            manifest["class_names"] = classes
        if codebook is not None:
            np.save(os.path.join(d, "codebook.npy"), codebook.astype(np.float32))
            manifest["codebook"] = "codebook.npy"
        with open(os.path.join(d, "model.json"), "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
        # The dynamo exporter may leave a .data file beside the model when it is large; ours stay inline.
        for extra in os.listdir(d):
            if extra.endswith(".data"):
                raise SystemExit(f"{d}/{extra}: external data in a fixture; keep the models small")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="Tests/LatentNNTests/Fixtures/onnx")
    out = ap.parse_args().out
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    torch.manual_seed(0)
    family(out, "mlp-vae", "vae", (1, 28, 28), randomize(MLPEncoder(784, 4), 1), randomize(MLPDecoder((1, 28, 28), 4), 2), (4,))
    family(out, "mlp-cvae", "cvae", (1, 28, 28), randomize(MLPEncoder(784, 3, 3), 3),
           randomize(MLPDecoder((1, 28, 28), 3, 3), 4), (3,), classes=["a", "b", "c"])
    family(out, "conv-vae-rgb", "vae", (3, 32, 32), randomize(ConvEncoder(8), 5), randomize(ConvDecoder(8), 6), (8,),
           pixel_range=(-1, 1))
    codebook = np.random.default_rng(7).standard_normal((16, 8))
    family(out, "vqvae-rgb", "vqvae", (3, 16, 16), randomize(VQEncoder(8), 7), randomize(VQDecoder(8), 8), (8, 4, 4),
           codebook=codebook)
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(out) for f in fs)
    print(f"fixtures in {out}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
