"""Export a PyTorch autoencoder for LatentExplorer in one call: ONNX graphs + the manifest `model.json`.

    from latent_export import export_vae, export_ae, export_vqvae
    export_vae(model.encoder, model.decoder, torch.rand(2, 3, 32, 32), "my-vae", pixel_range=(-1, 1))
    # then: latent info my-vae/model.json ; latent --model my-vae/model.json

The format is docs/model-format.md ("Bring your PyTorch model"). One file to copy or import; it needs torch
(and onnx/onnxscript for the dynamo exporter); when onnxruntime is importable every graph is run on the example
and compared with PyTorch, and the export fails loudly if they differ. Adapters for common libraries:
`from_diffusers_autoencoder_kl`, `from_diffusers_autoencoder_tiny` (diffusers) and `from_vector_quantize`
(vector-quantize-pytorch's VectorQuantize, ResidualVQ, FSQ).

The modules are put in eval mode: an export in training mode would bake in BatchNorm batch statistics and dropout.
"""
import contextlib
import io
import json
import logging
import math
import os
import sys

import numpy as np
import torch
from torch import nn

__all__ = ["export_vae", "export_ae", "export_vqvae", "from_diffusers_autoencoder_kl",
           "from_diffusers_autoencoder_tiny", "from_vector_quantize", "quantize_numpy", "ExportCheckError"]

ENCODER_FILE, DECODER_FILE, MANIFEST_FILE = "encoder.onnx", "decoder.onnx", "model.json"
RELATIVE_TOLERANCE = 1e-4  # of max(1, max|reference|): float32 reassociation stays far below it
PROTOBUF_LIMIT = 1_800_000_000  # bytes of weights above which a single-file ONNX would hit protobuf's 2 GB cap


class ExportCheckError(RuntimeError):
    """onnxruntime's outputs differ from PyTorch's: the ONNX graph does not compute what the module does."""


# ---------------------------------------------------------------- public API

def export_vae(encoder, decoder, example_input, out_dir, *, pixel_range=(0, 1), class_names=None, num_classes=None,
               conditional=None, scaling_factor=None, shift_factor=None, images=None, labels=None, opset=None,
               dynamo=False, check=True):
    """A VAE: encoder(x) → (mu, logvar) of one shape ([N, z] or [N, C, h, w]); decoder(z) → x̂.

    Conditional VAE (kind "cvae"): give `num_classes` (or `class_names` with modules whose forward takes two
    arguments, or `conditional=True`); then encoder(x, y_onehot) and decoder(z, y_onehot).
    `scaling_factor`/`shift_factor`: diffusers' latent convention. Returns the manifest's path."""
    x = _example(example_input)
    cond = _is_conditional(encoder, conditional, num_classes, class_names)
    names = _class_names(class_names, num_classes, required=cond)
    factors = _latent_factors(scaling_factor, shift_factor)
    y = _onehot_example(len(names), x.shape[0]) if cond else None
    enc_in, dec_in = (["x", "y"], ["z", "y"]) if cond else (["x"], ["z"])

    def decoder_args(enc_out):
        mu, logvar = _two_outputs(enc_out)
        return (mu, y) if cond else (mu,)

    extra = {**factors, **({"class_names": names} if names else {})}
    return _export("cvae" if cond else "vae", encoder, decoder, x, y, out_dir, enc_in, ["mu", "logvar"], dec_in,
                   decoder_args, extra, pixel_range, images, labels, len(names) if cond else None, opset, dynamo, check)


def export_ae(encoder, decoder, example_input, out_dir, *, pixel_range=(0, 1), class_names=None, scaling_factor=None,
              shift_factor=None, images=None, labels=None, opset=None, dynamo=False, check=True):
    """A deterministic autoencoder (kind "ae"): encoder(x) → z (one tensor, any shape); decoder(z) → x̂.
    Returns the manifest's path."""
    x = _example(example_input)
    names = _class_names(class_names, None, required=False)
    extra = {**_latent_factors(scaling_factor, shift_factor), **({"class_names": names} if names else {})}

    def decoder_args(enc_out):
        return (_one_output(enc_out, "z"),)

    return _export("ae", encoder, decoder, x, None, out_dir, ["x"], ["z"], ["z"], decoder_args, extra,
                   pixel_range, images, labels, None, opset, dynamo, check)


