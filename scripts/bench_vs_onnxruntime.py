#!/usr/bin/env python3
"""Batch-1 decode of imported models: ours next to onnxruntime (1 thread), and next to our native engine
for the same architecture, measured side by side in one run; prints the ratios.

The shipped VAE (Weights/vae-z10.safetensors) is rebuilt in PyTorch from its own weights, exported to
ONNX with a manifest in a temporary folder, and decoded three ways: our native engine (`latent bench
decode` on the .safetensors), our graph engine (the same command on the manifest) and onnxruntime. The
ONNX test fixtures and a 64×64 RGB conv VAE with residual blocks are timed against onnxruntime too, and
the explorer's key → frame latency is measured with the 64×64 model.

Real-library architectures, built small (3×32×32, random weights, fixed seeds) in the same temporary folder
and exported by both PyTorch exporters (TorchScript, opset 17, dynamic batch; dynamo, opset 18, which
writes its weights to an external .onnx.data): diffusers AutoencoderKL, AutoencoderTiny (TAESD) and VQModel,
and a conv VQ-VAE around vector-quantize-pytorch's VectorQuantize (cosine similarity), ResidualVQ (4
quantizers) and FSQ (levels 8,5,5,5). Each is opened through its own manifest: KL as `vae`, Tiny as `ae`,
VQModel and VectorQuantize as `vqvae` with their [K, D] codebook, ResidualVQ with its [Q, K, D] codebook,
FSQ with its `levels`; ours times codes → codebook (or FSQ grid) → decoder, onnxruntime the decoder on a
latent of the same shape. Where our engine refuses a model the row shows the engine's one-line reason, and
its decoder is timed alone, wrapped as a VQ-VAE decoder (a generated strided-conv encoder and a random
16-entry codebook of its latent's channels).

    ~/tv/bin/python scripts/bench_vs_onnxruntime.py [--latent .build/release/latent] [--count 2000]
"""
import argparse, contextlib, glob, io, json, os, struct, subprocess, tempfile, time, warnings
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


def export_onnx(module, args, path, exporter, inputs, outputs):
    """`torch.onnx.export` with the TorchScript exporter (opset 17, dynamic batch) or the dynamo one (opset
    18, its defaults: batch 1, weights in `path`.data), its progress messages silenced."""
    import torch
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        if exporter == "torchscript":
            torch.onnx.export(module.eval(), args, path, dynamo=False, opset_version=17, input_names=inputs, output_names=outputs,
                              dynamic_axes={n: {0: "batch"} for n in inputs + outputs})
        else:
            torch.onnx.export(module.eval(), args, path, dynamo=True, opset_version=18, input_names=inputs, output_names=outputs)


