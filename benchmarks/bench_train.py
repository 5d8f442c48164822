"""Training speed: this trainer against an earlier release of it and against a plain PyTorch loop, in one run.

    python benchmarks/bench_train.py                       # 300 steps, ensembles of 6, against release 0.5.3
    python benchmarks/bench_train.py --steps 1000 --copies 12 --baseline v0.2.0

For each baseline model (logistic regression, MLP, CNN, GRU), for
chapter 5's padded MLPs (``padded``: copies of widths 8 to 64, each padded to
64 and trained as one stack) and for chapter 8's pooling CNNs (``pooling``:
copy ``i`` downsamples the ``i % 5``-th way of ``POOLINGS``, one stack per
way), it measures training speed in model-copy steps per second (batch 100,
Adam), three ways:

- a plain loop: one ``nn.Module``, random mini-batches, ``loss.backward()``,
  ``opt.step()``, the way the original notebooks train (for the GRU, the
  textbook ``torch.nn.GRU`` in :class:`mnist1d.models.TorchGRU`; for
  ``padded``, one unpadded MLP of width 64; for ``pooling``, one
  ``PoolingCNN("max")``);
- ``train_ensemble`` of the release ``--baseline`` (a git tag or commit of this
  repository; its ``mnist1d/`` is extracted with ``git archive`` into a
  temporary folder), S copies at once;
- ``train_ensemble`` of the working tree, S copies at once.

and prints the working tree's speed as a ratio against each. Each column
(plain loop, release, working tree) is measured in its own fresh process,
one after another (never two at once), every model in turn, each the best of
``--repeats``. An ensemble's time includes ``train_ensemble``'s set-up and its
one evaluation after the last step, which the plain loop does not do, so at
few steps the ratio against the plain loop is a lower bound. Ratios move with
the host: compare ratios, not steps per second, between machines.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ("logistic", "mlp", "cnn", "gru", "padded", "pooling")
PADDED_WIDTH = 64  # "padded": chapter 5's setting, MLPs of several widths padded to one and trained as one stack


def child(args):
    """Measure in this process, with the package to measure first on ``sys.path``; print the report as JSON.

    Imports happen here, never at the top: each child imports the mnist1d its PYTHONPATH names.
    """
    import torch

    import mnist1d
    from mnist1d.models import POOLINGS, PaddedMLP, PoolingCNN, TorchGRU, build
    from mnist1d.train import train_ensemble

    data = mnist1d.make_dataset()
    x_all, y_all = torch.as_tensor(data["x"], dtype=torch.float32), torch.as_tensor(data["y"])

    def plain_loop(name, steps):  # one model, the textbook way
        if name == "padded":
            model = build(PaddedMLP, seed=0, width=PADDED_WIDTH)
        elif name == "pooling":
            model = build(PoolingCNN, seed=0, pooling="max")
        else:
            model = build(TorchGRU if name == "gru" else name, seed=0)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        generator = torch.Generator().manual_seed(0)
        for _ in range(steps):
            index = torch.randint(0, len(y_all), (100,), generator=generator)
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x_all[index]), y_all[index]).backward()
            opt.step()

    def ensemble(name, steps):
        if name == "padded":  # widths spread evenly over 8..64, all stored at 64
            widths = [round(8 + (PADDED_WIDTH - 8) * i / max(1, args.copies - 1)) for i in range(args.copies)]
            name = [build(PaddedMLP, seed=i, width=w, padded_width=PADDED_WIDTH) for i, w in enumerate(widths)]
        elif name == "pooling":  # chapter 8: the five ways to downsample, side by side
            name = [build(PoolingCNN, seed=i, pooling=POOLINGS[i % len(POOLINGS)]) for i in range(args.copies)]
        train_ensemble(name, data, seeds=range(args.copies), steps=steps, eval_every=steps, progress=False)

    run, per_call = (plain_loop, 1) if args.child == "plain" else (ensemble, args.copies)
    speeds = {}
    for name in args.models:
        run(name, 20)  # warm-up
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            run(name, args.steps)
            best = min(best, time.perf_counter() - start)
        speeds[name] = args.steps * per_call / best
    print(json.dumps({"speeds": speeds, "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "package": mnist1d.__file__}))


def measure(package_root, args, plain=False):
    """Copy-steps per second of each model, measured in a fresh process that imports ``package_root``'s mnist1d."""
    env = dict(os.environ, PYTHONPATH=str(package_root))
    result = subprocess.run([sys.executable, __file__, "--child", "plain" if plain else "ensemble",
                             "--steps", str(args.steps), "--copies", str(args.copies), "--repeats", str(args.repeats),
                             "--models", *args.models], env=env, cwd=package_root, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"measuring {package_root} failed:\n{result.stderr}")
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise SystemExit(f"measuring {package_root} printed nothing:\n{result.stderr}")
    report = json.loads(lines[-1])
    if Path(report["package"]).resolve().parent.parent != Path(package_root).resolve():
        raise SystemExit(f"expected the package under {package_root}, imported {report['package']}")
    return report


# The release compared against by default, 0.5.3, named by its commit: tags do not travel with every copy of
# the repository, commits do (a clone without history, such as CI's, needs `git fetch --unshallow` first).
DEFAULT_BASELINE = "9e097ca8e66780a764d986cfd3835768994e79b8"


def extract_release(ref, folder):
    """Write ``ref``'s ``mnist1d/`` (a tag or commit of this repository) into ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "mnist1d"], capture_output=True)
    if archive.returncode != 0:
        raise SystemExit(f"--baseline {ref!r} is not a tag or commit of this repository (in a shallow clone, run "
                         f"`git fetch --unshallow --tags` first): {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    if not (Path(folder) / "mnist1d" / "train.py").exists():
        raise SystemExit(f"--baseline {ref!r} has no mnist1d/train.py to compare against")


def positive(text):
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer of at least 1, got {text}")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=positive, default=300, help="optimisation steps per measurement")
    parser.add_argument("--copies", type=positive, default=6, help="ensemble size S")
    parser.add_argument("--repeats", type=positive, default=2, help="best of this many runs")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE,
                        help="git tag or commit to compare against (default: release 0.5.3's commit)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--child", choices=("plain", "ensemble"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    with tempfile.TemporaryDirectory(prefix="mnist1d-baseline-") as folder:
        extract_release(args.baseline, folder)
        plain = measure(ROOT, args, plain=True)
        before = measure(folder, args)
        now = measure(ROOT, args)
    print(f"torch {now['torch']}, {now['threads']} threads, {args.steps} steps, batch 100, "
          f"ensembles of {args.copies}; model-copy steps per second (best of {args.repeats})")
    label = "v0.5.3" if args.baseline == DEFAULT_BASELINE else args.baseline
    if len(label) == 40 and all(c in "0123456789abcdef" for c in label):
        label = label[:10]  # a full commit hash
    wide, ratio = max(17, len(label) + 10), max(13, len(label) + 7)  # columns as wide as their titles
    header = (f"{'model':9s} {'plain loop':>11s} {label + ' ensemble':>{wide}s} {'now ensemble':>13s} "
              f"{'now / ' + label:>{ratio}s} {'now / plain':>12s}")
    print(header)
    for name in args.models:
        p, b, n = plain["speeds"][name], before["speeds"][name], now["speeds"][name]
        print(f"{name:9s} {p:11.0f} {b:{wide}.0f} {n:13.0f} {n / b:{ratio - 1}.2f}x {n / p:11.2f}x")
    print("plain loop: one model, the textbook way (the GRU: torch.nn.GRU); ensembles: train_ensemble, per copy")


if __name__ == "__main__":
    main()