def export_vqvae(encoder, decoder, example_input, out_dir, *, codebook=None, levels=None, distance="euclidean",
                 pixel_range=(0, 1), class_names=None, images=None, labels=None, opset=None, dynamo=False, check=True):
    """A VQ-VAE: encoder(x) → z_e [N, D, h, w] (before quantisation); decoder(z_q [N, D, h, w]) → x̂.

    Exactly one of `codebook` ([K, D], or [Q, K, D] for a residual VQ; saved as codebook.npy float32) and
    `levels` (FSQ, e.g. [8, 5, 5, 5]: D = len(levels), no codebook). `distance`: "euclidean" or "cosine".
    `from_vector_quantize(vq)` gives these three for vector-quantize-pytorch. Returns the manifest's path.
    (The order example_input, out_dir is the other exporters'; the two swapped are accepted too.)"""
    if isinstance(example_input, (str, os.PathLike)) and not isinstance(out_dir, (str, os.PathLike)):
        example_input, out_dir = out_dir, example_input
    x = _example(example_input)
    quant = _quantizer(codebook, levels, distance)
    names = _class_names(class_names, None, required=False)

    def decoder_args(enc_out):
        z_e = _one_output(enc_out, "z_e")
        _check_grid(z_e, quant)
        _, z_q = quantize_numpy(z_e.detach().cpu().numpy(), **quant)
        return (torch.from_numpy(z_q).to(z_e.device),)

    extra = {**({"class_names": names} if names else {}), **_quantizer_manifest(quant)}
    arrays = {"codebook.npy": quant["codebook"]} if quant["codebook"] is not None else {}
    return _export("vqvae", encoder, decoder, x, None, out_dir, ["x"], ["z_e"], ["z_q"], decoder_args, extra,
                   pixel_range, images, labels, None, opset, dynamo, check, arrays=arrays, quant=quant)


# ---------------------------------------------------------------- library adapters

class _KLEncoder(nn.Module):
    """diffusers' encode returns a distribution object, which no exporter can return: take its two tensors."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, x):
        dist = self.vae.encode(x).latent_dist
        return dist.mean, dist.logvar


class _TinyEncoder(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, x):
        return self.vae.encode(x).latents


class _SampleDecoder(nn.Module):
    """diffusers' decode returns an output dataclass; the graph's output is its `.sample`."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, z):
        return self.vae.decode(z).sample


def from_diffusers_autoencoder_kl(vae):
    """diffusers AutoencoderKL → (encoder, decoder, kwargs) for `export_vae(encoder, decoder, x, out, **kwargs)`:
    the encoder returns (latent_dist.mean, latent_dist.logvar); kwargs hold pixel_range (-1, 1) and the config's
    scaling_factor/shift_factor (left out when the config has none)."""
    _require_attrs(vae, ("encode", "decode", "config"), "a diffusers AutoencoderKL")
    kwargs = {"pixel_range": (-1, 1), **_config_factors(vae.config)}
    return _KLEncoder(vae).eval(), _SampleDecoder(vae).eval(), kwargs


def from_diffusers_autoencoder_tiny(vae):
    """diffusers AutoencoderTiny (TAESD) → (encoder, decoder, kwargs) for `export_ae(...)`: deterministic latents,
    images in [-1, 1] (its encoder maps them to [0, 1] inside the graph)."""
    _require_attrs(vae, ("encode", "decode", "config"), "a diffusers AutoencoderTiny")
    kwargs = {"pixel_range": (-1, 1), **_config_factors(vae.config)}
    return _TinyEncoder(vae).eval(), _SampleDecoder(vae).eval(), kwargs


