#!/usr/bin/env python3
"""End-to-end check of python/latent_export.py: export real-library models, then load them with `latent`.

Needs PyTorch (and diffusers, vector-quantize-pytorch, onnx, onnxscript, onnxruntime), so it is not part of CI;
run it by hand after changing the exporter or the manifest loader. Each model (tiny configs, a few Adam steps so
the codes and latents are not degenerate) is exported with the one-call API to OUT/<name>/ with 8 images, and
then, for each folder:
    latent info <dir>/model.json
    latent encode --model <dir>/model.json --data <dir>/images.npy --index 0 --format json
    latent decode --model <dir>/model.json --z <the encoded mu> | --codes <the encoded codes> --format json
must exit 0; the app's latent (μ, scaled as the manifest says) or codes must match PyTorch's and the
vector-quantize-pytorch library's own indices, and its decoded image PyTorch's decoder.

Usage: ~/tv/bin/python scripts/check_latent_export.py [--latent .build/release/latent] [--out /tmp/export-check]
"""
import argparse, json, os, shutil, subprocess, sys, warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "python"), HERE]
warnings.filterwarnings("ignore")

import latent_export as lx  # noqa: E402
# the fixture builders' small models and helpers (importing runs nothing: main() is guarded)
from make_library_fixtures import (adam, autoencoder_kl, conv_decoder, conv_encoder, he_init,  # noqa: E402
                                   smooth_images, to_map, to_seq)

APP_TOLERANCE = 1e-3  # the CLI prints ~6 significant digits


# ---------------------------------------------------------------- models

def kl_model(shift):
    torch.manual_seed(10)
    vae = autoencoder_kl(shift)
    train = smooth_images(32, (3, 16, 16), (-1, 1), seed=11)
    vae.train()
    adam(vae.parameters(), lambda s: F.mse_loss(vae.decode(vae.encode(train[s % 2 * 16:][:16]).latent_dist.mean).sample,
                                                train[s % 2 * 16:][:16]), steps=10)
    return vae.eval()


def tiny_model():
    from diffusers import AutoencoderTiny
    torch.manual_seed(20)
    vae = AutoencoderTiny(in_channels=3, out_channels=3, encoder_block_out_channels=(8, 8, 8),
                          decoder_block_out_channels=(8, 8, 8), num_encoder_blocks=(1, 1, 1),
                          num_decoder_blocks=(1, 1, 1), latent_channels=4)
    return vae.eval()


def quantised(quantizer, quantize, d, seed):
    """Conv encoder/decoder (3×16×16 → d×4×4) trained briefly with the quantiser, as the fixtures do."""
    torch.manual_seed(seed)
    enc, dec = he_init(conv_encoder(d)), he_init(conv_decoder(d))
    train = smooth_images(32, (3, 16, 16), (0, 1), seed=seed + 1)
    for m in (enc, dec, quantizer):
        m.train()
    params = list(enc.parameters()) + list(dec.parameters()) + [p for p in quantizer.parameters() if p.requires_grad]

    def loss(step):
        x = train[step % 2 * 16:][:16]
        z_q, _, aux = quantize(enc(x))
        return F.mse_loss(dec(z_q), x) + aux

    adam(params, loss, steps=20)
    for m in (enc, dec, quantizer):
        m.eval()
    return enc, dec


def vq_quantize(vq, levels=None):
    def quantize(z_e):
        q, idx, loss = vq(to_seq(z_e))
        h, w = z_e.shape[-2:]
        shape = (z_e.shape[0], h, w) + ((levels,) if levels else ())
        return to_map(q, h, w), idx.reshape(shape), loss.sum()
    return quantize


class MLPEncoder(nn.Module):
    """A conditional VAE's encoder: (x, y_onehot) → (mu, logvar)."""

    def __init__(self, pixels, z, classes):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(pixels + classes, 32), nn.ReLU())
        self.mu, self.logvar = nn.Linear(32, z), nn.Linear(32, z)

    def forward(self, x, y):
        h = self.body(torch.cat([torch.flatten(x, 1), y], 1))
        return self.mu(h), self.logvar(h)


