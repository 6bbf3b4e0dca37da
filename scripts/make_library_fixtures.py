#!/usr/bin/env python3
"""Build the real-library fixtures of Tests/LatentNNTests/Fixtures/onnx-lib with PyTorch.

The latent spaces researchers use now, built with the libraries themselves (tiny configs, seeded weights,
40 Adam steps on smooth random images so the values stay in a sane range), exported to ONNX next to a
manifest `model.json` (docs/model-format.md, "The manifest"), one folder of at most 150 kB per model:

    kl-ts, kl-dynamo      diffusers AutoencoderKL, 3×16×16, block_out_channels (4, 4), GroupNorm(2), mid-block
                          attention (wider blocks do not fit 150 kB with the TorchScript graph's shape arithmetic):
                          x → (mu, logvar) [N, 4, 8, 8] (`latent_dist.mean`, `.logvar`); z → x̂. kind "vae",
                          pixel_range [-1, 1], "scaling_factor" (and, for kl-dynamo, "shift_factor") from the
                          model's config: the latent a diffusion model sees is (z − shift) · scale. Both folders
                          hold the same weights; only the config (and so the manifest) differs.
    tiny-ts, tiny-dynamo  diffusers AutoencoderTiny (TAESD), 3×32×32: x → latent [N, 4, 8, 8] (deterministic);
                          kind "ae"; its encode/decode take and return [-1, 1] (EncoderTiny maps to [0, 1] and
                          DecoderTiny back inside the graphs).
    vq-cos-ts             conv encoder/decoder around vector-quantize-pytorch VectorQuantize(dim=8,
                          codebook_size=32, use_cosine_sim=True): encoder → z_e [N, 8, 4, 4] as VectorQuantize
                          receives it (before its l2norm); decoder ← `quantized`; codebook.npy = `vq.codebook`
                          [32, 8] (unit vectors: `quantized` is exactly the chosen row); "distance": "cosine".
    vq-euclid-ts          the same with use_cosine_sim=False (squared-L2 nearest code).
    rvq-ts                around ResidualVQ(dim=8, num_quantizers=3, codebook_size=16): codebook.npy = `rvq.codebooks`
                          [3, 16, 8] (level q at [q]); decoder ← the sum of the chosen codes.
    fsq-ts                around FSQ(levels=[8, 5, 5, 5]) (dim 4, no projection): encoder → z_e before bound/round;
                          decoder ← FSQ's codes in [-1, 1]; "levels" in the manifest, no codebook;
                          implicit-codebook.npy = `fsq.implicit_codebook` [1000, 4] (row i = the code of index i;
                          index = Σ level_i · basis_i, basis = cumprod([1, 8, 5, 5]) = [1, 8, 40, 200]: the first
                          channel varies fastest).

The four quantised models share one conv encoder/decoder shape (3×16×16 → D×4×4 → 3×16×16, ReLU, sigmoid out,
pixel_range [0, 1]), He-initialised (PyTorch's default init lets the biases dominate and every cell then takes
the same code); their codebooks are k-means-initialised and EMA-updated by the libraries during the 40 steps.

Every model is exported with the TorchScript exporter (`dynamo=False`, opset 17, batch axis "batch" on every
input and output); kl and tiny also with the dynamo exporter (`dynamo=True`, opset 18, single file, batch
axis "batch" too). Each folder holds, from PyTorch (not onnxruntime) on one fixed batch of 2 images:
input-x.npy (float32 [2, 3, H, W] in pixel_range), the encoder's outputs (expected-mu/-logvar, expected-latent,
or expected-z_e), for the quantised kinds expected-codes.npy (int64 [2, h, w]; rvq: [2, h, w, 3], level last),
and expected-x_hat.npy (the decoder on mu, on the latent, or on the quantised latent). Every .onnx is run with
onnxruntime on that batch and must match PyTorch to 1e-4. The output is byte-for-byte the same on every run
(one thread, deterministic algorithms, the exporters' doc strings and per-node metadata stripped). The quantised
models' batch is the first of a fixed list of seeds whose every code is at least 1e-4 from a tie (vq: best −
second-best score, squared L2 or cosine, per level for rvq; fsq: the bounded value's distance to a rounding
boundary); the summary prints those margins.

Built with torch 2.13.0+cpu, onnx 1.23.2, onnxscript 0.7.2, onnxruntime 1.32.0, diffusers 0.42.1 and
vector-quantize-pytorch 1.32.0 (PyTorch installs offline from the machine's wheel folder, as in
scripts/make_onnx_fixtures.py; other versions may give other bytes).
Usage: ~/tv/bin/python scripts/make_library_fixtures.py [--out Tests/LatentNNTests/Fixtures/onnx-lib]
"""
import argparse, contextlib, io, json, logging, os, shutil, warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import latent_export  # noqa: E402

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