def from_vector_quantize(vq):
    """vector-quantize-pytorch quantiser → kwargs for `export_vqvae(..., **kwargs)`:
    VectorQuantize → {"codebook": [K, D], "distance": "cosine" if use_cosine_sim else "euclidean"};
    ResidualVQ → {"codebook": [Q, K, D] (level q at [q]), "distance": "euclidean"}; FSQ → {"levels": [...]}.
    Configurations whose eval-time quantisation the app would not reproduce are refused with the reason."""
    kind = type(vq).__name__
    if kind == "FSQ":
        return _from_fsq(vq)
    if kind == "ResidualVQ":
        return _from_residual_vq(vq)
    if kind == "VectorQuantize":
        return _from_vector_quantize(vq)
    raise ValueError(f"from_vector_quantize: {kind} is not supported (VectorQuantize, ResidualVQ and FSQ are)")


def _from_vector_quantize(vq):
    _refuse_projection(vq, "VectorQuantize")
    if getattr(vq, "heads", 1) != 1:
        raise ValueError(f"VectorQuantize(heads={vq.heads}): multi-head codes are not supported; use heads=1")
    if getattr(vq._codebook, "affine_param", False):
        raise ValueError("VectorQuantize(affine_param=True) transforms the codebook at run time; not supported")
    cosine = bool(getattr(vq, "use_cosine_sim", False))
    return {"codebook": vq.codebook.detach().float().cpu(), "distance": "cosine" if cosine else "euclidean"}


def _from_residual_vq(rvq):
    _refuse_projection(rvq, "ResidualVQ")
    if getattr(rvq, "implicit_neural_codebook", False):
        raise ValueError("ResidualVQ(implicit_neural_codebook=True): codes depend on MLPs; not supported")
    if getattr(rvq, "eval_beam_size", None):
        raise ValueError("ResidualVQ with beam search picks codes jointly; the app quantises greedily, level by level")
    if any(getattr(layer, "use_cosine_sim", False) for layer in rvq.layers):
        # the library re-normalises each level's residual; the app normalises the input once, so codes would differ
        raise ValueError("ResidualVQ(use_cosine_sim=True) is not supported: the app's residual VQ is euclidean")
    books = rvq.codebooks
    if isinstance(books, (tuple, list)):
        raise ValueError("ResidualVQ with codebook sizes that differ per level is not supported (one [Q, K, D] array)")
    return {"codebook": books.detach().float().cpu(), "distance": "euclidean"}


def _from_fsq(fsq):
    _refuse_projection(fsq, "FSQ")
    if getattr(fsq, "num_codebooks", 1) != 1:
        raise ValueError(f"FSQ(num_codebooks={fsq.num_codebooks}) is not supported; use num_codebooks=1")
    if getattr(fsq, "preserve_symmetry", False):
        raise ValueError("FSQ(preserve_symmetry=True) bounds differently from the app's FSQ; not supported")
    return {"levels": [int(v) for v in fsq._levels.tolist()]}


def _refuse_projection(q, name):
    # The projections are learned Linear layers between z_e and the codes: they belong in the graphs, not here.
    if getattr(q, "has_projections", False):
        raise ValueError(f"{name} projects its input (dim ≠ codebook dim): end your encoder with `q.project_in` "
                         f"and start your decoder with `q.project_out` (channel-last), or build it without projection")


# ---------------------------------------------------------------- quantisation in numpy

def quantize_numpy(z_e, codebook=None, levels=None, distance="euclidean"):
    """The app's quantisation of z_e [N, D, h, w]: codes (int64 [N, h, w], or [N, h, w, Q] for a residual VQ)
    and z_q [N, D, h, w] float32, what the decoder receives. Nearest code with ties to the lower index; cosine
    compares unit vectors and gives the code's unit vector; FSQ bounds (tanh) and rounds each dimension."""
    z_e = np.asarray(z_e, dtype=np.float32)
    n, d, h, w = z_e.shape
    rows = z_e.transpose(0, 2, 3, 1).reshape(-1, d).astype(np.float64)
    if levels is not None:
        codes, vectors = _fsq_rows(rows, levels)
    else:
        codes, vectors = _vq_rows(rows, np.asarray(codebook, dtype=np.float64), distance)
    grid = codes.reshape((n, h, w) + codes.shape[1:])
    z_q = vectors.reshape(n, h, w, d).transpose(0, 3, 1, 2).astype(np.float32)
    return grid.astype(np.int64), np.ascontiguousarray(z_q)