class MLPDecoder(nn.Module):
    def __init__(self, shape, z, classes):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(z + classes, 32), nn.ReLU(), nn.Linear(32, int(np.prod(shape))),
                                  nn.Sigmoid(), nn.Unflatten(1, shape))

    def forward(self, z, y):
        return self.body(torch.cat([z, y], 1))


# ---------------------------------------------------------------- cases: name → (export, reference)

def cases(images16, images32, labels):
    """Each case exports into a folder and returns (manifest path, reference) where reference is
    ("latent", μ of image 0 as the app prints it, decoder) or ("codes", library codes of image 0, decoder)."""
    def kl(name, dynamo, shift):
        def run(out):
            vae = kl_model(shift)
            enc, dec, kw = lx.from_diffusers_autoencoder_kl(vae)
            path = lx.export_vae(enc, dec, images16[:2] * 2 - 1, out, images=images16 * 2 - 1, dynamo=dynamo, **kw)
            with torch.no_grad():
                mu = enc(images16[:1] * 2 - 1)[0]
            shown = (mu - kw.get("shift_factor", 0.0)) * kw.get("scaling_factor", 1.0)
            return path, ("latent", shown, lambda z: dec(z / kw.get("scaling_factor", 1.0) + kw.get("shift_factor", 0.0)), mu.shape)
        return name, run

    def tiny(name, dynamo):
        def run(out):
            enc, dec, kw = lx.from_diffusers_autoencoder_tiny(tiny_model())
            # a batch of 1 for the dynamo one: the exporter must still give a dynamic (or fixed-1) batch
            x = images32[:1 if dynamo else 2] * 2 - 1
            path = lx.export_ae(enc, dec, x, out, images=images32 * 2 - 1, dynamo=dynamo, **kw)
            with torch.no_grad():
                z = enc(images32[:1] * 2 - 1)
            return path, ("latent", z, dec, z.shape)
        return name, run

    def cvae(name):
        def run(out):
            torch.manual_seed(5)
            enc, dec = MLPEncoder(3 * 16 * 16, 3, 4).eval(), MLPDecoder((3, 16, 16), 3, 4).eval()
            path = lx.export_vae(enc, dec, images16[:2], out, class_names=["a", "b", "c", "d"], images=images16,
                                 labels=labels)
            y = F.one_hot(torch.tensor(labels[:1]), 4).float()
            with torch.no_grad():
                mu = enc(images16[:1], y)[0]
            return path, ("latent", mu, lambda z: dec(z, y), mu.shape)
        return name, run

    def vq_case(name, make, dynamo=False):
        def run(out):
            quantizer, quantize, d, seed = make()
            enc, dec = quantised(quantizer, quantize, d, seed)
            path = lx.export_vqvae(enc, dec, images16[:2], out, images=images16, dynamo=dynamo,
                                   **lx.from_vector_quantize(quantizer))
            with torch.no_grad():
                z_e = enc(images16[:1])
                z_q, codes, _ = quantize(z_e)
            ours, _ = lx.quantize_numpy(z_e.numpy(), **lx.from_vector_quantize(quantizer))
            if not np.array_equal(ours.reshape(-1), codes.reshape(-1).numpy()):
                raise SystemExit(f"{name}: latent_export.quantize_numpy disagrees with the library's codes")
            return path, ("codes", codes.reshape(-1), lambda _: dec(z_q), None)
        return name, run

    def vq_cos():
        from vector_quantize_pytorch import VectorQuantize
        torch.manual_seed(29)
        vq = VectorQuantize(dim=8, codebook_size=32, use_cosine_sim=True, kmeans_init=True, decay=0.8)
        return vq, vq_quantize(vq), 8, 30

    def vq_euclid():
        from vector_quantize_pytorch import VectorQuantize
        torch.manual_seed(39)
        vq = VectorQuantize(dim=8, codebook_size=32, kmeans_init=True, decay=0.8)
        return vq, vq_quantize(vq), 8, 40

    def rvq():
        from vector_quantize_pytorch import ResidualVQ
        torch.manual_seed(49)
        q = ResidualVQ(dim=8, num_quantizers=3, codebook_size=16, kmeans_init=True, decay=0.8)
        return q, vq_quantize(q, levels=3), 8, 50

    def fsq():
        from vector_quantize_pytorch import FSQ
        torch.manual_seed(59)
        q = FSQ(levels=[8, 5, 5, 5])

        def quantize(z_e):
            out, idx = q(z_e)
            return out, idx, torch.zeros(())
        return q, quantize, 4, 60

    return [kl("kl-ts", False, None), kl("kl-dynamo", True, 0.1), tiny("tiny-ts", False), tiny("tiny-dynamo-b1", True),
            cvae("cvae-ts"), vq_case("vq-cos-ts", vq_cos), vq_case("vq-euclid-dynamo", vq_euclid, dynamo=True),
            vq_case("rvq-ts", rvq), vq_case("fsq-ts", fsq)]


