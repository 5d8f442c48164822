"""Generation: determinism, no global RNG use, the variants, memory."""

import random
import subprocess
import sys

import numpy as np

import mnist1d
from mnist1d import transforms


def test_same_seed_same_numbers_other_seed_other_numbers():
    a, b = mnist1d.make_dataset(seed=7, num_samples=500), mnist1d.make_dataset(seed=7, num_samples=500)
    c = mnist1d.make_dataset(seed=8, num_samples=500)
    assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["y"], b["y"])
    assert not np.array_equal(a["x"], c["x"])


def test_global_random_state_neither_read_nor_changed():
    np.random.seed(123)
    random.seed(123)
    numpy_before, python_before = np.random.get_state(), random.getstate()
    first = mnist1d.make_dataset(num_samples=200)
    numpy_after, python_after = np.random.get_state(), random.getstate()
    assert numpy_before[0] == numpy_after[0] and np.array_equal(numpy_before[1], numpy_after[1])
    assert numpy_before[2:] == numpy_after[2:] and python_before == python_after
    np.random.seed(999)  # a different global state must not change the data
    assert np.array_equal(mnist1d.make_dataset(num_samples=200)["x"], first["x"])


def test_block_boundaries_do_not_change_the_data(monkeypatch):
    whole = mnist1d.make_dataset(num_samples=1000, seed=1)
    monkeypatch.setattr(mnist1d.generate, "BLOCK_SIZE", 37)
    blocked = mnist1d.make_dataset(num_samples=1000, seed=1)
    assert np.array_equal(whole["x"], blocked["x"]) and np.array_equal(whole["y_test"], blocked["y_test"])


def test_shuffle_seq_permutes_positions_with_one_permutation():
    plain = mnist1d.make_dataset(num_samples=300, seed=2)
    shuffled = mnist1d.make_dataset(num_samples=300, seed=2, shuffle_seq=True)
    assert np.array_equal(plain["y"], shuffled["y"])
    assert not np.allclose(plain["x"], shuffled["x"])
    # every shuffled column is one plain column (the same for all samples)
    columns = [int(np.argmin(np.abs(plain["x"] - shuffled["x"][:, [j]]).sum(0))) for j in range(40)]
    assert sorted(columns) == list(range(40))
    np.testing.assert_allclose(shuffled["x"], plain["x"][:, columns], atol=1e-12)


def test_num_samples_not_multiple_of_ten_rounds_down_per_class():
    data = mnist1d.make_dataset(num_samples=1234)
    assert len(data["y"]) + len(data["y_test"]) == 1230
    assert np.bincount(np.concatenate([data["y"], data["y_test"]])).tolist() == [123] * 10


def test_custom_templates():
    templates = mnist1d.get_templates()
    three = {key: value[:3] for key, value in templates.items() if key != "t"} | {"t": templates["t"]}
    data = mnist1d.make_dataset(num_samples=90, templates=three)
    assert set(np.concatenate([data["y"], data["y_test"]])) == {0, 1, 2}
    eight = {"x": templates["x"][[8]], "t": templates["t"], "y": np.array([8])}  # labels need not be 0..k-1
    only_eights = mnist1d.make_dataset(num_samples=20, templates=eight)
    assert set(only_eights["y"]) == {8}


def test_transforms_match_their_plain_numpy_meaning():
    rng = np.random.default_rng(0)
    signals = rng.normal(size=(5, 72))
    shifts = np.array([0, 1, 5, 47, 71])
    for row, shift, out in zip(signals, shifts, transforms.translate(signals, shifts)):
        assert np.array_equal(out, np.roll(row, shift))
    grid_old, grid_new = np.linspace(0, 1, 72), np.linspace(0, 1, 40)
    expected = np.stack([np.interp(grid_new, grid_old, row) for row in signals])
    np.testing.assert_allclose(transforms.resample(signals, 40), expected, rtol=0, atol=1e-15)
    ramp = np.linspace(-0.5, 0.5, 72)
    np.testing.assert_array_equal(transforms.shear(signals, np.arange(5.0)), signals - np.arange(5.0)[:, None] * ramp)
    padded = transforms.pad(np.zeros(3), 4)
    assert padded.tolist()[:3] == [1e-8] * 3 and padded[3:].tolist() == [0.0] * 4
    filled = transforms.fill_padding(np.array([[0.0, 1.0, 0.0]]), np.array([[7.0, 8.0, 9.0]]))
    assert filled.tolist() == [[7.0, 1.0, 9.0]]


def test_peak_memory_under_one_gigabyte_at_a_million_samples():
    code = ("import resource, mnist1d; d = mnist1d.make_dataset(num_samples=1_000_000); "
            "assert d['x'].shape == (800_000, 40); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak_mib = int(result.stdout.strip()) / 1024
    assert peak_mib < 1024, f"peak resident memory {peak_mib:.0f} MiB"


def test_import_needs_neither_torch_nor_matplotlib():
    code = ("import sys, mnist1d, mnist1d.data; mnist1d.make_dataset(num_samples=100); "
            "bad = [m for m in ('torch', 'matplotlib') if m in sys.modules]; print(bad)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