def _unit(a):
    return a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-12)  # F.normalize's epsilon


def _vq_rows(rows, codebook, distance):
    books = codebook[None] if codebook.ndim == 2 else codebook
    if distance == "cosine":
        rows, books = _unit(rows), _unit(books)
    residual, total, codes = rows.copy(), np.zeros_like(rows), []
    for book in books:
        # squared L2 without the constant |v|²: argmin keeps the first (lower) index on ties, as the app
        score = -2 * residual @ book.T + (book ** 2).sum(-1)
        c = score.argmin(-1)
        codes.append(c)
        total += book[c]
        residual -= book[c]
    codes = np.stack(codes, -1)
    return (codes[:, 0] if codebook.ndim == 2 else codes), total


def _fsq_rows(rows, levels):
    lv = np.asarray(levels, dtype=np.float64)
    half_l = (lv - 1) * (1 + 1e-3) / 2  # vector-quantize-pytorch's FSQ.bound, eps 1e-3
    offset = np.where(lv % 2 == 0, 0.5, 0.0)
    bounded = np.tanh(rows + np.arctanh(offset / half_l)) * half_l - offset
    half_width = np.floor(lv / 2)
    digits = np.clip(np.round(bounded) + half_width, 0, lv - 1)  # np.round ties to even, as torch.round
    basis = np.cumprod([1] + list(levels[:-1]))
    return (digits * basis).sum(-1).astype(np.int64), (digits - half_width) / half_width


# ---------------------------------------------------------------- the one export path

def _export(kind, encoder, decoder, x, y, out_dir, enc_in, enc_out, dec_in, decoder_args, extra, pixel_range, images,
            labels, num_classes, opset, dynamo, check, arrays=None, quant=None):
    pixel_range = _pixel_range(pixel_range)
    encoder, decoder = _module(encoder, "encoder"), _module(decoder, "decoder")
    enc_args = (x, y) if y is not None else (x,)
    with torch.no_grad():
        enc_ref = _as_tuple(encoder(*enc_args))
        dec_args = decoder_args(enc_ref if len(enc_ref) > 1 else enc_ref[0])
        dec_ref = _as_tuple(decoder(*dec_args))
    _check_decoder_output(dec_ref, x)
    data = _data_arrays(images, labels, x.shape[1:], pixel_range, num_classes, kind)
    os.makedirs(out_dir, exist_ok=True)
    enc_path, dec_path = os.path.join(out_dir, ENCODER_FILE), os.path.join(out_dir, DECODER_FILE)
    enc_names = enc_out if kind != "ae" else ["z"]
    batches = [_export_graph(encoder, enc_args, enc_path, enc_in, enc_names, opset, dynamo),
               _export_graph(decoder, dec_args, dec_path, dec_in, ["x_hat"], opset, dynamo)]
    for name, array in {**(arrays or {}), **data}.items():
        np.save(os.path.join(out_dir, name), array)
    manifest = {"kind": kind, "encoder": ENCODER_FILE, "decoder": DECODER_FILE, "input_shape": list(x.shape[1:]),
                "pixel_range": [_plain(v) for v in pixel_range], **extra}
    if "images.npy" in data:
        manifest["data"] = "images.npy"
    if "labels.npy" in data:
        manifest["labels"] = "labels.npy"
    path = os.path.join(out_dir, MANIFEST_FILE)
    with open(path, "w") as f:
        f.write(_manifest_json(manifest))
    if check:
        _check_with_onnxruntime([(encoder, enc_path, enc_in, enc_args, batches[0]),
                                 (decoder, dec_path, dec_in, dec_args, batches[1])], enc_ref, quant)
    return path


