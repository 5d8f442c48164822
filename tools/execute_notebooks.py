"""Execute chapters in place, refreshing their stored outputs deterministically.

    python tools/execute_notebooks.py                     # every chapter
    python tools/execute_notebooks.py chapters/01_*.ipynb # some chapters

Each chapter runs top to bottom in a fresh kernel whose working directory is
an empty temporary folder (a chapter may read no file another one wrote).
Outputs are normalised so that re-running an unchanged chapter gives no
diff: no timing metadata, consecutive stream outputs merged, execution
counts 1..n, a fixed hash seed. For each chapter it prints the wall time and
the kernel's peak memory, and exits non-zero if a chapter fails or exceeds
the budgets (5 minutes, 4 GB).

The wall time and peak memory of each chapter that ran are also stored in
``execution.json`` beside it (``chapters/execution.json``: ``{chapter stem:
{"seconds", "peak_mb", "date", "machine"}}``), which the book's scorecard
page reads. The notebooks themselves stay free of timings.
"""

import argparse
import json
import datetime
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from mnist1d.cache import write_atomically

ROOT = Path(__file__).resolve().parent.parent
TIME_BUDGET_S = 300
MEMORY_BUDGET_MB = 4096
# TQDM_DISABLE=1: progress bars help a reader running a chapter, but are never stored in it
# (tqdm reads any non-empty value as true: "0" would disable them too).
KERNEL_ENV = {"PYTHONHASHSEED": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
              "TQDM_DISABLE": "1", "OMP_NUM_THREADS": "2"}
EXECUTION_FILE = "execution.json"


def normalise(nb):
    """Make stored outputs a pure function of the code: drop timings, merge streams."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type != "code":
            continue
        merged = []
        for output in cell.outputs:
            if (output.output_type == "stream" and merged and merged[-1].output_type == "stream"
                    and merged[-1].name == output.name):
                merged[-1].text += output.text
            else:
                merged.append(output)
        for output in merged:
            if output.output_type == "stream":
                output.text = collapse_carriage_returns(output.text)
        cell.outputs = merged
    return nb


def collapse_carriage_returns(text):
    """Keep what a terminal would show: each line's text after its last carriage return.

    Progress bars redraw themselves with ``\r``; storing every redraw would bloat the notebook.
    """
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))


def execute(path, timeout):
    """Execute one notebook in place (called in a child process, see main)."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="mnist1d-chapter-") as workdir:
        env = dict(os.environ, **KERNEL_ENV)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": workdir}}, env=env)
        client.execute(env=env)
    nbformat.write(normalise(nb), path)


def run_child(path, timeout):
    """Execute ``path`` in a child process; return (ok, seconds, peak kernel MB)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--child", str(path), "--timeout", str(timeout)],
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        return False, seconds, 0.0
    return True, seconds, json.loads(result.stdout.strip().splitlines()[-1])["peak_mb"]


def machine():
    """The refreshing machine, in a few words: CPU model and count, operating system."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            model = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} CPUs, {platform.system()} (kernel threads: {KERNEL_ENV['OMP_NUM_THREADS']})"


def record_execution(notebook, seconds, peak_mb, date=None, host=None):
    """Store ``notebook``'s wall time and peak memory in ``execution.json`` beside it; return the entry.

    Other notebooks' entries are kept. The file is replaced atomically (written to a temporary file in the
    same folder, then renamed), so a reader never sees half of it and an interrupted run leaves the old one.
    """
    notebook = Path(notebook)
    target = notebook.parent / EXECUTION_FILE
    entries = {}
    if target.exists():
        try:
            entries = json.loads(target.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{target} is not valid JSON ({err}); fix or delete it") from err
        if not isinstance(entries, dict):
            raise ValueError(f"{target} must hold an object {{chapter: timings}}, got {type(entries).__name__}")
    entry = {"seconds": round(float(seconds), 1), "peak_mb": round(float(peak_mb)),
             "date": date or datetime.date.today().isoformat(), "machine": host or machine()}
    entries[notebook.stem] = entry
    text = json.dumps(dict(sorted(entries.items())), indent=1, ensure_ascii=False) + "\n"
    write_atomically(text.encode("utf-8"), target)
    return entry


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: chapters/*.ipynb")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        execute(args.notebooks[0], args.timeout)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps({"peak_mb": peak_mb}))
        return 0
    notebooks = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    failures, total = [], 0.0
    for path in notebooks:
        ok, seconds, peak_mb = run_child(path, args.timeout)
        total += seconds
        if ok:  # the outputs were refreshed: so are their costs
            record_execution(path, seconds, peak_mb)
        over = []
        if seconds > TIME_BUDGET_S:
            over.append(f"over {TIME_BUDGET_S} s")
        if peak_mb > MEMORY_BUDGET_MB:
            over.append(f"over {MEMORY_BUDGET_MB} MB")
        status = "FAILED" if not ok else ("OVER BUDGET: " + ", ".join(over) if over else "ok")
        print(f"{path.name:45s} {seconds:7.1f} s  peak {peak_mb:6.0f} MB  {status}", flush=True)
        if not ok or over:
            failures.append(path.name)
    print(f"{'total':45s} {total:7.1f} s")
    if failures:
        print("failed or over budget:", ", ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