# ---------------------------------------------------------------- the app

def app(latent, *args):
    run = subprocess.run([latent, *args], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"latent {' '.join(args[:3])} … exited {run.returncode}: {run.stderr.strip()[:500]}")
    return run.stdout


def check_in_app(latent, path, reference):
    """info, encode, decode; returns the app-vs-PyTorch differences (latent or code mismatches, image)."""
    d = os.path.dirname(path)
    app(latent, "info", path)
    manifest = json.load(open(path))
    encode = ["encode", "--model", path, "--data", os.path.join(d, "images.npy"), "--index", "0", "--format", "json"]
    if "labels" in manifest:
        encode += ["--labels", os.path.join(d, manifest["labels"])]
    enc = json.loads(app(latent, *encode))
    what, expected, decoder, _ = reference
    if what == "latent":
        got = np.array(enc["mu"], dtype=np.float64)
        ref = expected.detach().numpy().reshape(-1)
        latent_diff = float(np.abs(got - ref).max())
        decode = ["--z", ",".join(repr(float(v)) for v in got)]
        z = torch.tensor(got, dtype=torch.float32).reshape(expected.shape)
    else:
        got = np.array(enc["codes"])
        ref = expected.numpy()
        latent_diff = int((got != ref).sum())  # codes that differ from the library's
        decode = ["--codes", ",".join(map(str, got))]
        z = None
    if "labels" in manifest:
        decode += ["--label", str(int(np.load(os.path.join(d, manifest["labels"]))[0]))]
    image = json.loads(app(latent, "decode", "--model", path, *decode, "--format", "json"))
    with torch.no_grad():
        x_hat = decoder(z).detach().numpy().reshape(-1)
    image_diff = float(np.abs(np.array(image["data"]) - x_hat).max())
    return latent_diff, image_diff


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--latent", default=os.path.join(HERE, "..", ".build", "release", "latent"))
    ap.add_argument("--out", default="/tmp/export-check")
    args = ap.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    images16 = smooth_images(8, (3, 16, 16), (0, 1), seed=3)
    images32 = smooth_images(8, (3, 32, 32), (0, 1), seed=4)
    labels = np.arange(8) % 4
    rows, failed = [], False
    for name, run in cases(images16, images32, labels):
        print(f"== {name}")
        lx._CHECK_DIFFS.clear()
        path, reference = run(os.path.join(args.out, name))
        ort = max(lx._CHECK_DIFFS.values())
        latent_diff, image_diff = check_in_app(args.latent, path, reference)
        ok = image_diff < APP_TOLERANCE and (latent_diff == 0 if reference[0] == "codes" else latent_diff < APP_TOLERANCE)
        failed |= not ok
        rows.append((name, json.load(open(path))["kind"], ort, latent_diff, image_diff, ok))
    print(f"\n{'model':<18} {'kind':<6} {'ort max diff':>12} {'app latent/codes':>16} {'app image':>10}  info/encode/decode")
    for name, kind, ort, ld, idf, ok in rows:
        lds = f"{ld} codes differ" if isinstance(ld, int) else f"{ld:.2e}"
        print(f"{name:<18} {kind:<6} {ort:12.2e} {lds:>16} {idf:10.2e}  {'exit 0, match' if ok else 'MISMATCH'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