def _export_graph(module, args, path, input_names, output_names, opset, dynamo):
    """Write one graph with a batch axis named "batch"; returns the batch size baked into it (None if dynamic).

    Traced at a batch of at least 2: at batch 1 the dynamo exporter specialises the axis to the constant 1."""
    trace_args = tuple(_at_least_two(a) for a in args)
    axes = {n: {0: "batch"} for n in input_names + output_names}
    if not dynamo:
        _quietly(lambda: torch.onnx.export(module, trace_args, path, dynamo=False, opset_version=opset or 17,
                                           input_names=input_names, output_names=output_names, dynamic_axes=axes))
        return None
    external = _weight_bytes(module) > PROTOBUF_LIMIT
    try:
        _quietly(lambda: torch.onnx.export(module, trace_args, path, dynamo=True, opset_version=opset or 18,
                                           input_names=input_names, output_names=output_names, dynamic_axes=axes,
                                           external_data=external))
        batch = None
    except Exception as error:  # noqa: BLE001 - any failure of the dynamic export gets the fixed-batch retry
        # The app runs a graph with a fixed batch of 1 image by image, so a dynamic batch is a nicety only.
        print(f"{os.path.basename(path)}: dynamic batch failed with the dynamo exporter "
              f"({type(error).__name__}); exporting with a fixed batch of 1", file=sys.stderr)
        one = tuple(a[:1] for a in args)
        _quietly(lambda: torch.onnx.export(module, one, path, dynamo=True, opset_version=opset or 18,
                                           input_names=input_names, output_names=output_names, external_data=external))
        batch = 1
    if not external:
        _strip_metadata(path)
    return batch


def _quietly(export):
    """The exporters print pages of progress and warnings; keep them for when the export fails."""
    out = io.StringIO()
    # torch.onnx also logs through `logging`, whose handlers hold the real stderr: raise its level meanwhile
    log = logging.getLogger("torch.onnx")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            export()
    except Exception:
        sys.stderr.write(out.getvalue()[-4000:])
        raise
    finally:
        log.setLevel(level)


def _strip_metadata(path):
    """Dynamo stores each node's Python stack (with local file paths) in the graph: not for a file you share."""
    try:
        import onnx
    except ImportError:
        return
    model = onnx.load(path)
    for graph in [model.graph] + list(model.functions):
        for node in graph.node:
            node.doc_string = ""
            del node.metadata_props[:]
    onnx.save(model, path)


# ---------------------------------------------------------------- check with onnxruntime