STEPS, LR = 40, 1e-3          # the few Adam steps every model gets
MAX_FOLDER_BYTES = 150_000
ORT_TOLERANCE = 1e-4
MIN_MARGIN = 1e-4             # a code decision this far from a tie cannot flip on float rounding (~1e-6)


# ---------------------------------------------------------------- images

def smooth_images(n, shape, pixel_range, seed):
    """Smooth random colour images: 4×4 noise, bilinearly enlarged, in pixel_range."""
    g = torch.Generator().manual_seed(seed)
    c, h, w = shape
    low = torch.rand(n, c, 4, 4, generator=g)
    x = F.interpolate(low, size=(h, w), mode="bilinear", align_corners=False)
    lo, hi = pixel_range
    return (x * (hi - lo) + lo).contiguous()


# ---------------------------------------------------------------- export and check

def export(module, args, path, inputs, outputs, dynamo):
    axes = {n: {0: "batch"} for n in inputs + outputs}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        if dynamo:
            torch.onnx.export(module, args, path, dynamo=True, opset_version=18, input_names=inputs,
                              output_names=outputs, dynamic_axes=axes, external_data=False, verbose=False)
        else:
            torch.onnx.export(module, args, path, dynamo=False, opset_version=17, input_names=inputs,
                              output_names=outputs, dynamic_axes=axes)
    strip_metadata(path)


def strip_metadata(path):
    """Drop doc strings and metadata (dynamo records each node's Python stack and file paths there)."""
    import onnx
    m = onnx.load(path)
    m.doc_string = ""
    del m.metadata_props[:]
    graphs = [m.graph] + [f for f in m.functions]
    for g in graphs:
        g.doc_string = ""
        if hasattr(g, "metadata_props"):
            del g.metadata_props[:]
        for node in g.node:
            node.doc_string = ""
            del node.metadata_props[:]
        if hasattr(g, "value_info"):
            for v in list(g.input) + list(g.output) + list(g.value_info):
                v.doc_string = ""
                if hasattr(v, "metadata_props"):
                    del v.metadata_props[:]
        for t in getattr(g, "initializer", []):
            t.doc_string = ""
            if hasattr(t, "metadata_props"):
                del t.metadata_props[:]
    onnx.save(m, path)


