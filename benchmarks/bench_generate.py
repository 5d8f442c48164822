"""Generation speed: this package vs the original implementation, side by side.

    python benchmarks/bench_generate.py              # 100,000 samples
    python benchmarks/bench_generate.py --num-samples 20000 --repeats 3

Prints both wall times, the speed-up ratio, and the peak resident memory of
generating 1,000,000 samples with this package (in a fresh process). The
original (PyPI ``mnist1d==0.0.2.post1``) is installed aside under ``.cache/``
on first use and run in a subprocess (see ``tools/reference.py``); the time
reported for it is measured inside that process, around its ``make_dataset``.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mnist1d  # noqa: E402
from tools.reference import ReferenceWorker  # noqa: E402

MEMORY_PROBE = ("import resource, mnist1d; mnist1d.make_dataset(num_samples={n}); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")


def best_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=1, help="best of this many runs, each side")
    parser.add_argument("--memory-samples", type=int, default=1_000_000,
                        help="dataset size for the peak-memory measurement (0 to skip)")
    args = parser.parse_args()

    n = args.num_samples
    ours = best_time(lambda: mnist1d.make_dataset(num_samples=n), args.repeats)
    with ReferenceWorker() as reference:
        theirs = min(reference.make_dataset({"num_samples": n})[1] for _ in range(args.repeats))
    print(f"samples           : {n:,}")
    print(f"reference mnist1d : {theirs:8.2f} s")
    print(f"this package      : {ours:8.2f} s")
    print(f"speed-up          : {theirs / ours:8.1f}x")
    if args.memory_samples:
        out = subprocess.run([sys.executable, "-c", MEMORY_PROBE.format(n=args.memory_samples)],
                             capture_output=True, text=True, check=True).stdout
        print(f"peak memory at {args.memory_samples:,} samples: {int(out) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