def _check_with_onnxruntime(graphs, enc_ref, quant):
    """graphs: [(module, path, input names, args, baked batch or None)]; raises ExportCheckError on a mismatch."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        print("onnxruntime is not installed: the graphs were not checked (pip install onnxruntime)")
        return
    for module, path, names, args, batch in graphs:
        # At a batch of 2 or more when the graph's batch is dynamic, so a batch axis baked into a reshape shows.
        args = tuple(_at_least_two(a) for a in args) if batch is None else args
        with torch.no_grad():
            ref = _as_tuple(module(*args))
        got = _ort_run(path, {n: _np(a) for n, a in zip(names, args)}, batch)
        _compare(path, names, args, ref, got)
    if quant is not None:
        codes, _ = quantize_numpy(_np(enc_ref[0]), **quant)
        shown = codes[0].reshape(-1)
        print(f"codes of example 0 ({'×'.join(map(str, codes.shape[1:]))}): {' '.join(map(str, shown[:32]))}"
              f"{' …' if shown.size > 32 else ''}")


def _ort_run(path, feeds, batch):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    if batch is None:
        return session.run(None, feeds)
    # a fixed-batch graph runs one example at a time, as the app runs it
    n = next(iter(feeds.values())).shape[0]
    runs = [session.run(None, {k: v[i:i + 1] for k, v in feeds.items()}) for i in range(n)]
    return [np.concatenate(parts) for parts in zip(*runs)]


def _compare(path, names, args, ref, got):
    file = os.path.basename(path)
    if len(got) != len(ref):
        raise ExportCheckError(f"{file}: onnxruntime gives {len(got)} outputs, PyTorch {len(ref)}")
    worst = 0.0
    for i, (g, r) in enumerate(zip(got, ref)):
        r = _np(r)
        if g.shape != r.shape:
            raise ExportCheckError(f"{file}: output {i} has shape {list(g.shape)} in onnxruntime, {list(r.shape)} in PyTorch")
        diff = float(np.abs(g.astype(np.float64) - r).max()) if r.size else 0.0
        tolerance = RELATIVE_TOLERANCE * max(1.0, float(np.abs(r).max()) if r.size else 0.0)
        if not diff <= tolerance:
            raise ExportCheckError(f"{file}: output {i} differs from PyTorch by {diff:.3g} (tolerance {tolerance:.3g})")
        worst = max(worst, diff)
    shapes = lambda ts: ", ".join(f"[{','.join(map(str, t.shape))}]" for t in ts)
    print(f"{file}: onnxruntime matches PyTorch, max |diff| {worst:.2e}; {', '.join(names)} {shapes(args)} → {shapes(got)}")
    _CHECK_DIFFS[path] = worst


_CHECK_DIFFS = {}  # path → the last check's max |diff| (read by scripts/check_latent_export.py)


# ---------------------------------------------------------------- argument checks

def _example(example_input):
    if not torch.is_tensor(example_input):
        example_input = torch.as_tensor(np.asarray(example_input))
    if example_input.ndim != 4:
        raise ValueError(f"example_input must be a batch of images [N, C, H, W], got shape {list(example_input.shape)}")
    n, c = example_input.shape[:2]
    if n < 1 or not 1 <= c <= 4:
        raise ValueError(f"example_input [N, C, H, W] needs N ≥ 1 and C of 1–4 channels, got {list(example_input.shape)}")
    if example_input.dtype != torch.float32:
        raise ValueError(f"example_input is {example_input.dtype}: export in float32 (the app feeds float32 images; "
                         f"call .float() on the input and the modules)")
    if not torch.isfinite(example_input).all():
        raise ValueError("example_input holds NaN or infinite values")
    return example_input


def _module(m, what):
    if not isinstance(m, nn.Module):
        raise ValueError(f"{what} must be a torch.nn.Module, got {type(m).__name__}")
    return m.eval()


def _pixel_range(r):
    try:
        lo, hi = (float(v) for v in r)
    except (TypeError, ValueError):
        raise ValueError(f"pixel_range must be two numbers (low, high), got {r!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"pixel_range must be finite with low < high, got {r!r}")
    return lo, hi


def _is_conditional(encoder, conditional, num_classes, class_names):
    if conditional is not None:
        return bool(conditional)
    if num_classes is not None:
        return True
    if class_names is None:
        return False
    # class_names alone name a plain VAE's labels, unless the encoder takes the one-hot label too
    import inspect
    try:
        params = [p for p in inspect.signature(encoder.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return False
    return len(params) >= 2


def _class_names(class_names, num_classes, required):
    if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 1):
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    if class_names is None:
        if required and num_classes is None:
            raise ValueError("a conditional VAE needs num_classes or class_names (the one-hot width)")
        return [str(i) for i in range(num_classes)] if num_classes else None
    names = [str(n) for n in class_names]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"class_names must be a non-empty list of distinct names, got {class_names!r}")
    if num_classes is not None and len(names) != num_classes:
        raise ValueError(f"class_names has {len(names)} names but num_classes is {num_classes}")
    return names


def _onehot_example(classes, n):
    return nn.functional.one_hot(torch.arange(n) % classes, classes).float()


def _latent_factors(scaling_factor, shift_factor):
    out = {}
    if scaling_factor is not None:
        s = float(scaling_factor)
        if not math.isfinite(s) or s == 0:
            raise ValueError(f"scaling_factor must be a finite non-zero number, got {scaling_factor!r}")
        out["scaling_factor"] = s
    if shift_factor is not None:
        s = float(shift_factor)
        if not math.isfinite(s):
            raise ValueError(f"shift_factor must be finite, got {shift_factor!r}")
        out["shift_factor"] = s
    return out


def _config_factors(config):
    """The config's factors, identity values (scale 1, shift 0) left out: they change nothing."""
    get = config.get if isinstance(config, dict) else lambda k, d=None: getattr(config, k, d)
    scale, shift = get("scaling_factor", None), get("shift_factor", None)
    out = {}
    if scale is not None and float(scale) != 1.0:
        out["scaling_factor"] = float(scale)
    if shift is not None and float(shift) != 0.0:
        out["shift_factor"] = float(shift)
    return out


