"""Training speed: the plain trainer vs the ensemble trainer, per model copy.

    python benchmarks/bench_train.py                  # 300 steps, ensembles of 6
    python benchmarks/bench_train.py --steps 1000 --copies 12

For each baseline model it times ``train`` (one model) and ``train_ensemble``
(S copies in one batched computation) on MNIST-1D with batch 100, and prints
steps per second and the speed-up per copy. A last row times a textbook loop
around ``torch.nn.GRU`` (``mnist1d.models.TorchGRU``, the way the original
code trains its GRU), the baseline for this package's GRU.
"""

import argparse
import time

import torch
from torch import nn

import mnist1d
from mnist1d.models import TorchGRU, build
from mnist1d.train import train, train_ensemble


def torch_gru_steps_per_second(data, steps):
    model = build(TorchGRU, seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x = torch.as_tensor(data["x"], dtype=torch.float32)
    y = torch.as_tensor(data["y"])
    start = time.perf_counter()
    for step in range(steps):
        index = torch.randint(0, len(y), (100,))
        opt.zero_grad()
        nn.functional.cross_entropy(model(x[index]), y[index]).backward()
        opt.step()
    return steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--copies", type=int, default=6)
    args = parser.parse_args()
    data = mnist1d.make_dataset()
    common = dict(steps=args.steps, eval_every=args.steps, progress=False)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.steps} steps, batch 100")
    print(f"{'model':10s} {'train() steps/s':>16s} {'ensemble steps/s':>17s} {'per copy':>9s} {'speed-up':>9s}")
    for name in ("logistic", "mlp", "cnn", "gru"):
        train(name, data, **{**common, "steps": 20})  # warm-up
        start = time.perf_counter()
        train(name, data, seed=0, **common)
        single = args.steps / (time.perf_counter() - start)
        start = time.perf_counter()
        train_ensemble(name, data, seeds=range(args.copies), **common)
        together = args.steps / (time.perf_counter() - start)
        per_copy = together * args.copies
        print(f"{name:10s} {single:16.0f} {together:17.1f} {per_copy:9.0f} {per_copy / single:8.1f}x")
    baseline = torch_gru_steps_per_second(data, args.steps)
    print(f"{'nn.GRU':10s} {baseline:16.0f}   (plain loop around torch.nn.GRU: "
          f"{1000 / baseline:.1f} s per 1,000 steps)")


if __name__ == "__main__":
    main()
