#!/usr/bin/env python3
"""The PyTorch reference for a shipped VAE: the same architecture — `--arch mlp` (784-512-256-z, ReLU,
sigmoid output) or `--arch conv` (Conv(C→32,4,s2)–Conv(32→64,4,s2)–flatten → z, mirrored with
transposed convolutions, sigmoid), as `latent train vae --arch` builds them —, loss (summed BCE + KL),
optimiser (Adam 1e-3, batch 128) and epochs, trained on the same shipped split, evaluated on the same
held-out images with the figures `latent eval` prints (neg_elbo with one z sample, bce, kl, mse_at_mu,
active units, 10-NN accuracy of μ). Weights/README.md puts its numbers beside ours.

PyTorch installs offline from the machine's wheel folder (see the guide):
    python3 -m venv ~/tv && ~/tv/bin/pip install "torch==2.13.0+cpu"
Usage: ~/tv/bin/python scripts/train_pytorch_reference.py --data fashion-mnist --latent-dim 10 [--epochs 50] [--seed 0]
       ~/tv/bin/python scripts/train_pytorch_reference.py --data emoji --arch conv --latent-dim 32 --epochs 60
"""
import argparse, gzip, os, struct, time
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


def read_idx(path):
    data = gzip.decompress(open(path, "rb").read())
    ndim = data[3]
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(folder, name, split):
    """Images as (N, C, H, W) in [0, 1] (colour sets are stored channels last, as idx4) and labels."""
    rank = 4 if os.path.exists(os.path.join(folder, f"{name}-{split}-images-idx4-ubyte.gz")) else 3
    x = read_idx(os.path.join(folder, f"{name}-{split}-images-idx{rank}-ubyte.gz")).astype(np.float32) / 255
    x = x.transpose(0, 3, 1, 2) if rank == 4 else x[:, None]
    y = read_idx(os.path.join(folder, f"{name}-{split}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.tensor(np.ascontiguousarray(x)), y


class VAE(nn.Module):
    """The decoder ends in logits (the sigmoid is in the loss and in the figures)."""

    def __init__(self, z, shape, arch):
        super().__init__()
        c, h, w = shape
        if arch == "mlp":
            self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU())
            features = 256
            self.decoder = nn.Sequential(nn.Linear(z, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, c * h * w),
                                         nn.Unflatten(1, shape))
        else:
            self.encoder = nn.Sequential(nn.Conv2d(c, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Flatten())
            features = 64 * (h // 4) * (w // 4)
            self.decoder = nn.Sequential(nn.Linear(z, features), nn.ReLU(), nn.Unflatten(1, (64, h // 4, w // 4)),
                                         nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, c, 4, 2, 1))
        self.mu, self.logvar = nn.Linear(features, z), nn.Linear(features, z)

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)


def evaluate(model, x, y, generator):
    model.eval()
    with torch.no_grad():
        mu, logvar = model.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator)
        bce = F.binary_cross_entropy_with_logits(model.decoder(z), x, reduction="sum").item() / len(x)
        kl = (-0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())).item() / len(x)
        mse = torch.mean((torch.sigmoid(model.decoder(mu)) - x) ** 2).item()
        active = int((mu.var(dim=0, unbiased=False) > 0.01).sum())
        m = mu.numpy().astype(np.float64)
        d = ((m[:, None, :] - m[None, :, :]) ** 2).sum(-1)
        np.fill_diagonal(d, np.inf)
        nearest = np.argsort(d, axis=1)[:, :10]
        votes = [np.bincount(y[row], minlength=10) for row in nearest]
        knn = float(np.mean([np.argmax(v) == t for v, t in zip(votes, y)]))
    model.train()
    return {"neg_elbo": bce + kl, "bce": bce, "kl": kl, "mse_at_mu": mse, "active_units": active, "knn10_accuracy": knn}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="mnist")
    ap.add_argument("--folder", default="Weights/data")
    ap.add_argument("--latent-dim", type=int, default=10)
    ap.add_argument("--arch", choices=["mlp", "conv"], default="mlp")
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save", help="write the trained weights as a model file, with the config of --like")
    ap.add_argument("--like", help="one of our model files of the same architecture (its config is copied)")
    ap.add_argument("--save-init", help="also write the initial (untrained) weights as a model file, with the config of --like")
    ap.add_argument("--init", help="start from the weights of one of our model files (e.g. written by latent train --epochs 1)")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    x, _ = load(args.folder, args.data, "train")
    hx, hy = load(args.folder, args.data, "heldout")
    model = VAE(args.latent_dim, tuple(x.shape[1:]), args.arch)
    if args.init:
        load_ours(model, args.init)
    if args.save_init and args.like:
        save_like(model, args.like, args.save_init)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.time()
    for epoch in range(args.epochs):
        for idx in torch.randperm(len(x)).split(128):
            xb = x[idx]
            mu, logvar = model.encode(xb)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            bce = F.binary_cross_entropy_with_logits(model.decoder(z), xb, reduction="sum")
            kl = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())
            loss = (bce + kl) / len(xb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.time() - start
    figures = evaluate(model, hx, hy, torch.Generator().manual_seed(args.seed))
    print(f"PyTorch {torch.__version__}, {args.data}, {args.arch}, z={args.latent_dim}, {args.epochs} epochs, seed {args.seed}, "
          f"{args.threads} threads: {seconds:.1f} s ({args.epochs * len(x) / seconds:.0f} img/s)")
    print("  " + "  ".join(f"{k} {v:.4g}" for k, v in figures.items()))
    if args.save and args.like:
        save_like(model, args.like, args.save)


def load_ours(model, path):
    """Weights from one of our model files (the names save_like writes)."""
    import json
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    state = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        key = name[3:] if name.startswith("fc_") else name
        state[key] = torch.tensor(np.frombuffer(blob[start:end], "<f4").reshape(entry["shape"]).copy())
    model.load_state_dict(state)


def save_like(model, like, path):
    """The weights in our file format (PyTorch names: ours follow them; fc_mu/fc_logvar for the heads),
    so `latent eval` scores PyTorch's model with the same code as ours."""
    import json
    with open(like, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        metadata = json.loads(f.read(n))["__metadata__"]
    tensors = {("fc_" + k if k.split(".")[0] in ("mu", "logvar") else k): v.detach().numpy().astype("<f4")
               for k, v in model.state_dict().items()}
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name in sorted(tensors):
        data = tensors[name].tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


if __name__ == "__main__":
    main()
