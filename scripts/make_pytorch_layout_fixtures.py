#!/usr/bin/env python3
"""Build the PyTorch-layout model fixtures of Tests/LatentNNTests/Fixtures with numpy alone.

Each fixture is a .safetensors file laid out exactly as `model.state_dict()` of the equivalent PyTorch
modules would be (Linear [out, in]; Conv2d [out, in, kh, kw]; ConvTranspose2d [in, out, kh, kw];
BatchNorm weight/bias/running_mean/running_var/num_batches_tracked as I64), plus the `config` metadata
of docs/model-format.md, and a .npy of the outputs that an independent numpy forward pass computes
(convolutions as explicit loops, the transposed one by its scatter definition). The Swift test loads the
model through the normal loader and must reproduce those outputs.

Usage: python3 scripts/make_pytorch_layout_fixtures.py [--out Tests/LatentNNTests/Fixtures]
"""
import argparse, json, os, struct
import numpy as np

rng = np.random.default_rng(7)


def conv2d(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    oc, _, k, _ = w.shape
    xp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad)); xp[:, :, pad:pad + h, pad:pad + wd] = x
    oh, ow = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    y = np.zeros((n, oc, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            y[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return y + b[None, :, None, None]


def conv_transpose2d(x, w, b, stride, pad, out_pad=0):
    n, ic, h, wd = x.shape
    _, oc, k, _ = w.shape
    oh, ow = (h - 1) * stride - 2 * pad + k + out_pad, (wd - 1) * stride - 2 * pad + k + out_pad
    full = np.zeros((n, oc, (h - 1) * stride + k + out_pad, (wd - 1) * stride + k + out_pad))
    for i in range(h):
        for j in range(wd):
            full[:, :, i * stride:i * stride + k, j * stride:j * stride + k] += np.einsum("nc,cokl->nokl", x[:, :, i, j], w)
    return full[:, :, pad:pad + oh, pad:pad + ow] + b[None, :, None, None]


def batch_norm(x, p, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - p["running_mean"].reshape(shape)) / np.sqrt(p["running_var"].reshape(shape) + eps) \
        * p["weight"].reshape(shape) + p["bias"].reshape(shape)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def params(spec):
    op = spec["op"]
    if op == "linear":
        s = 1 / np.sqrt(spec["in"])
        return {"weight": rng.uniform(-s, s, (spec["out"], spec["in"])), "bias": rng.uniform(-s, s, spec["out"])}
    if op == "conv2d":
        s = 1 / np.sqrt(spec["in"] * spec["kernel"] ** 2)
        return {"weight": rng.uniform(-s, s, (spec["out"], spec["in"], spec["kernel"], spec["kernel"])),
                "bias": rng.uniform(-s, s, spec["out"])}
    if op == "conv_transpose2d":
        s = 1 / np.sqrt(spec["out"] * spec["kernel"] ** 2)
        return {"weight": rng.uniform(-s, s, (spec["in"], spec["out"], spec["kernel"], spec["kernel"])),
                "bias": rng.uniform(-s, s, spec["out"])}
    if op.startswith("batch_norm"):
        f = spec["features"]
        return {"weight": rng.uniform(0.5, 1.5, f), "bias": rng.normal(0, 0.2, f),
                "running_mean": rng.normal(0, 0.3, f), "running_var": rng.uniform(0.5, 2, f),
                "num_batches_tracked": np.array(17, dtype=np.int64)}
    return {}


def run(ops, ps, x):
    for spec, p in zip(ops, ps):
        op = spec["op"]
        if op == "linear": x = x @ p["weight"].T + p["bias"]
        elif op == "conv2d": x = conv2d(x, p["weight"], p["bias"], spec.get("stride", 1), spec.get("padding", 0))
        elif op == "conv_transpose2d":
            x = conv_transpose2d(x, p["weight"], p["bias"], spec.get("stride", 1), spec.get("padding", 0), spec.get("output_padding", 0))
        elif op.startswith("batch_norm"): x = batch_norm(x, p)
        elif op == "relu": x = np.maximum(x, 0)
        elif op == "leaky_relu": x = np.where(x > 0, x, x * spec.get("slope", 0.01))
        elif op == "tanh": x = np.tanh(x)
        elif op == "sigmoid": x = sigmoid(x)
        elif op == "flatten": x = x.reshape(x.shape[0], -1)
        elif op == "unflatten": x = x.reshape((x.shape[0],) + tuple(spec["shape"]))
        else: raise ValueError(op)
    return x


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, a in tensors.items():
        a = np.asarray(a, dtype=np.int64 if a.dtype == np.int64 else np.float32)  # keeps rank 0 (ascontiguousarray would not)
        blob = a.astype("<i8" if a.dtype == np.int64 else "<f4").tobytes()
        header[name] = {"dtype": "I64" if a.dtype == np.int64 else "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob); offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def state(prefix, ops, ps):
    return {f"{prefix}.{i}.{k}": v for i, p in enumerate(ps) for k, v in p.items()}


def vae_fixture(out):
    enc = [{"op": "conv2d", "in": 1, "out": 4, "kernel": 3, "stride": 2, "padding": 1},
           {"op": "batch_norm2d", "features": 4}, {"op": "leaky_relu", "slope": 0.1}, {"op": "flatten"},
           {"op": "linear", "in": 64, "out": 16}, {"op": "tanh"}]
    dec = [{"op": "linear", "in": 3, "out": 32}, {"op": "relu"}, {"op": "unflatten", "shape": [2, 4, 4]},
           {"op": "conv_transpose2d", "in": 2, "out": 3, "kernel": 4, "stride": 2, "padding": 1},
           {"op": "batch_norm2d", "features": 3}, {"op": "relu"},
           {"op": "conv2d", "in": 3, "out": 1, "kernel": 3, "stride": 1, "padding": 1}, {"op": "sigmoid"}]
    pe, pd = [params(s) for s in enc], [params(s) for s in dec]
    heads = {n: params({"op": "linear", "in": 16, "out": 3}) for n in ("fc_mu", "fc_logvar")}
    x = rng.uniform(0, 1, (2, 1, 8, 8))
    z = rng.normal(0, 1, (2, 3))
    h = run(enc, pe, x)
    mu, logvar = (h @ heads[n]["weight"].T + heads[n]["bias"] for n in ("fc_mu", "fc_logvar"))
    img = run(dec, pd, z)
    tensors = {**state("encoder", enc, pe), **{f"{n}.{k}": v for n, p in heads.items() for k, v in p.items()},
               **state("decoder", dec, pd)}
    config = {"format": "latent-explorer-model", "version": 1, "kind": "vae", "input_shape": [1, 8, 8],
              "latent_dim": 3, "encoder": enc, "decoder": dec, "dataset": "numpy fixture"}
    write_safetensors(os.path.join(out, "pytorch-layout-vae.safetensors"), tensors, {"format": "pt", "config": json.dumps(config)})
    # inputs and expected outputs, flattened into one float32 vector: x, z, mu, logvar, decoded image
    np.save(os.path.join(out, "pytorch-layout-vae-expected.npy"),
            np.concatenate([a.ravel() for a in (x, z, mu, logvar, img)]).astype(np.float32))


def vq_fixture(out):
    enc = [{"op": "conv2d", "in": 1, "out": 4, "kernel": 4, "stride": 2, "padding": 1}, {"op": "relu"},
           {"op": "conv2d", "in": 4, "out": 3, "kernel": 1}]
    dec = [{"op": "conv_transpose2d", "in": 3, "out": 4, "kernel": 4, "stride": 2, "padding": 1}, {"op": "relu"},
           {"op": "conv2d", "in": 4, "out": 1, "kernel": 1}, {"op": "sigmoid"}]
    pe, pd = [params(s) for s in enc], [params(s) for s in dec]
    codebook = rng.normal(0, 0.5, (5, 3))
    x = rng.uniform(0, 1, (1, 1, 8, 8))
    ze = run(enc, pe, x)                                            # (1, 3, 4, 4)
    vectors = ze.transpose(0, 2, 3, 1).reshape(-1, 3)               # raster order
    codes = np.argmin(((vectors[:, None, :] - codebook[None]) ** 2).sum(-1), axis=1)
    given = rng.integers(0, 5, 16)
    zq = codebook[given].reshape(1, 4, 4, 3).transpose(0, 3, 1, 2)
    img = run(dec, pd, zq)
    tensors = {**state("encoder", enc, pe), "codebook.weight": codebook, **state("decoder", dec, pd)}
    config = {"format": "latent-explorer-model", "version": 1, "kind": "vqvae", "input_shape": [1, 8, 8],
              "codebook": {"size": 5, "dim": 3}, "encoder": enc, "decoder": dec}
    write_safetensors(os.path.join(out, "pytorch-layout-vqvae.safetensors"), tensors, {"format": "pt", "config": json.dumps(config)})
    np.save(os.path.join(out, "pytorch-layout-vqvae-expected.npy"),
            np.concatenate([a.ravel() for a in (x, codes, given, img)]).astype(np.float32))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "LatentNNTests", "Fixtures"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    vae_fixture(args.out)
    vq_fixture(args.out)
    print("wrote", sorted(f for f in os.listdir(args.out) if f.startswith("pytorch-layout")))