def _require_attrs(obj, names, what):
    missing = [n for n in names if not hasattr(obj, n)]
    if missing:
        raise ValueError(f"expected {what}, got {type(obj).__name__} (no {', '.join(missing)})")


def _quantizer(codebook, levels, distance):
    if (codebook is None) == (levels is None):
        raise ValueError("export_vqvae needs exactly one of codebook ([K, D] or [Q, K, D]) and levels (FSQ)")
    if distance not in ("euclidean", "cosine"):
        raise ValueError(f"distance must be 'euclidean' or 'cosine', got {distance!r}")
    if levels is not None:
        levels = [int(v) for v in levels]
        if not levels or any(v < 2 for v in levels):
            raise ValueError(f"FSQ levels must be integers ≥ 2, got {levels}")
        if distance != "euclidean":
            raise ValueError("distance is for a codebook; FSQ rounds each dimension")
        return {"codebook": None, "levels": levels, "distance": "euclidean"}
    book = _np(codebook).astype(np.float32)
    if book.ndim not in (2, 3) or 0 in book.shape:
        raise ValueError(f"codebook must be [K, D] or [Q, K, D] (residual VQ), got shape {list(book.shape)}")
    if not np.isfinite(book).all():
        raise ValueError("codebook holds NaN or infinite values")
    if book.ndim == 3 and distance == "cosine":
        raise ValueError("a residual VQ ([Q, K, D] codebook) is quantised with euclidean distance only")
    return {"codebook": np.ascontiguousarray(book), "levels": None, "distance": distance}


def _quantizer_manifest(quant):
    if quant["levels"] is not None:
        return {"levels": quant["levels"]}
    return {"codebook": "codebook.npy", "distance": quant["distance"]}


def _check_grid(z_e, quant):
    d = len(quant["levels"]) if quant["levels"] is not None else quant["codebook"].shape[-1]
    if z_e.ndim != 4 or z_e.shape[1] != d:
        raise ValueError(f"the VQ encoder must return z_e [N, D={d}, h, w] (channels first), got {list(z_e.shape)}")


def _as_tuple(out):
    if torch.is_tensor(out):
        return (out,)
    if isinstance(out, (tuple, list)) and out and all(torch.is_tensor(t) for t in out):
        return tuple(out)
    raise ValueError(f"a module must return a tensor or a tuple of tensors, got {type(out).__name__}")


def _two_outputs(out):
    if not (isinstance(out, tuple) and len(out) == 2 and out[0].shape == out[1].shape):
        shapes = [list(t.shape) for t in out] if isinstance(out, tuple) else [list(out.shape)]
        raise ValueError(f"a VAE encoder must return (mu, logvar) of one shape, got outputs of shapes {shapes}")
    return out


def _one_output(out, what):
    if isinstance(out, tuple):
        raise ValueError(f"this encoder must return one tensor ({what}), got {len(out)} outputs")
    return out