def real_library_models():
    """The small real-library autoencoders: name → (encoder module, decoder module, latent shape, manifest
    fields, codebook or None: [K, D], or [Q, K, D] for a residual VQ). Encoders return what the manifest kind
    expects."""
    import torch
    from torch import nn
    from einops import rearrange
    from diffusers import AutoencoderKL, AutoencoderTiny, VQModel
    from vector_quantize_pytorch import FSQ, ResidualVQ, VectorQuantize

    class Call(nn.Module):
        def __init__(self, owner, fn):
            super().__init__()
            self.owner, self.fn = owner, fn

        def forward(self, x):
            return self.fn(self.owner, x)

    class ToVectors(nn.Module):
        """Conv features → the quantizer's own input path ('b c h w -> b (h w) c', project_in, l2norm)."""
        def __init__(self, body, project_in, transform=None):
            super().__init__()
            self.body, self.project_in, self.transform = body, project_in, transform

        def forward(self, x):
            h = self.body(x)
            v = self.project_in(rearrange(h, "b c h w -> b (h w) c"))
            v = self.transform(v) if self.transform is not None else v
            return rearrange(v, "b (h w) c -> b c h w", h=h.shape[2], w=h.shape[3])

    class FromVectors(nn.Module):
        def __init__(self, project_out, body):
            super().__init__()
            self.project_out, self.body = project_out, body

        def forward(self, q):
            v = self.project_out(rearrange(q, "b c h w -> b (h w) c"))
            return self.body(rearrange(v, "b (h w) c -> b c h w", h=q.shape[2], w=q.shape[3]))

    def conv_encoder():
        return nn.Sequential(nn.Conv2d(3, 32, 4, 2, 1), nn.SiLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.SiLU(), nn.Conv2d(64, 32, 1))

    def conv_decoder():
        return nn.Sequential(nn.Conv2d(32, 64, 3, 1, 1), nn.SiLU(), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.SiLU(),
                             nn.ConvTranspose2d(32, 3, 4, 2, 1), nn.Sigmoid())

    blocks = dict(down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                  block_out_channels=(32, 64), layers_per_block=1, latent_channels=4, norm_num_groups=16, sample_size=32)
    vae = {"kind": "vae", "pixel_range": [-1, 1]}
    models = {}
    torch.manual_seed(1)
    kl = AutoencoderKL(**blocks).eval()
    models["diffusers AutoencoderKL"] = (Call(kl, lambda m, x: (lambda d: (d.mean, d.logvar))(m.encode(x).latent_dist)),
                                         Call(kl, lambda m, z: m.decode(z).sample), [4, 16, 16], vae, None)
    torch.manual_seed(2)
    tiny = AutoencoderTiny(encoder_block_out_channels=(16,) * 3, decoder_block_out_channels=(16,) * 3,
                           num_encoder_blocks=(1,) * 3, num_decoder_blocks=(1,) * 3, latent_channels=4).eval()
    models["diffusers AutoencoderTiny"] = (Call(tiny, lambda m, x: m.encode(x).latents), Call(tiny, lambda m, z: m.decode(z).sample),
                                           [4, 8, 8], {"kind": "ae", "pixel_range": [-1, 1]}, None)
    torch.manual_seed(3)
    vq = VQModel(num_vq_embeddings=64, vq_embed_dim=4, **blocks).eval()
    models["diffusers VQModel"] = (Call(vq, lambda m, x: m.encode(x).latents), Call(vq, lambda m, h: m.decode(h, force_not_quantize=True).sample),
                                   [4, 16, 16], {"kind": "vqvae", "pixel_range": [-1, 1]}, vq.quantize.embedding.weight)
    torch.manual_seed(4)
    q = VectorQuantize(dim=32, codebook_size=128, codebook_dim=16, use_cosine_sim=True, accept_image_fmap=True).eval()
    models["vq-pytorch VectorQuantize cos"] = (ToVectors(conv_encoder(), q.project_in, q._codebook.transform_input),
                                               FromVectors(q.project_out, conv_decoder()), [16, 8, 8], {"kind": "vqvae"}, q.codebook)
    torch.manual_seed(5)
    rvq = ResidualVQ(dim=32, num_quantizers=4, codebook_size=64, codebook_dim=16).eval()
    models["vq-pytorch ResidualVQ ×4"] = (ToVectors(conv_encoder(), rvq.project_in), FromVectors(rvq.project_out, conv_decoder()),
                                         [16, 8, 8], {"kind": "vqvae"}, torch.stack([layer.codebook for layer in rvq.layers]))
    torch.manual_seed(6)
    fsq = FSQ(levels=[8, 5, 5, 5], dim=32).eval()
    models["vq-pytorch FSQ 8,5,5,5"] = (ToVectors(conv_encoder(), fsq.project_in), FromVectors(fsq.project_out, conv_decoder()),
                                       [4, 8, 8], {"kind": "vqvae", "levels": [8, 5, 5, 5]}, None)
    return models


