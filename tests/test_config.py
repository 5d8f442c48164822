"""DatasetConfig: defaults, keyword overrides, and clear errors for bad values."""

import math

import pytest

import mnist1d
from mnist1d import DatasetConfig


def test_defaults_are_the_published_ones():
    cfg = DatasetConfig()
    assert (cfg.num_samples, cfg.train_split, cfg.template_len, cfg.padding) == (5000, 0.8, 12, (36, 60))
    assert (cfg.scale_coeff, cfg.max_translation, cfg.corr_noise_scale) == (0.4, 48, 0.25)
    assert (cfg.iid_noise_scale, cfg.shear_scale, cfg.shuffle_seq) == (0.02, 0.75, False)
    assert (cfg.final_seq_length, cfg.seed) == (40, 42)


def test_frozen():
    with pytest.raises(AttributeError):
        DatasetConfig().seed = 1


def test_keyword_overrides():
    data = mnist1d.make_dataset(num_samples=300, seed=0, final_seq_length=25)
    assert data["x"].shape == (240, 25) and data["x_test"].shape == (60, 25)


@pytest.mark.parametrize("field, value, message", [
    ("num_samples", 0, r"num_samples must be an integer >= 10, got 0"),
    ("num_samples", -5, r"num_samples must be an integer >= 10, got -5"),
    ("num_samples", 2.5, r"num_samples must be an integer"),
    ("train_split", 0.0, r"train_split must be a real number in the open interval \(0, 1\), got 0.0"),
    ("train_split", 1.0, r"train_split must be a real number in the open interval \(0, 1\)"),
    ("train_split", math.nan, r"train_split must be a real number in the open interval \(0, 1\), got nan"),
    ("padding", (60, 36), r"padding must satisfy padding\[0\] <= padding\[1\], got \(60, 36\)"),
    ("padding", (-1, 5), r"padding\[0\] must be an integer >= 0, got -1"),
    ("padding", 5, r"padding must be a pair"),
    ("max_translation", 0, r"max_translation must be an integer >= 1, got 0"),
    ("max_translation", 73, r"max_translation must be in \[1, template_len \+ padding\[1\]\] = \[1, 72\]"),
    ("final_seq_length", 1, r"final_seq_length must be an integer >= 2, got 1"),
    ("scale_coeff", math.inf, r"scale_coeff must be a real number in \[0, 2\), got inf"),
    ("scale_coeff", 2.0, r"scale_coeff must be a real number in \[0, 2\), got 2.0"),
    ("corr_noise_scale", -0.1, r"corr_noise_scale must be a real number in \[0, inf\), got -0.1"),
    ("iid_noise_scale", math.nan, r"iid_noise_scale must be a real number in \[0, inf\), got nan"),
    ("shear_scale", "big", r"shear_scale must be a real number"),
    ("seed", -1, r"seed must be an integer in \[0, 4294967295\], got -1"),
    ("seed", 2**32, r"seed must be an integer in \[0, 4294967295\]"),
    ("template_len", 0, r"template_len must be an integer >= 1, got 0"),
    ("shuffle_seq", "yes", r"shuffle_seq must be True or False"),
])
def test_bad_values_name_the_field_and_range(field, value, message):
    with pytest.raises(ValueError, match=message):
        DatasetConfig(**{field: value})
    with pytest.raises(ValueError, match=message):  # the same check guards make_dataset's keywords
        mnist1d.make_dataset(**{field: value})


def test_empty_split_is_rejected():
    with pytest.raises(ValueError, match="both must be non-empty"):
        DatasetConfig(num_samples=10, train_split=0.05)


def test_unknown_parameter_is_rejected():
    with pytest.raises(ValueError, match=r"unknown dataset parameter\(s\) \['num_sample'\]"):
        mnist1d.make_dataset(num_sample=100)


def test_from_args_accepts_objects_dicts_and_configs():
    import types
    assert DatasetConfig.from_args({"seed": 3}).seed == 3
    assert DatasetConfig.from_args(types.SimpleNamespace(seed=4)).seed == 4
    assert DatasetConfig.from_args(DatasetConfig(seed=5), num_samples=100).num_samples == 100


def test_digest_keys_every_field():
    base = DatasetConfig()
    changed = [base.replace(seed=1), base.replace(shuffle_seq=True), base.replace(padding=(30, 60)),
               base.replace(iid_noise_scale=0.03), base.replace(num_samples=5010)]
    digests = {cfg.digest() for cfg in changed} | {base.digest()}
    assert len(digests) == len(changed) + 1