def ort_diff(path, feeds, expected):
    """onnxruntime on `feeds` (name → array) against PyTorch's outputs, in order; the max |difference|."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    got = sess.run(None, feeds)
    assert len(got) == len(expected), f"{path}: {len(got)} outputs, expected {len(expected)}"
    diff = 0.0
    for g, e in zip(got, expected):
        e = e.detach().numpy() if torch.is_tensor(e) else e
        assert g.shape == e.shape, f"{path}: output shape {g.shape}, PyTorch {e.shape}"
        diff = max(diff, float(np.abs(g - e).max()))
    if not diff < ORT_TOLERANCE:
        raise SystemExit(f"{path}: onnxruntime differs from PyTorch by {diff:.3g}")
    return diff


def f32(t):
    return np.ascontiguousarray((t.detach().numpy() if torch.is_tensor(t) else t).astype(np.float32))


def i64(t):
    return np.ascontiguousarray((t.detach().numpy() if torch.is_tensor(t) else t).astype(np.int64))


def write_folder(out, name, manifest, graphs, arrays):
    """graphs: [(file, module, example args, input names, output names, dynamo, onnxruntime feeds, expected)]."""
    d = os.path.join(out, name)
    os.makedirs(d)
    diff = 0.0
    for file, module, args, inputs, outputs, dynamo, feeds, expected in graphs:
        path = os.path.join(d, file)
        export(module, args, path, inputs, outputs, dynamo)
        diff = max(diff, ort_diff(path, feeds, expected))
    for file, array in arrays.items():
        np.save(os.path.join(d, file), array)
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    files = sorted(os.listdir(d))
    extra = [f for f in files if f.endswith(".data")]
    if extra:
        raise SystemExit(f"{d}: external data {extra}; the fixtures are single-file ONNX")
    size = sum(os.path.getsize(os.path.join(d, f)) for f in files)
    if size > MAX_FOLDER_BYTES:
        raise SystemExit(f"{d}: {size} bytes, over {MAX_FOLDER_BYTES}")
    return files, size, diff


def adam(params, loss_fn, steps=STEPS, lr=LR):
    opt = torch.optim.Adam(params, lr=lr)
    for step in range(steps):
        opt.zero_grad()
        loss = loss_fn(step)
        loss.backward()
        opt.step()


# ---------------------------------------------------------------- diffusers

# The exporter's own adapters (python/latent_export.py), so the fixtures exercise them.
KLEncoder, KLDecoder, TinyEncoder = latent_export._KLEncoder, latent_export._SampleDecoder, latent_export._TinyEncoder


def autoencoder_kl(shift_factor=None):
    from diffusers import AutoencoderKL
    return AutoencoderKL(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
                         up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(4, 4), layers_per_block=1,
                         latent_channels=4, norm_num_groups=2, sample_size=16, scaling_factor=0.18215,
                         shift_factor=shift_factor)


def build_kl(out):
    torch.manual_seed(10)
    vae = autoencoder_kl()
    shape = (3, 16, 16)
    train = smooth_images(64, shape, (-1, 1), seed=11)
    g = torch.Generator().manual_seed(12)

    def loss(step):
        x = train[(step * 16) % 64:(step * 16) % 64 + 16]
        post = vae.encode(x).latent_dist
        x_hat = vae.decode(post.sample(generator=g)).sample
        return F.mse_loss(x_hat, x) + 1e-3 * post.kl().mean() / 256

    vae.train()
    adam(vae.parameters(), loss)
    vae.eval()
    x = smooth_images(2, shape, (-1, 1), seed=13)
    rows = []
    for name, dynamo, shift in (("kl-ts", False, None), ("kl-dynamo", True, 0.1)):
        v = autoencoder_kl(shift)
        v.load_state_dict(vae.state_dict())
        v.eval()
        enc, dec = KLEncoder(v).eval(), KLDecoder(v).eval()
        with torch.no_grad():
            mu, logvar = enc(x)
            x_hat = dec(mu)
        manifest = {"kind": "vae", "encoder": "encoder.onnx", "decoder": "decoder.onnx", "input_shape": list(shape),
                    "pixel_range": [-1, 1], "scaling_factor": float(v.config.scaling_factor)}
        if v.config.shift_factor is not None:
            manifest["shift_factor"] = float(v.config.shift_factor)
        graphs = [("encoder.onnx", enc, (x,), ["x"], ["mu", "logvar"], dynamo, {"x": f32(x)}, [mu, logvar]),
                  ("decoder.onnx", dec, (mu,), ["z"], ["x_hat"], dynamo, {"z": f32(mu)}, [x_hat])]
        arrays = {"input-x.npy": f32(x), "expected-mu.npy": f32(mu), "expected-logvar.npy": f32(logvar),
                  "expected-x_hat.npy": f32(x_hat)}
        rows.append((name, *write_folder(out, name, manifest, graphs, arrays), ""))
    return rows


def build_tiny(out):
    from diffusers import AutoencoderTiny
    torch.manual_seed(20)
    vae = AutoencoderTiny(in_channels=3, out_channels=3, encoder_block_out_channels=(8, 8, 8),
                          decoder_block_out_channels=(8, 8, 8), num_encoder_blocks=(1, 1, 1),
                          num_decoder_blocks=(1, 1, 1), latent_channels=4)
    shape = (3, 32, 32)
    train = smooth_images(64, shape, (-1, 1), seed=21)

    def loss(step):
        x = train[(step * 16) % 64:(step * 16) % 64 + 16]
        return F.mse_loss(vae.decode(vae.encode(x).latents).sample, x)

    vae.train()
    adam(vae.parameters(), loss)
    vae.eval()
    x = smooth_images(2, shape, (-1, 1), seed=23)
    enc, dec = TinyEncoder(vae).eval(), KLDecoder(vae).eval()
    with torch.no_grad():
        latent = enc(x)
        x_hat = dec(latent)
    manifest = {"kind": "ae", "encoder": "encoder.onnx", "decoder": "decoder.onnx", "input_shape": list(shape),
                "pixel_range": [-1, 1]}
    rows = []
    for name, dynamo in (("tiny-ts", False), ("tiny-dynamo", True)):
        graphs = [("encoder.onnx", enc, (x,), ["x"], ["latent"], dynamo, {"x": f32(x)}, [latent]),
                  ("decoder.onnx", dec, (latent,), ["z"], ["x_hat"], dynamo, {"z": f32(latent)}, [x_hat])]
        arrays = {"input-x.npy": f32(x), "expected-latent.npy": f32(latent), "expected-x_hat.npy": f32(x_hat)}
        rows.append((name, *write_folder(out, name, manifest, graphs, arrays), ""))
    return rows


# ---------------------------------------------------------------- vector-quantize-pytorch

def conv_encoder(d):
    """3×16×16 → d×4×4."""
    return nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1), nn.ReLU(), nn.Conv2d(16, 16, 4, 2, 1), nn.ReLU(),
                         nn.Conv2d(16, d, 4, 2, 1))


def conv_decoder(d):
    """d×4×4 → 3×16×16 in [0, 1]."""
    return nn.Sequential(nn.Conv2d(d, 16, 3, 1, 1), nn.ReLU(), nn.ConvTranspose2d(16, 16, 4, 2, 1), nn.ReLU(),
                         nn.ConvTranspose2d(16, 3, 4, 2, 1), nn.Sigmoid())


def he_init(module):
    """He-normal weights and zero biases: PyTorch's default init shrinks the features layer by layer until the
    biases dominate and every cell's z_e points the same way (one code for all)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return module


