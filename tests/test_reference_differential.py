"""Differential test: for any valid config, our generator equals the original.

The original implementation (PyPI ``mnist1d==0.0.2.post1``) runs in a
subprocess with its own install folder (see ``tools/reference.py``). This test
never skips: if the reference cannot be installed, it fails.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mnist1d
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
