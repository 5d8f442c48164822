"""The modern cache (``cached_dataset``): npz keyed by config hash, atomic, validated, pickle-safe.

The original package's ``get_dataset`` and its pickle file are tested in
``test_compat_and_loaders.py`` and ``test_reference_differential.py``.
"""

import pickle

import numpy as np
import pytest

import mnist1d
from mnist1d import cache
from mnist1d.cache import CacheWarning
from mnist1d.config import DatasetConfig

SMALL = dict(num_samples=200, seed=5)


def small_config(**changes):
    return DatasetConfig(**{**SMALL, **changes})


def get_dataset(config, path=None, regenerate=False):
    return cache.cached_dataset(config, path=path, regenerate=regenerate)


def forbid_generation(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("generated although a valid cache existed")
    monkeypatch.setattr(cache, "make_dataset", fail)


def assert_same_data(a, b):
    for key in ("x", "y", "x_test", "y_test", "t"):
        assert np.array_equal(a[key], b[key]), key


def test_writes_npz_keyed_by_config_and_reads_it_back(tmp_path, monkeypatch):
    path = tmp_path / "mnist1d_data.pkl"
    first = get_dataset(small_config(), path=path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"mnist1d_data-{DatasetConfig(**SMALL).digest()[:16]}.npz"]
    assert not path.exists()  # never a pickle
    forbid_generation(monkeypatch)
    assert_same_data(get_dataset(small_config(), path=path), first)


def test_other_config_gets_its_own_file(tmp_path):
    path = tmp_path / "data.npz"
    a = get_dataset(small_config(), path=path)
    b = get_dataset(small_config(seed=6), path=path)
    assert len(list(tmp_path.glob("*.npz"))) == 2
    assert not np.array_equal(a["x"], b["x"])
    assert_same_data(b, mnist1d.make_dataset(**{**SMALL, "seed": 6}))


def test_corrupted_file_is_regenerated_with_a_warning(tmp_path):
    config = DatasetConfig(**SMALL)
    target = cache.cache_file(config, tmp_path / "d.npz")
    get_dataset(small_config(), path=tmp_path / "d.npz")
    target.write_bytes(target.read_bytes()[:500])  # truncated
    with pytest.warns(CacheWarning, match="not a readable MNIST-1D cache"):
        data = get_dataset(small_config(), path=tmp_path / "d.npz")
    assert_same_data(data, mnist1d.make_dataset(config))
    cache.load_npz(target, config)  # rewritten and valid again


def test_file_of_another_config_is_detected(tmp_path):
    config, other = DatasetConfig(**SMALL), DatasetConfig(**{**SMALL, "seed": 9})
    target = cache.cache_file(config, tmp_path / "d.npz")
    cache.save_npz(mnist1d.make_dataset(other), other, target)  # wrong content under this key
    with pytest.warns(CacheWarning, match="another config"):
        data = get_dataset(small_config(), path=tmp_path / "d.npz")
    assert_same_data(data, mnist1d.make_dataset(config))


def test_tampered_values_fail_the_checksum(tmp_path):
    config = DatasetConfig(**SMALL)
    target = cache.cache_file(config, tmp_path / "d.npz")
    data = mnist1d.make_dataset(config)
    cache.save_npz(data, config, target)
    with np.load(target) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["x"] = arrays["x"] + 1e-9
    np.savez(target, **arrays)
    with pytest.warns(CacheWarning, match="checksum mismatch"):
        again = get_dataset(small_config(), path=tmp_path / "d.npz")
    assert_same_data(again, data)


def test_write_is_atomic(tmp_path, monkeypatch):
    config = DatasetConfig(**SMALL)
    target = cache.cache_file(config, tmp_path / "d.npz")
    cache.save_npz(mnist1d.make_dataset(config), config, target)
    before = target.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(cache.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        cache.save_npz(mnist1d.make_dataset(config), config, target)
    assert target.read_bytes() == before  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temp file left


def test_regenerate_ignores_a_valid_cache(tmp_path, monkeypatch):
    get_dataset(small_config(), path=tmp_path / "d.npz")
    calls = []
    real = cache.make_dataset
    monkeypatch.setattr(cache, "make_dataset", lambda cfg: calls.append(cfg) or real(cfg))
    get_dataset(small_config(), path=tmp_path / "d.npz", regenerate=True)
    assert len(calls) == 1


def test_unknown_pickle_is_refused_and_never_unpickled(trapped_pickle):
    path, marker = trapped_pickle
    with pytest.raises(ValueError, match=r"refusing to unpickle .*mnist1d_data.pkl.*SHA-256"):
        get_dataset(DatasetConfig(), path=path)
    assert not marker.exists()


def published_like_pickle(tmp_path, monkeypatch):
    """A pickle of the default dataset, registered as 'the published file' for the test."""
    path = tmp_path / "mnist1d_data.pkl"
    with open(path, "wb") as handle:
        pickle.dump(mnist1d.make_dataset(), handle)
    monkeypatch.setattr(cache, "PUBLISHED_PICKLE_SHA256", cache.file_sha256(path))
    return path


def test_published_pickle_is_loaded_for_the_default_config(tmp_path, monkeypatch):
    path = published_like_pickle(tmp_path, monkeypatch)
    forbid_generation(monkeypatch)
    data = get_dataset(DatasetConfig(), path=path)
    assert_same_data(data, mnist1d.make_dataset())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist1d_data.pkl"]


def test_published_pickle_is_not_returned_for_another_config(tmp_path, monkeypatch):
    path = published_like_pickle(tmp_path, monkeypatch)
    data = get_dataset(small_config(), path=path)
    assert_same_data(data, mnist1d.make_dataset(**SMALL))


def test_default_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST1D_CACHE", str(tmp_path))
    get_dataset(small_config())
    assert len(list(tmp_path.glob("mnist1d-*.npz"))) == 1