def to_seq(z):
    """[b, d, h, w] → [b, h·w, d], the layout the quantisers take (channel last, cells row by row)."""
    return z.flatten(2).transpose(1, 2)


def to_map(v, h, w):
    return v.transpose(1, 2).reshape(v.shape[0], v.shape[2], h, w)


def quantizer_family(out, name, quantizer, quantize, manifest_extra, arrays_extra, margin_fn, seed, d):
    """Train conv encoder/decoder + quantizer briefly, export both convs (TorchScript), save the fixture.
    quantize(z_e map) → (z_q map, codes [b, h, w(, Q)], loss)."""
    torch.manual_seed(seed)
    enc, dec = he_init(conv_encoder(d)), he_init(conv_decoder(d))
    shape = (3, 16, 16)
    train = smooth_images(64, shape, (0, 1), seed=seed + 1)

    def loss(step):
        x = train[(step * 16) % 64:(step * 16) % 64 + 16]
        z_q, _, aux = quantize(enc(x))
        return F.mse_loss(dec(z_q), x) + aux

    for m in (enc, dec, quantizer):
        m.train()
    params = list(enc.parameters()) + list(dec.parameters()) + [p for p in quantizer.parameters() if p.requires_grad]
    adam(params, loss)
    for m in (enc, dec, quantizer):
        m.eval()
    # the fixture batch: the first of a fixed list of seeds whose codes are all clear of a tie
    for input_seed in range(seed + 3, seed + 3 + 100 * 50, 100):
        x = smooth_images(2, shape, (0, 1), seed=input_seed)
        with torch.no_grad():
            z_e = enc(x)
            z_q, codes, _ = quantize(z_e)
            x_hat = dec(z_q)
            margin, margin_text = margin_fn(z_e, z_q, codes)
        if margin >= MIN_MARGIN:
            break
    else:
        raise SystemExit(f"{name}: no input batch with a code margin of {MIN_MARGIN}")
    manifest = {"kind": "vqvae", "encoder": "encoder.onnx", "decoder": "decoder.onnx", "input_shape": list(shape),
                "pixel_range": [0, 1], **manifest_extra}
    graphs = [("encoder.onnx", enc, (x,), ["x"], ["z_e"], False, {"x": f32(x)}, [z_e]),
              ("decoder.onnx", dec, (z_q,), ["z_q"], ["x_hat"], False, {"z_q": f32(z_q)}, [x_hat])]
    arrays = {"input-x.npy": f32(x), "expected-z_e.npy": f32(z_e), "expected-codes.npy": i64(codes),
              "expected-x_hat.npy": f32(x_hat), **{k: f(z_e, z_q, codes) for k, f in arrays_extra.items()}}
    return [(name, *write_folder(out, name, manifest, graphs, arrays), margin_text)]


