#!/usr/bin/env python3
"""The PyTorch reference for a shipped VQ-VAE: the same architecture as `latent train vqvae`
(Conv(C→32,4,s2)–ReLU–Conv(32→64,4,s2)–ReLU–Conv(64→D,1); the decoder mirrors it with transposed
convolutions and a sigmoid; `--residual-blocks N` as `latent train vqvae --residual-blocks N`), codebook initialised U(±1/K), loss MSE + ‖sg(z_e) − e‖² + β‖z_e − sg(e)‖²
(means over elements) with the straight-through estimator, Adam 1e-3, batch 128, and the same dead-code
restarts (after each epoch but the last five, codes no vector chose move onto random encoder outputs of
the epoch's last batch, plus N(0, 0.01²), their Adam moments reset). Trained on the same shipped split;
prints `latent eval`'s held-out figures (mse, codes used, perplexity).

Usage: ~/tv/bin/python scripts/train_pytorch_vq_reference.py --data emoji --codebook-size 512 --code-dim 16 --epochs 60
"""
import argparse, os, sys, time
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_pytorch_reference import load, load_ours, save_like
from latent_rng import SeededRNG


class Residual(nn.Module):
    """x + Conv1×1(ReLU(Conv3×3(ReLU(x)))), named as `latent train vqvae --residual-blocks` names it."""

    def __init__(self, channels, hidden=32):
        super().__init__()
        self.block = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, hidden, 3, 1, 1), nn.ReLU(), nn.Conv2d(hidden, channels, 1))

    def forward(self, x):
        return x + self.block(x)


