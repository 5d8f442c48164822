"""Differential tests against the original package (PyPI ``mnist1d==0.0.2.post1``).

For any valid config our generator equals the original; and client code
written for the original (call sequences of ``mnist1d.data.get_dataset`` and
friends, see ``tools/client_calls.py``) gets the same arrays, the same file at
``path`` and the same global random state afterwards.

The original implementation runs in a
subprocess with its own install folder (see ``tools/reference.py``). This test
never skips: if the reference cannot be installed, it fails.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mnist1d
from tools import client_calls
from tools.reference import ReferenceWorker

TOL = 1e-12


@pytest.fixture(scope="module")
def reference():
    with ReferenceWorker() as worker:
        yield worker


@st.composite
def configs(draw):
    low = draw(st.integers(0, 70))
    config = {
        "num_samples": draw(st.integers(10, 1500)),
        "train_split": draw(st.floats(0.05, 0.95)),
        "template_len": draw(st.integers(1, 40)),
        "padding": [low, draw(st.integers(low, low + 40))],
        "scale_coeff": draw(st.floats(0, 1.9)),
        "max_translation": draw(st.integers(1, 120)),
        "corr_noise_scale": draw(st.floats(0, 1)),
        "iid_noise_scale": draw(st.floats(1e-3, 0.5)),  # zero noise: see test_noise_free_configs
        "shear_scale": draw(st.floats(0, 2)),
        "shuffle_seq": draw(st.booleans()),
        "final_seq_length": draw(st.integers(2, 100)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }
    n = 10 * (config["num_samples"] // 10)
    if config["template_len"] + config["padding"][1] < 2:  # DatasetConfig rejects a 1-point dilation
        config["template_len"] = 2
    if config["max_translation"] > config["template_len"] + config["padding"][1]:  # rejected too
        config["max_translation"] = config["template_len"] + config["padding"][1]
    if not 0 < int(n * config["train_split"]) < n:  # DatasetConfig rejects an empty split
        config["train_split"] = 0.5
    return config


def assert_same(ours, theirs):
    for key in ("y", "y_test"):
        np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)
    for key in ("x", "x_test", "t"):
        assert ours[key].shape == theirs[key].shape, key
        np.testing.assert_allclose(ours[key], theirs[key], rtol=0, atol=TOL, err_msg=key)
    for key in ("x", "t", "y"):
        np.testing.assert_array_equal(ours["templates"][key], theirs["templates_" + key])


def test_default_config_matches_reference(reference):
    theirs, _ = reference.make_dataset({})
    ours = mnist1d.make_dataset()
    assert_same(ours, theirs)
    assert np.array_equal(ours["t"], theirs["t"])  # the coordinates agree to the last bit


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(config=configs())
def test_random_configs_match_reference(reference, config):
    theirs, _ = reference.make_dataset(config)
    ours = mnist1d.make_dataset(**config)
    assert_same(ours, theirs)


@pytest.mark.parametrize("config", [
    {"iid_noise_scale": 0.0},
    {"iid_noise_scale": 0.0, "corr_noise_scale": 0.0},
    {"iid_noise_scale": 0.0, "corr_noise_scale": 0.0, "shear_scale": 0.0, "num_samples": 700},
    {"iid_noise_scale": 0.0, "scale_coeff": 0.0, "max_translation": 1, "num_samples": 700, "seed": 7},
])
def test_noise_free_configs(reference, config):
    theirs, _ = reference.make_dataset(config)
    assert_same(mnist1d.make_dataset(**config), theirs)


def test_constant_signals_are_rejected():
    with pytest.raises(ValueError, match="constant"):
        mnist1d.make_dataset(num_samples=10, template_len=2, padding=(0, 0), scale_coeff=0, max_translation=1,
                             corr_noise_scale=0, iid_noise_scale=0, shear_scale=0, final_seq_length=2)


# --- the original's API, called the way clients call it --------------------------------------

def test_every_public_name_of_the_original_exists_with_the_same_signature(reference):
    theirs = reference.public_names()
    ours = client_calls.public_names()
    assert set(theirs) == {"mnist1d", "mnist1d.data", "mnist1d.utils", "mnist1d.transform"}
    for module, names in theirs.items():
        assert names, module
        for name, signature in names.items():
            assert ours[module].get(name) == signature, f"{module}.{name}"


def get(path="mnist1d_data.pkl", download=False, regenerate=False, compare="all", **args):
    """A ``get_dataset`` step; ``compare="state"``: the original returns wrong data here (a stale
    or foreign file), so only the global random state is compared."""
    return {"op": "get_dataset", "path": path, "args": args, "compare": compare,
            "kwargs": {"download": download, "regenerate": regenerate}}


DRAWS = {"op": "client_draws"}
SMALL = {"num_samples": 600, "seed": 3}

SEQUENCES = {
    # the Understanding Deep Learning notebooks: generate on the first run, load on the next
    "udl_notebook": [get(), DRAWS, get(), DRAWS],
    "default_path": [get(path=None, **SMALL), DRAWS, get(path=None, **SMALL), DRAWS],
    "regenerate_over_a_file": [get(**SMALL), DRAWS, get(regenerate=True, **SMALL), DRAWS,
                               get(regenerate=True, **SMALL, shuffle_seq=True)],
    "variants": [get(path="a.pkl", num_samples=730, seed=0, shuffle_seq=True, final_seq_length=50),
                 get(path="b.pkl", **SMALL, train_split=1.0), DRAWS,
                 get(path="c.pkl", **SMALL, train_split=0.0),
                 get(path="d.pkl", **SMALL, device="cpu"),
                 {**get(path="e.pkl", **SMALL), "template": "scaled"},
                 {"op": "make_dataset", "args": {**SMALL, "padding": [20, 30], "max_translation": 30}}, DRAWS],
    # the original downloads the published file (the worker serves it offline); we generate it
    "download": [get(download=True), DRAWS, get(download=True), DRAWS],
    "files_the_original_cannot_load": [
        {"op": "write", "path": "g.pkl", "content": "garbage"}, get(path="g.pkl", **SMALL), DRAWS,
        {"op": "write", "path": "e.pkl", "content": "empty"}, get(path="e.pkl", **SMALL), DRAWS,
        get(path="t.pkl", **SMALL), {"op": "write", "path": "t.pkl", "content": "truncate"},
        get(path="t.pkl", **SMALL), DRAWS],
    "files_the_original_returns_wrongly": [
        get(**SMALL), DRAWS, get(compare="state", **{**SMALL, "seed": 4}), DRAWS,
        {"op": "write", "path": "o.pkl", "content": "other_pickle"}, get(path="o.pkl", compare="state", **SMALL),
        DRAWS],
    "transform_module": [{"op": "transforms", "seed": 3}, {"op": "transforms", "seed": 11}],
}


def assert_same_state(ours, theirs, where):
    assert ours["random_state"] == theirs["random_state"], f"random state after {where}"
    assert ours["numpy_state"][0] == theirs["numpy_state"][0]
    assert np.array_equal(ours["numpy_state"][1], theirs["numpy_state"][1]), f"np.random state after {where}"
    assert ours["numpy_state"][2:] == theirs["numpy_state"][2:], f"np.random state after {where}"


def assert_same_arrays(ours, theirs, where):
    assert sorted(ours) == sorted(theirs), where
    for key in ours:
        assert ours[key].dtype == theirs[key].dtype and ours[key].shape == theirs[key].shape, f"{where}: {key}"
        assert np.array_equal(ours[key], theirs[key]), f"{where}: {key}"


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_client_call_sequences_match_the_reference(reference, tmp_path, name):
    steps = SEQUENCES[name]
    theirs = reference.run_sequence(steps)
    ours = client_calls.normalise(client_calls.run_sequence(steps, tmp_path))
    for i, (step, mine, ref) in enumerate(zip(steps, ours, theirs)):
        where = f"step {i} of {name} ({step['op']})"
        assert_same_state(mine, ref, where)
        if step.get("compare", "all") == "state":
            assert mine["error"] is None and mine["file"]["keys"] is not None, where
            continue
        assert mine["error"] == ref["error"] is None, where
        assert mine["keys"] == ref["keys"], where
        assert_same_arrays(mine["arrays"], ref["arrays"], where)
        if step["op"] == "get_dataset":  # the file at path: a plain pickle with the same content and bytes
            assert mine["file"]["keys"] == ref["file"]["keys"] == mine["keys"], where
            assert_same_arrays(mine["file"]["arrays"], ref["file"]["arrays"], where + ", file")
            assert mine["file"]["sha256"] == ref["file"]["sha256"], where + ", file bytes"


def test_where_the_original_returns_a_wrong_file_we_return_the_right_data(reference, tmp_path):
    steps = SEQUENCES["files_the_original_returns_wrongly"]
    ours = client_calls.normalise(client_calls.run_sequence(steps, tmp_path))
    stale, foreign = ours[2], ours[5]
    for record, seed in ((stale, 4), (foreign, 3)):
        right = mnist1d.make_dataset(num_samples=600, seed=seed)
        assert np.array_equal(record["arrays"]["x"], right["x"]) and record["warnings"] == ["CacheWarning"]
        assert np.array_equal(record["file"]["arrays"]["x"], right["x"])  # the file was rewritten
