#!/usr/bin/env python3
"""Build Tests/LatentNNTests/Fixtures/pytorch-vq-step.safetensors: one training step of a small VQ-VAE
with a residual block, computed by PyTorch (the reference trainer's model and loss,
`scripts/train_pytorch_vq_reference.py`), for the Swift test that checks `latent train`'s VQ-VAE step —
straight-through estimator, codebook and commitment terms, every layer's backward — against it.

Tensors: `input` (4, 3, 8, 8); `param.<name>` the initial weights and `grad.<name>` their gradients after
one backward pass of MSE(x̂, x) + ‖sg(z_e) − e‖² + 0.25‖z_e − sg(e)‖²; `codes` the 4·2·2 nearest codes
(as floats); `terms` [mse, ‖z_e − e‖² mean]. The codebook is spread over ±0.5 and the seed chosen so that
no grid vector is near a tie between two codes (a tie would make the codes depend on rounding) and every
gradient is nonzero (a zero one would check nothing).

Usage: ~/tv/bin/python scripts/make_vq_step_fixture.py [--out Tests/LatentNNTests/Fixtures]
"""
import argparse, os, sys
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_pytorch_layout_fixtures import write_safetensors
from train_pytorch_vq_reference import VQVAE


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="Tests/LatentNNTests/Fixtures")
    args = ap.parse_args()
    for seed in range(100):  # the first seed whose assignments are clear of ties and whose gradients are all nonzero
        torch.manual_seed(seed)
        model = VQVAE(3, 8, 4, blocks=1, channels=(4, 8), hidden=4)
        with torch.no_grad():
            model.codebook.weight.uniform_(-0.5, 0.5)
        x = torch.rand(4, 3, 8, 8)
        params = {name: p.detach().clone() for name, p in model.named_parameters()}
        loss, mse, distortion, flat, codes = model.loss(x)
        d = torch.cdist(flat, model.codebook.weight).sort(1).values
        margin = (d[:, 1] - d[:, 0]).min().item()
        loss.backward()
        if margin > 1e-3 and all(p.grad.abs().max() > 0 for p in model.parameters()):
            break

    tensors = {"input": x.numpy(), "codes": codes.numpy().astype(np.float32),
               "terms": np.array([mse.item(), distortion.item()], np.float32)}
    for name, p in model.named_parameters():
        tensors["param." + name] = params[name].numpy()
        tensors["grad." + name] = p.grad.numpy()
    path = os.path.join(args.out, "pytorch-vq-step.safetensors")
    write_safetensors(path, tensors, {"format": "pt", "source": f"PyTorch {torch.__version__}, scripts/make_vq_step_fixture.py, seed {seed}"})
    print(f"{path}: {sum(t.size for t in tensors.values())} floats, seed {seed}, smallest tie margin {margin:.4f}")


if __name__ == "__main__":
    main()