def vq_margin(codebook, cosine):
    def margin(z_e, z_q, codes):
        v = to_seq(z_e).reshape(-1, z_e.shape[1])
        if cosine:
            score = F.normalize(v, dim=-1) @ codebook.T            # larger is nearer
        else:
            score = -torch.cdist(v, codebook) ** 2                 # larger is nearer
        top = score.topk(2, dim=-1).values
        assert torch.equal(score.argmax(-1), codes.reshape(-1)), "codes are not the nearest codes"
        m = float((top[:, 0] - top[:, 1]).min())
        return m, f"{m:.3g}"
    return margin


def build_vq(out, cosine):
    from vector_quantize_pytorch import VectorQuantize
    d, k = 8, 32
    name, seed = ("vq-cos-ts", 30) if cosine else ("vq-euclid-ts", 40)
    torch.manual_seed(seed - 1)
    vq = VectorQuantize(dim=d, codebook_size=k, use_cosine_sim=cosine, kmeans_init=True, decay=0.8, commitment_weight=0.25)

    def quantize(z_e):
        q, idx, loss = vq(to_seq(z_e))
        h, w = z_e.shape[-2:]
        return to_map(q, h, w), idx.reshape(z_e.shape[0], h, w), loss

    def codebook(*_):
        return f32(vq.codebook)

    def check(z_e, z_q, codes):
        cb = vq.codebook.detach()
        # what the decoder receives is exactly the stored row of the chosen code
        assert torch.equal(to_seq(z_q).reshape(-1, d), cb[codes.reshape(-1)]), "quantized is not the stored row"
        return vq_margin(cb, cosine)(z_e, z_q, codes)

    extra = {"codebook": "codebook.npy", **({"distance": "cosine"} if cosine else {})}
    rows = quantizer_family(out, name, vq, quantize, extra, {"codebook.npy": codebook}, check, seed, d)
    norms = vq.codebook.detach().norm(dim=-1)
    return rows, (float(norms.min()), float(norms.max()))


