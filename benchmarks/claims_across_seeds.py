"""Run chapters at several seeds and print which claims hold, with margins and wall times.

    python benchmarks/claims_across_seeds.py                      # every chapter, seeds 0 1 2
    python benchmarks/claims_across_seeds.py 04 05 --seeds 0 1 2 3
    python benchmarks/claims_across_seeds.py 08 --threads 1       # another thread count: a proxy for another CPU
    python benchmarks/claims_across_seeds.py 08 --set steps=1000  # what a shorter training does to the claims

Each run executes a chapter with papermill at its default parameters except
``seed`` and any ``--set`` (in a temporary folder; the chapter file is not
changed). With ``--set`` the chapter reports its claims without asserting
them, and a claim outside its band is listed, not fatal: that is how to see
what a cheaper setting (fewer steps, fewer seeds) would cost before
proposing it. The claims
cell writes its claims as JSON (``mnist1d.claims`` does so when
``MNIST1D_CLAIMS_JSON`` is set), which this script collects. It prints, per
chapter and seed, the claims that hold, the smallest margin (how far a mean
lies inside its band, in the claim's own unit) and the wall time; then, per
claim, its values across seeds. A claim that fails makes the exit status 1
(without ``--set``).
"""

import argparse
import ast
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import papermill

ROOT = Path(__file__).resolve().parent.parent


def run(chapter, seed, threads, settings=None):
    """Execute ``chapter`` with ``seed`` and ``settings`` (more parameters); return (claims records or None,
    seconds, error text)."""
    with tempfile.TemporaryDirectory(prefix="mnist1d-seeds-") as folder:
        claims_file = Path(folder) / "claims.jsonl"
        env = {"MNIST1D_CLAIMS_JSON": str(claims_file), "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
               "OMP_NUM_THREADS": str(threads), "TQDM_DISABLE": "1"}
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)  # the kernel inherits this process's environment
        start = time.perf_counter()
        error = ""
        try:
            papermill.execute_notebook(str(chapter), str(Path(folder) / chapter.name),
                                       parameters={**(settings or {}), "seed": seed}, kernel_name="python3",
                                       cwd=folder, progress_bar=False)
        except papermill.PapermillExecutionError as err:
            error = f"{err.ename}: {err.evalue}"[:300]
        finally:
            for name, value in saved.items():
                os.environ.pop(name) if value is None else os.environ.__setitem__(name, value)
        seconds = time.perf_counter() - start
        lines = claims_file.read_text().splitlines() if claims_file.exists() else []
        return (json.loads(lines[-1])["claims"] if lines else None), seconds, error


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter number prefixes (default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=2, help="OMP_NUM_THREADS of the kernel (default 2)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                        help="run with this parameter changed (a Python literal: steps=1000, widths=[8, 64]); "
                             "repeatable")
    args = parser.parse_args()
    settings = {}
    for item in args.settings:
        name, _, value = item.partition("=")
        try:
            settings[name.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            parser.error(f"--set takes NAME=VALUE with a Python literal as VALUE, got {item!r}")
        if not name.strip().isidentifier() or name.strip() == "seed":
            parser.error(f"--set needs a parameter name other than seed (use --seeds), got {item!r}")
    chapters = sorted((ROOT / "chapters").glob("*.ipynb"))
    if args.chapters:
        chapters = [c for c in chapters if any(c.name.startswith(prefix) for prefix in args.chapters)]
    if not chapters:
        parser.error(f"no chapter matches {args.chapters}")
    if settings:
        print("parameters changed: " + ", ".join(f"{name}={value!r}" for name, value in settings.items()))
    print(f"{'chapter':38s} {'seed':>4s} {'claims held':>11s} {'min margin':>10s} {'wall s':>7s}", flush=True)
    failed, per_claim = False, {}
    for chapter in chapters:
        for seed in args.seeds:
            records, seconds, error = run(chapter, seed, args.threads, settings)
            if records is None:
                failed = True
                print(f"{chapter.stem:38s} {seed:4d} {'no claims':>11s} {'':>10s} {seconds:7.1f}  {error}", flush=True)
                continue
            held = sum(r["holds"] for r in records)
            failed |= held < len(records) and not settings  # with --set, a claim outside its band is a finding
            smallest = min(records, key=lambda r: r["margin"])
            print(f"{chapter.stem:38s} {seed:4d} {held:>5d} / {len(records):<3d} {smallest['margin']:10.3g} "
                  f"{seconds:7.1f}  (smallest: {smallest['claim']})", flush=True)
            for record in records:
                per_claim.setdefault((chapter.stem, record["claim"]), []).append(record)
    print("\nper claim: mean at each seed [band], smallest margin")
    for (stem, claim), records in per_claim.items():
        band = f"[{records[0]['low']}, {records[0]['high']}]"
        means = ", ".join(f"{r['mean']:.3g}" for r in records)
        print(f"{stem[:2]} {claim[:70]:70s} {means:28s} {band:16s} {min(r['margin'] for r in records):.3g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
