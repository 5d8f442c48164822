"""Run chapters at several seeds and print which claims hold, with margins and wall times.

    python benchmarks/claims_across_seeds.py                      # every chapter, seeds 0 1 2
    python benchmarks/claims_across_seeds.py 04 05 --seeds 0 1 2 3
    python benchmarks/claims_across_seeds.py 08 --threads 1       # another thread count: a proxy for another CPU

Each run executes a chapter with papermill at its default parameters except
``seed`` (in a temporary folder; the chapter file is not changed). The claims
cell writes its claims as JSON (``mnist1d.claims`` does so when
``MNIST1D_CLAIMS_JSON`` is set), which this script collects. It prints, per
chapter and seed, the claims that hold, the smallest margin (how far a mean
lies inside its band, in the claim's own unit) and the wall time; then, per
claim, its values across seeds. A claim that fails makes the exit status 1.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import papermill

ROOT = Path(__file__).resolve().parent.parent


def run(chapter, seed, threads):
    """Execute ``chapter`` with ``seed``; return (claims records or None, seconds, error text)."""
    with tempfile.TemporaryDirectory(prefix="mnist1d-seeds-") as folder:
        claims_file = Path(folder) / "claims.jsonl"
        env = {"MNIST1D_CLAIMS_JSON": str(claims_file), "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
               "OMP_NUM_THREADS": str(threads), "TQDM_DISABLE": "1"}
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)  # the kernel inherits this process's environment
        start = time.perf_counter()
        error = ""
        try:
            papermill.execute_notebook(str(chapter), str(Path(folder) / chapter.name), parameters={"seed": seed},
                                       kernel_name="python3", cwd=folder, progress_bar=False)
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
    args = parser.parse_args()
    chapters = sorted((ROOT / "chapters").glob("*.ipynb"))
    if args.chapters:
        chapters = [c for c in chapters if any(c.name.startswith(prefix) for prefix in args.chapters)]
    if not chapters:
        parser.error(f"no chapter matches {args.chapters}")
    print(f"{'chapter':38s} {'seed':>4s} {'claims held':>11s} {'min margin':>10s} {'wall s':>7s}", flush=True)
    failed, per_claim = False, {}
    for chapter in chapters:
        for seed in args.seeds:
            records, seconds, error = run(chapter, seed, args.threads)
            if records is None:
                failed = True
                print(f"{chapter.stem:38s} {seed:4d} {'no claims':>11s} {'':>10s} {seconds:7.1f}  {error}", flush=True)
                continue
            held = sum(r["holds"] for r in records)
            failed |= held < len(records)
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
