"""Command line: ``python -m mnist1d generate --num-samples N --seed S -o out.npz``.

Writes ``.npz`` (arrays x, y, x_test, y_test, t and the config as JSON) or
``.csv`` (one row per sample: split, label, x0..x39).
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from .config import DatasetConfig
from .generate import make_dataset

#: Datasets at least this big show a progress bar (unless --no-progress).
PROGRESS_THRESHOLD = 50_000
FORMATS = (".npz", ".csv")


def build_parser():
    defaults = DatasetConfig()
    parser = argparse.ArgumentParser(prog="python -m mnist1d", description="MNIST-1D tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="generate a dataset and save it",
                              description="Generate MNIST-1D (defaults: the published dataset) "
                                          "and save it as .npz or .csv.")
    gen.add_argument("-o", "--output", required=True, type=Path, help="output file, .npz or .csv")
    gen.add_argument("--num-samples", type=int, default=defaults.num_samples, help="total samples (default %(default)s)")
    gen.add_argument("--seed", type=int, default=defaults.seed, help="random seed (default %(default)s)")
    gen.add_argument("--shuffle-seq", action="store_true", help="permute the spatial axis (the 'shuffled' variant)")
    gen.add_argument("--train-split", type=float, default=defaults.train_split, help="(default %(default)s)")
    gen.add_argument("--template-len", type=int, default=defaults.template_len, help="(default %(default)s)")
    gen.add_argument("--padding", type=int, nargs=2, metavar=("LOW", "HIGH"), default=defaults.padding,
                     help="(default %(default)s)")
    for name in ("scale_coeff", "corr_noise_scale", "iid_noise_scale", "shear_scale"):
        gen.add_argument("--" + name.replace("_", "-"), type=float, default=getattr(defaults, name),
                         help="(default %(default)s)")
    for name in ("max_translation", "final_seq_length"):
        gen.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name),
                         help="(default %(default)s)")
    bar = gen.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show a progress bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.output.suffix not in FORMATS:
        parser.error(f"--output must end in one of {FORMATS}, got {args.output.name!r}")
    values = {name: getattr(args, name) for name in DatasetConfig.__dataclass_fields__}
    try:
        config = DatasetConfig(**values)
    except ValueError as err:
        parser.error(str(err))
    progress = config.num_samples >= PROGRESS_THRESHOLD if args.progress is None else args.progress
    data = make_dataset(config, progress=progress)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if args.output.suffix == ".npz":
        np.savez(args.output, x=data["x"], y=data["y"], x_test=data["x_test"], y_test=data["y_test"],
                 t=data["t"], config=np.array(json.dumps(config.to_dict())))
    else:
        write_csv(args.output, data)
    print(f"wrote {len(data['y'])} train + {len(data['y_test'])} test samples to {args.output}", file=sys.stderr)
    return 0


def write_csv(path, data):
    """One row per sample: split, label, then the signal (full float precision)."""
    columns = ",".join(f"x{i}" for i in range(data["x"].shape[1]))
    with open(path, "w") as handle:
        handle.write(f"split,label,{columns}\n")
        for split, x, y in (("train", data["x"], data["y"]), ("test", data["x_test"], data["y_test"])):
            for label, row in zip(y, x):
                handle.write(f"{split},{label}," + ",".join(map(repr, row.tolist())) + "\n")


if __name__ == "__main__":
    sys.exit(main())