class VQVAE(nn.Module):
    def __init__(self, c, k, d, blocks=0, channels=(32, 64), hidden=32):
        super().__init__()
        c1, c2 = channels
        down = [nn.Conv2d(c, c1, 4, 2, 1), nn.ReLU(), nn.Conv2d(c1, c2, 4, 2, 1), nn.ReLU()]
        up = [nn.ConvTranspose2d(c2, c1, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(c1, c, 4, 2, 1), nn.Sigmoid()]
        if blocks == 0:
            self.encoder = nn.Sequential(*down, nn.Conv2d(c2, d, 1))
            self.decoder = nn.Sequential(nn.ConvTranspose2d(d, c2, 1), nn.ReLU(), *up)
        else:
            self.encoder = nn.Sequential(*down, nn.Conv2d(c2, c2, 3, 1, 1), *[Residual(c2, hidden) for _ in range(blocks)], nn.ReLU(), nn.Conv2d(c2, d, 1))
            self.decoder = nn.Sequential(nn.Conv2d(d, c2, 3, 1, 1), *[Residual(c2, hidden) for _ in range(blocks)], nn.ReLU(), *up)
        self.codebook = nn.Embedding(k, d)
        nn.init.uniform_(self.codebook.weight, -1 / k, 1 / k)

    def quantize(self, ze):
        flat = ze.permute(0, 2, 3, 1).reshape(-1, ze.shape[1])
        codes = torch.cdist(flat, self.codebook.weight).argmin(1)
        return flat, codes

    def loss(self, x, beta=0.25, codebook_term=True):
        """MSE(x̂, x) + ‖sg(z_e) − e‖² + β‖z_e − sg(e)‖² (means over elements; no codebook term for an EMA
        codebook) with the straight-through estimator, as `latent train` computes it. Returns the loss, the
        MSE, the mean ‖z_e − e‖², the grid vectors and their codes."""
        ze = self.encoder(x)
        flat, codes = self.quantize(ze)
        e = self.codebook.weight[codes]
        zq = (flat + (e - flat).detach()).reshape(ze.shape[0], ze.shape[2], ze.shape[3], -1).permute(0, 3, 1, 2)
        mse = F.mse_loss(self.decoder(zq), x)
        distortion = F.mse_loss(flat, e.detach())
        loss = mse + (F.mse_loss(e, flat.detach()) if codebook_term else 0) + beta * distortion
        return loss, mse, distortion, flat, codes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="emoji")
    ap.add_argument("--folder", default="Weights/data")
    ap.add_argument("--codebook-size", type=int, default=512)
    ap.add_argument("--code-dim", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--beta", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--latent-rng", nargs="?", const="all", choices=["all", "order", "restarts"],
                    help="draw the batch order and the restarts (or only one of them) from latent's generator "
                         "(seed, stream 1), as latent train does")
    ap.add_argument("--residual-blocks", type=int, default=0)
    ap.add_argument("--init", help="start from the weights of one of our model files (same architecture)")
    ap.add_argument("--save-init", help="write the initial weights as our model file, with the config of --like")
    ap.add_argument("--like", help="one of our model files of the same architecture (its config is copied)")
    ap.add_argument("--save", help="write the trained weights as our model file, with the config of --like")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--no-restart-dead-codes", action="store_true")
    ap.add_argument("--codebook-ema", type=float, default=None,
                    help="codebook by exponential moving averages with this decay (as latent train --codebook-ema)")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    x, _ = load(args.folder, args.data, "train")
    hx, _ = load(args.folder, args.data, "heldout")
    k = args.codebook_size
    model = VQVAE(x.shape[1], k, args.code_dim, args.residual_blocks)
    if args.init:
        load_ours(model, args.init)
    if args.save_init and args.like:
        save_like(model, args.like, args.save_init)
    ema = args.codebook_ema
    if ema:
        model.codebook.weight.requires_grad_(False)
        ema_count = torch.zeros(k)
        ema_w = model.codebook.weight.detach().clone()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    start = time.time()
    ours = SeededRNG(args.seed, stream=1) if args.latent_rng else None
    # With one part only, the other draws from a second copy of the stream, so neither shifts the other.
    ours_order = ours if args.latent_rng in ("all", "order") else None
    ours_restarts = ours if args.latent_rng == "all" else SeededRNG(args.seed, stream=2) if args.latent_rng == "restarts" else None
    order = list(range(len(x)))  # shuffled in place every epoch, as `latent train` does (not reset)
    for epoch in range(1, args.epochs + 1):
        usage = torch.zeros(k, dtype=torch.long)
        if ours_order:
            ours_order.shuffle(order)
            batches = torch.tensor(order).split(args.batch_size)
        else:
            batches = torch.randperm(len(x)).split(args.batch_size)
        for idx in batches:
            loss, _, _, flat, codes = model.loss(x[idx], args.beta, codebook_term=not ema)
            usage += torch.bincount(codes, minlength=k)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if ema:
                with torch.no_grad():
                    n = torch.bincount(codes, minlength=k).float()
                    dw = torch.zeros(k, flat.shape[1]).index_add_(0, codes, flat.detach())
                    ema_count = ema_count * ema + (1 - ema) * n
                    total = ema_count.sum()
                    ema_count = (ema_count + 1e-5) / (total + k * 1e-5) * total
                    ema_w = ema_w * ema + (1 - ema) * dw
                    model.codebook.weight.copy_(ema_w / ema_count[:, None])
            last = flat.detach()
        dead = torch.nonzero(usage == 0).flatten()
        if epoch <= args.epochs - 5 and len(dead) > 0 and not args.no_restart_dead_codes:
            print(f"epoch {epoch}: restarted {len(dead)} codes", file=sys.stderr, flush=True)
            with torch.no_grad():
                if ours_restarts:
                    for code in dead.tolist():
                        row = ours_restarts.next_int(len(last))
                        noise = torch.tensor([ours_restarts.next_normal() for _ in range(last.shape[1])], dtype=torch.float32)
                        model.codebook.weight[code] = last[row] + 0.01 * noise
                else:
                    rows = torch.randint(0, len(last), (len(dead),))
                    model.codebook.weight[dead] = last[rows] + 0.01 * torch.randn(len(dead), last.shape[1])
                if ema:
                    ema_w[dead] = model.codebook.weight[dead]
                    ema_count[dead] = 1
                else:
                    state = opt.state[model.codebook.weight]
                    state["exp_avg"][dead] = 0
                    state["exp_avg_sq"][dead] = 0
    seconds = time.time() - start
    with torch.no_grad():
        ze = model.encoder(hx)
        _, codes = model.quantize(ze)
        zq = model.codebook.weight[codes].reshape(ze.shape[0], ze.shape[2], ze.shape[3], -1).permute(0, 3, 1, 2)
        mse = F.mse_loss(model.decoder(zq), hx).item()
        counts = torch.bincount(codes, minlength=k).double()
        p = counts[counts > 0] / counts.sum()
        perplexity = torch.exp(-(p * p.log()).sum()).item()
    print(f"PyTorch {torch.__version__}, {args.data}, VQ-VAE K={k} D={args.code_dim}, {args.residual_blocks} residual blocks, {args.epochs} epochs, seed {args.seed}: "
          f"{seconds:.1f} s ({args.epochs * len(x) / seconds:.0f} img/s)")
    print(f"  mse {mse:.5g}  codes_used {int((counts > 0).sum())}  perplexity {perplexity:.4g}")
    if args.save and args.like:
        save_like(model, args.like, args.save)


if __name__ == "__main__":
    main()