def wrap_as_vq_decoder(folder, latent_shape, pixels=32):
    """A manifest timing a bare decoder of a spatial latent [D, h, w] as a VQ-VAE's: a generated strided-conv
    encoder to [D, h, w] and a random 16-entry codebook (`decoder.onnx` must already be in `folder`)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    d, h, _ = latent_shape
    s = pixels // h
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((d, 3, s, s)) / (3 * s * s) ** 0.5).astype(np.float32)
    graph = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["z_e"], kernel_shape=[s, s], strides=[s, s])], "encoder",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, pixels, pixels])],
                              [helper.make_tensor_value_info("z_e", TensorProto.FLOAT, ["N", d, h, h])], [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(folder, "wrap_encoder.onnx"))
    np.save(os.path.join(folder, "wrap_codebook.npy"), rng.standard_normal((16, d)).astype(np.float32))
    path = os.path.join(folder, "wrapped.json")
    with open(path, "w") as f:
        json.dump({"kind": "vqvae", "encoder": "wrap_encoder.onnx", "decoder": "decoder.onnx", "codebook": "wrap_codebook.npy",
                   "input_shape": [3, pixels, pixels]}, f)
    return path


def export_real_library(folder):
    """Every real-library model by both exporters into `folder`: rows of (model, exporter, its manifest (or
    why there is none), a manifest wrapping its decoder alone)."""
    import torch
    rows = []
    for name, (encoder, decoder, latent, fields, codebook) in real_library_models().items():
        for exporter in ("torchscript", "dynamo"):
            sub = os.path.join(folder, f"{name}-{exporter}".replace(" ", "_").replace(",", "").replace("×", "x"))
            os.makedirs(sub)
            export_onnx(decoder, (torch.randn(1, *latent),), os.path.join(sub, "decoder.onnx"), exporter, ["z"], ["x_hat"])
            manifest = fields   # a string: why no manifest
            if isinstance(fields, dict):
                x = torch.rand(1, 3, 32, 32)
                with torch.no_grad():
                    two = isinstance(encoder.eval()(x), tuple)   # AutoencoderTiny's encoder returns one latent
                outputs = ["mu", "logvar"] if two else ["z_e"]
                export_onnx(encoder, (x,), os.path.join(sub, "encoder.onnx"), exporter, ["x"], outputs)
                m = dict(fields, encoder="encoder.onnx", decoder="decoder.onnx", input_shape=[3, 32, 32])
                if codebook is not None:
                    np.save(os.path.join(sub, "codebook.npy"), codebook.detach().numpy())
                    m["codebook"] = "codebook.npy"
                manifest = os.path.join(sub, "model.json")
                with open(manifest, "w") as f:
                    json.dump(m, f)
            rows.append((name, exporter, manifest, wrap_as_vq_decoder(sub, latent)))
    return rows


def cpu_name():
    with open("/proc/cpuinfo") as f:
        return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "unknown CPU")


def ours(latent, paths, count, interleaved=False):
    """(median, fastest) µs per batch-1 decode from `latent bench decode`, in the order of `paths`."""
    out = subprocess.run([latent, "bench", "decode", "--count", str(count)] + (["--interleaved"] if interleaved else []) + paths,
                         capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[1:] if line.strip() and not line.startswith("(")]
    return [(float(r[-3]), float(r[-1])) for r in rows]


def ours_or_reason(latent, path, count):
    """((median, fastest) µs, None) from `latent bench decode` on one manifest, or (None, the engine's one-line reason)."""
    p = subprocess.run([latent, "bench", "decode", "--count", str(count), path], capture_output=True, text=True)
    if p.returncode != 0:
        lines = (p.stderr or p.stdout).strip().splitlines() or [f"exit code {p.returncode}"]
        return None, lines[-1].replace("Error: ", "").replace("latent bench decode: ", "")
    return ours(latent, [path], count)[0], None


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
    return float(np.median(samples)), float(np.min(samples))


def real_library_table(latent, folder, count):
    """Real-library decoders, both exporters: ours vs onnxruntime, or why our engine refuses the model."""
    os.makedirs(folder)
    rows = export_real_library(folder)
    print(f"\nreal-library architectures, 3×32×32, batch-1 decode, 1 thread, {count} runs (µs; median and fastest run)")
    print(f"{'model':30s} {'exporter':11s} {'what is timed':22s} {'ours':>8s} {'onnxruntime':>12s} {'ours/ort':>9s} {'fastest':>17s} {'ratio':>6s}")
    for name, exporter, manifest, wrapped in rows:
        t, reason = ours_or_reason(latent, manifest, count) if manifest.endswith(".json") else (None, manifest)
        what = "its manifest"
        if t is None:
            print(f"{name:30s} {exporter:11s} {what:22s} {reason}")
            t, reason = ours_or_reason(latent, wrapped, count)
            name, what = "", "decoder as VQ decoder"
            if t is None:
                print(f"{name:30s} {exporter:11s} {what:22s} {reason}")
                continue
        o = onnxruntime_decode(manifest if what == "its manifest" else wrapped, count)
        print(f"{name:30s} {exporter:11s} {what:22s} {t[0]:8.1f} {o[0]:12.1f} {t[0] / o[0]:9.2f} {t[1]:8.1f} {o[1]:8.1f} {t[1] / o[1]:6.2f}")

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
        imported = ours(args.latent, manifests, args.count)
        # The one-engine check: native and exported shipped VAE taking turns, so both meet the same load.
        native, exported = ours(args.latent, ["Weights/vae-z10.safetensors", shipped], 4 * args.count, interleaved=True)
        print(f"CPU: {cpu_name()}")
        print(f"batch-1 decode, 1 thread, {args.count} runs (µs; median, and the fastest run, which on a shared machine")
        print("is the figure other work disturbs least); ratio < 1 means we are faster")
        print(f"{'model':34s} {'ours':>8s} {'onnxruntime':>12s} {'ours/ort':>9s} {'fastest':>17s} {'ratio':>6s}")
        for path, t in zip(manifests, imported):
            name = {shipped: "vae-z10 (shipped, exported)", research: "conv VAE 3×64×64, z=32 (res+GN)"}.get(
                path, os.path.basename(os.path.dirname(path)))
            o = onnxruntime_decode(path, args.count)
            print(f"{name:34s} {t[0]:8.1f} {o[0]:12.1f} {t[0] / o[0]:9.2f} {t[1]:8.1f} {o[1]:8.1f} {t[1] / o[1]:6.2f}")
        print(f"vae-z10 (decodes taking turns): imported {exported[0]:.1f} µs vs native {native[0]:.1f} µs (median): "
              f"{exported[0] / native[0]:.2f}× the native engine's time; fastest runs {exported[1]:.1f} vs {native[1]:.1f} µs: "
              f"{exported[1] / native[1]:.2f}×")
        real_library_table(args.latent, os.path.join(tmp, "reallib"), args.count)
        print("\nexplorer with the 64×64 RGB VAE at 120×40 (latent bench ui):")
        ui = subprocess.run([args.latent, "bench", "ui", "--keys", "1000", "--model", research], capture_output=True, text=True, check=True)
        print(ui.stdout, end="")


if __name__ == "__main__":
    main()