def build_rvq(out):
    from vector_quantize_pytorch import ResidualVQ
    d, levels, k = 8, 3, 16
    torch.manual_seed(49)
    rvq = ResidualVQ(dim=d, num_quantizers=levels, codebook_size=k, kmeans_init=True, decay=0.8, commitment_weight=0.25)

    def quantize(z_e):
        q, idx, loss = rvq(to_seq(z_e))
        h, w = z_e.shape[-2:]
        return to_map(q, h, w), idx.reshape(z_e.shape[0], h, w, levels), loss.sum()

    def check(z_e, z_q, codes):
        cbs = rvq.codebooks.detach()
        c = codes.reshape(-1, levels)
        total = sum(cbs[q][c[:, q]] for q in range(levels))
        assert (to_seq(z_q).reshape(-1, d) - total).abs().max() < 1e-6, "quantized is not the sum of the codes"
        residual, margins = to_seq(z_e).reshape(-1, d), []
        for q in range(levels):
            score = -torch.cdist(residual, cbs[q]) ** 2
            assert torch.equal(score.argmax(-1), c[:, q]), f"level {q}: codes are not the nearest"
            top = score.topk(2, dim=-1).values
            margins.append(float((top[:, 0] - top[:, 1]).min()))
            residual = residual - cbs[q][c[:, q]]
        return min(margins), " ".join(f"{m:.3g}" for m in margins)

    return quantizer_family(out, "rvq-ts", rvq, quantize, {"codebook": "codebook.npy"},
                            {"codebook.npy": lambda *_: f32(rvq.codebooks)}, check, 50, d)


def build_fsq(out):
    from vector_quantize_pytorch import FSQ
    levels = [8, 5, 5, 5]
    torch.manual_seed(59)
    fsq = FSQ(levels=levels)
    assert fsq.dim == 4 and not fsq.has_projections

    def quantize(z_e):
        q, idx = fsq(z_e)                       # image fmap: [b, 4, h, w] in and out, indices [b, h, w]
        return q, idx, torch.zeros(())

    def check(z_e, z_q, codes):
        cb = fsq.implicit_codebook
        assert torch.equal(to_seq(z_q).reshape(-1, 4), cb[codes.reshape(-1).long()]), "codes ≠ implicit codebook rows"
        basis = torch.cumprod(torch.tensor([1] + levels[:-1]), 0)
        level_idx = torch.round(z_q * (torch.tensor(levels) // 2).view(1, 4, 1, 1)) + (torch.tensor(levels) // 2).view(1, 4, 1, 1)
        assert torch.equal((level_idx * basis.view(1, 4, 1, 1)).sum(1).long(), codes.long()), "mixed radix"
        # distance of the bounded value (before rounding) to a rounding boundary
        lv = torch.tensor(levels).view(1, 4, 1, 1).float()
        half_l = (lv - 1) * (1 + 1e-3) / 2
        offset = torch.where(lv % 2 == 0, 0.5, 0.0)
        bounded = torch.tanh(z_e + torch.atanh(offset / half_l)) * half_l - offset
        frac = bounded - torch.floor(bounded)
        m = float((frac - 0.5).abs().min())
        return m, f"{m:.3g}"

    return quantizer_family(out, "fsq-ts", fsq, quantize, {"levels": levels},
                            {"implicit-codebook.npy": lambda *_: f32(fsq.implicit_codebook)}, check, 60, 4)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="Tests/LatentNNTests/Fixtures/onnx-lib")
    out = ap.parse_args().out
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    rows = build_kl(out) + build_tiny(out)
    cos_rows, cos_norms = build_vq(out, cosine=True)
    euc_rows, _ = build_vq(out, cosine=False)
    rows += cos_rows + euc_rows + build_rvq(out) + build_fsq(out)
    print(f"{'folder':<12} {'kB':>6} {'ort max diff':>12}  {'code margin':<26} files")
    for name, files, size, diff, margin in rows:
        print(f"{name:<12} {size / 1000:6.1f} {diff:12.2e}  {margin or '-':<26} {', '.join(files)}")
    total = sum(r[2] for r in rows)
    print(f"total {total / 1000:.1f} kB in {out}; vq-cos codebook row norms {cos_norms[0]:.6f}–{cos_norms[1]:.6f}")


if __name__ == "__main__":
    main()
