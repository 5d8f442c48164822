"""The command line: python -m mnist1d generate."""

import csv
import subprocess
import sys

import numpy as np

import mnist1d


def run(*args):
    return subprocess.run([sys.executable, "-m", "mnist1d", *args], capture_output=True, text=True)


def test_generate_npz(tmp_path):
    out = tmp_path / "d.npz"
    result = run("generate", "--num-samples", "500", "--seed", "3", "--shuffle-seq", "-o", str(out))
    assert result.returncode == 0, result.stderr
    expected = mnist1d.make_dataset(num_samples=500, seed=3, shuffle_seq=True)
    with np.load(out) as npz:
        assert np.array_equal(npz["x"], expected["x"]) and np.array_equal(npz["y_test"], expected["y_test"])


def test_generate_csv_is_lossless(tmp_path):
    out = tmp_path / "d.csv"
    assert run("generate", "--num-samples", "100", "-o", str(out)).returncode == 0
    rows = list(csv.reader(out.open()))
    assert rows[0][:3] == ["split", "label", "x0"] and len(rows) == 101
    expected = mnist1d.make_dataset(num_samples=100)
    assert rows[1][0] == "train" and int(rows[1][1]) == expected["y"][0]
    assert np.array_equal(np.array(rows[1][2:], dtype=float), expected["x"][0])


def test_progress_bar_for_large_datasets(tmp_path):
    result = run("generate", "--num-samples", "50000", "-o", str(tmp_path / "d.npz"))
    assert result.returncode == 0 and "generating MNIST-1D" in result.stderr


def test_help():
    result = run("generate", "--help")
    assert result.returncode == 0 and "--num-samples" in result.stdout and "--shuffle-seq" in result.stdout


def test_bad_arguments_give_clear_errors(tmp_path):
    result = run("generate", "--num-samples", "0", "-o", str(tmp_path / "d.npz"))
    assert result.returncode == 2 and "num_samples must be an integer >= 10, got 0" in result.stderr
    result = run("generate", "-o", str(tmp_path / "d.txt"))
    assert result.returncode == 2 and "--output must end in one of ('.npz', '.csv')" in result.stderr
    result = run("generate", "--seed", "abc", "-o", str(tmp_path / "d.npz"))
    assert result.returncode == 2 and "invalid int value: 'abc'" in result.stderr