def _check_decoder_output(dec_ref, x):
    if len(dec_ref) != 1:
        raise ValueError(f"the decoder must return one tensor (x̂), got {len(dec_ref)}")
    got = dec_ref[0].shape
    if tuple(got) != tuple(x.shape) and tuple(got) != (x.shape[0], int(np.prod(x.shape[1:]))):
        raise ValueError(f"the decoder returns {list(got)}; the images are {list(x.shape)}")


def _data_arrays(images, labels, input_shape, pixel_range, num_classes, kind):
    """images.npy / labels.npy as the app reads them, checked here so a bad array fails at export, not at load."""
    if images is None:
        if labels is not None:
            raise ValueError("labels need images")
        return {}
    imgs = _np(images)
    c, h, w = input_shape
    if imgs.ndim == 3 and c == 1:
        imgs = imgs[:, None]
    if imgs.ndim != 4 or tuple(imgs.shape[1:]) != tuple(input_shape) or imgs.shape[0] == 0:
        raise ValueError(f"images must be [N, {c}, {h}, {w}] like example_input, got {list(imgs.shape)}")
    out = {"images.npy": _image_array(imgs, pixel_range)}
    if labels is not None:
        out["labels.npy"] = _label_array(labels, imgs.shape[0], num_classes)
    elif kind == "cvae":
        raise ValueError("a conditional VAE's images need labels (its encoder takes the one-hot label)")
    return out


def _image_array(imgs, pixel_range):
    if imgs.dtype == np.bool_ or imgs.dtype == np.uint8:
        return np.ascontiguousarray(imgs)  # the app maps 0–255 (and booleans) to pixel_range
    if np.issubdtype(imgs.dtype, np.integer):
        if imgs.min() < 0 or imgs.max() > 255:
            raise ValueError(f"integer images are intensities 0–255, got values {imgs.min()}–{imgs.max()}")
        return np.ascontiguousarray(imgs.astype(np.uint8))
    imgs = imgs.astype(np.float32)
    if not np.isfinite(imgs).all():
        raise ValueError("images hold NaN or infinite values")
    lo, hi = pixel_range
    slack = 1e-3 * (hi - lo)
    if imgs.min() < lo - slack or imgs.max() > hi + slack:
        raise ValueError(f"float images must be in pixel_range {[lo, hi]}, got values {imgs.min():.4g}–{imgs.max():.4g} "
                         f"(scale them, or pass uint8 intensities 0–255)")
    return np.ascontiguousarray(imgs)


def _label_array(labels, n, num_classes):
    lab = _np(labels)
    if lab.ndim == 2 and lab.shape[1] == 1:
        lab = lab[:, 0]
    if lab.ndim != 1 or lab.shape[0] != n:
        raise ValueError(f"labels must be [N] with N = {n} (one per image), got {list(lab.shape)}")
    if not np.issubdtype(lab.dtype, np.integer) and not np.array_equal(lab, np.round(lab)):
        raise ValueError("labels must be whole numbers")
    lab = lab.astype(np.int64)
    top = num_classes if num_classes is not None else 10000
    if lab.min() < 0 or lab.max() >= top:
        raise ValueError(f"labels must be in 0…{top - 1}, got {lab.min()}…{lab.max()}")
    return lab


# ---------------------------------------------------------------- small helpers

def _manifest_json(manifest):
    """Sorted keys, one per line, each value on its line: diffs and eyes read it better than json's indent."""
    lines = [f"  {json.dumps(k)}: {json.dumps(manifest[k], ensure_ascii=False)}" for k in sorted(manifest)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _plain(v):
    """1.0 → 1 in the manifest: [-1, 1] reads as the docs write it."""
    return int(v) if float(v).is_integer() else float(v)


def _np(t):
    return t.detach().cpu().numpy() if torch.is_tensor(t) else np.asarray(t)


def _at_least_two(t):
    return t if t.shape[0] >= 2 else torch.cat([t, t])


def _weight_bytes(module):
    return sum(p.numel() * p.element_size() for p in list(module.parameters()) + list(module.buffers()))
