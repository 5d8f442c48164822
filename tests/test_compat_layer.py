"""The original package's API (``mnist1d.data``, ``utils``, ``transform``, top-level names).

Behaviour that needs no reference run: the file at ``path``, safety, leniency,
errors and the global random state. ``test_reference_differential.py``
compares the same calls with the original package itself.
"""

import contextlib
import pickle
import random
import socket
import subprocess
import sys
import warnings

import numpy as np
import pytest

import mnist1d
from mnist1d import cache, legacy_file
from mnist1d.cache import CacheWarning
from mnist1d.data import get_dataset, get_dataset_args
from mnist1d.legacy_args import NotReproducibleWarning

SMALL = {"num_samples": 300, "seed": 5}


def small_args(**changes):
    args = get_dataset_args()
    for key, value in {**SMALL, **changes}.items():
        setattr(args, key, value)
    return args


def expected(**changes):
    """What the pure API gives for ``SMALL`` with ``changes`` (train/test split as asked)."""
    return mnist1d.make_dataset(**{**SMALL, **changes})


def assert_same_data(ours, theirs):
    for key in ("x", "y", "x_test", "y_test", "t"):
        assert np.array_equal(ours[key], theirs[key]), key


def global_state():
    return np.random.get_state(), random.getstate()


def assert_state_is(before):
    numpy_now, python_now = global_state()
    assert numpy_now[0] == before[0][0] and np.array_equal(numpy_now[1], before[0][1])
    assert numpy_now[2:] == before[0][2:] and python_now == before[1]


def seeded_like_the_original(seed, draws_from):
    """The state the original leaves: both seeded, NumPy advanced by the dataset's draws."""
    rng = np.random.RandomState(seed)
    mnist1d.generate.generate_unsplit(mnist1d.DatasetConfig(**draws_from), rng)
    python = random.Random(seed).getstate()
    return rng.get_state(), python


@contextlib.contextmanager
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- names and imports -----------------------------------------------------------------------

def test_the_originals_top_level_names_exist():
    for name in ("get_dataset", "get_dataset_args", "get_templates", "set_seed", "to_pickle", "from_pickle",
                 "ObjectView", "plot_signals", "transform", "data", "utils"):
        assert hasattr(mnist1d, name), name
    assert callable(mnist1d.transform)  # as in the original, the name is the function...
    from mnist1d.transform import corr_noise_like, interpolate, pad  # ...and the module is importable
    assert callable(pad) and callable(corr_noise_like) and callable(interpolate)
    assert mnist1d.utils.set_seed is mnist1d.set_seed and mnist1d.data.get_dataset is mnist1d.get_dataset


def test_heavy_submodules_load_on_first_use():
    code = ("import sys, mnist1d; light = [m for m in ('torch', 'matplotlib') if m in sys.modules]; "
            "model = mnist1d.models.CNN(); assert callable(mnist1d.train.train); "
            "assert 'train' in dir(mnist1d); print(light, type(model).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "CNN"]
    with pytest.raises(AttributeError, match="has no attribute 'nonexistent'"):
        mnist1d.nonexistent  # noqa: B018


def test_args_are_an_object_view_like_the_originals():
    args = get_dataset_args()
    assert type(args).__name__ == "ObjectView" and isinstance(args, mnist1d.ObjectView)
    assert args.padding == [36, 60] and isinstance(args.padding, list)
    assert args["seed"] == args.seed == 42 and args.url.startswith("https://")
    args["num_samples"] = 10
    assert vars(args)["num_samples"] == args.num_samples == 10
    assert get_dataset_args().num_samples == 5000  # a fresh object each time
    assert get_dataset_args(as_dict=True) == vars(get_dataset_args())


# --- the file at path ------------------------------------------------------------------------

def test_writes_a_plain_pickle_at_path_and_uses_it(tmp_path, monkeypatch):
    path = tmp_path / "mnist1d_data.pkl"
    first = get_dataset(small_args(), path=path, download=False, verbose=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist1d_data.pkl"]  # nothing else, no temp file
    with open(path, "rb") as handle:
        loaded = pickle.load(handle)
    assert list(loaded) == ["x", "x_test", "y", "y_test", "t", "templates"]
    assert_same_data(loaded, first)
    assert_same_data(first, expected())
    monkeypatch.setattr(legacy_file, "looks_like_a_pickle", lambda path: pytest.fail("treated as unverified"))
    with no_warnings():
        again = get_dataset(small_args(), path=path, download=False, verbose=False)
    assert_same_data(again, first)


def test_default_path_is_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    get_dataset(small_args(), download=False, verbose=False)
    assert (tmp_path / "mnist1d_data.pkl").is_file()


def test_unverifiable_pickle_is_never_unpickled_and_replaced_with_one_warning(trapped_pickle):
    path, marker = trapped_pickle
    with pytest.warns(CacheWarning, match="cannot be verified without unpickling") as caught:
        data = get_dataset(small_args(), path=path, download=False, verbose=False)
    assert len(caught) == 1 and not marker.exists()
    assert_same_data(data, expected())
    with no_warnings():  # the file was replaced by a verifiable one
        get_dataset(small_args(), path=path, download=False, verbose=False)
    assert not marker.exists()


def test_a_file_for_other_arguments_is_not_returned(tmp_path):
    path = tmp_path / "mnist1d_data.pkl"
    get_dataset(small_args(seed=1), path=path, download=False, verbose=False)
    with pytest.warns(CacheWarning):
        data = get_dataset(small_args(seed=2), path=path, download=False, verbose=False)
    assert_same_data(data, expected(seed=2))
    with open(path, "rb") as handle:
        assert_same_data(pickle.load(handle), data)  # rewritten for the new arguments


def test_regenerate_rewrites_the_file(tmp_path):
    path = tmp_path / "mnist1d_data.pkl"
    path.write_bytes(b"old")
    data = get_dataset(small_args(), path=path, download=False, regenerate=True, verbose=False)
    assert path.read_bytes() == legacy_file.dataset_bytes(data)


def test_the_published_pickle_is_loaded_for_the_default_arguments_only(tmp_path, monkeypatch):
    path = tmp_path / "mnist1d_data.pkl"
    published = mnist1d.make_dataset()
    path.write_bytes(pickle.dumps(published, protocol=4))  # other bytes than ours: only its hash vouches
    monkeypatch.setattr(cache, "PUBLISHED_PICKLE_SHA256", cache.file_sha256(path))
    monkeypatch.setattr(legacy_file, "PUBLISHED_PICKLE_SHA256", cache.file_sha256(path))
    before = global_state()
    with no_warnings():
        data = get_dataset(get_dataset_args(), path=path, download=False, verbose=False)
    assert_same_data(data, published)
    assert_state_is(before)  # loaded, like the original
    with pytest.warns(CacheWarning):
        assert_same_data(get_dataset(small_args(), path=path, download=False, verbose=False), expected())


def test_verbose_says_where_the_data_came_from(tmp_path, capsys):
    path = tmp_path / "d.pkl"
    get_dataset(small_args(), path=path, download=False)
    get_dataset(small_args(), path=path, download=False)
    assert capsys.readouterr().out.splitlines() == [f"Generated MNIST-1D and saved it to {path}",
                                                   f"Loaded MNIST-1D from {path}"]


def test_download_fetches_nothing(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tried to open a network connection")
    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    before = global_state()
    data = get_dataset(get_dataset_args(), path=tmp_path / "mnist1d_data.pkl", download=True, verbose=False)
    assert data["y"][:10].tolist() == [2, 6, 4, 5, 6, 6, 6, 0, 3, 1]
    assert_state_is(before)  # as after the original's download
    assert (tmp_path / "mnist1d_data.pkl").is_file()


# --- global random state ---------------------------------------------------------------------

def test_generating_seeds_the_globals_like_the_original(tmp_path):
    np.random.seed(0)
    random.seed(0)
    get_dataset(small_args(), path=tmp_path / "d.pkl", download=False, verbose=False)
    assert_state_is(seeded_like_the_original(5, SMALL))
    np.random.seed(1)
    mnist1d.data.make_dataset(small_args(seed=8))
    assert_state_is(seeded_like_the_original(8, {**SMALL, "seed": 8}))


@pytest.mark.parametrize("content", [b"", b"garbage", "truncated"])
def test_a_file_the_original_could_not_load_leaves_the_state_of_a_regeneration(tmp_path, content):
    path = tmp_path / "d.pkl"
    if content == "truncated":
        get_dataset(small_args(seed=9), path=path, download=False, verbose=False)
        content = path.read_bytes()[:1000]
    path.write_bytes(content)
    random.seed(0)
    with pytest.warns(CacheWarning):
        get_dataset(small_args(), path=path, download=False, verbose=False)
    assert_state_is(seeded_like_the_original(5, SMALL))


def test_a_file_the_original_would_load_leaves_the_state_untouched(tmp_path):
    path = tmp_path / "d.pkl"
    path.write_bytes(pickle.dumps({"x": [1, 2, 3]}))
    np.random.seed(3)
    before = global_state()
    with pytest.warns(CacheWarning):
        data = get_dataset(small_args(), path=path, download=False, verbose=False)
    assert_state_is(before)
    assert_same_data(data, expected())


def test_the_modern_api_stays_pure(tmp_path):
    np.random.seed(123)
    random.seed(123)
    before = global_state()
    mnist1d.make_dataset(num_samples=100)
    mnist1d.load_mnist1d(num_samples=100)
    cache.cached_dataset(mnist1d.DatasetConfig(num_samples=100), tmp_path / "c.npz")
    assert_state_is(before)


# --- leniency and errors ---------------------------------------------------------------------

def test_extra_attributes_are_ignored_with_a_warning(tmp_path):
    args = small_args()
    args.device = "cpu"
    with pytest.warns(UserWarning, match=r"ignoring argument\(s\) \['device'\]"):
        data = get_dataset(args, path=tmp_path / "d.pkl", download=False, verbose=False)
    assert_same_data(data, expected())


def test_templates_pass_through(tmp_path):
    templates = mnist1d.get_templates()
    templates["x"] = templates["x"] * 1.5
    data = get_dataset(small_args(), path=tmp_path / "d.pkl", download=False, verbose=False, template=templates)
    assert data["templates"] is templates
    assert_same_data(data, mnist1d.make_dataset(**SMALL, templates=templates))


@pytest.mark.parametrize("split", [1.0, 0.0])
def test_empty_splits_are_accepted_like_the_original(tmp_path, split):
    data = get_dataset(small_args(train_split=split), path=tmp_path / "d.pkl", download=False, verbose=False)
    assert len(data["x"]) == (300 if split else 0) and len(data["x_test"]) == 300 - len(data["x"])
    full = expected()
    assert np.array_equal(np.concatenate([data["x"], data["x_test"]]), np.concatenate([full["x"], full["x_test"]]))


def test_seed_none_is_accepted_with_a_warning(tmp_path):
    with pytest.warns(NotReproducibleWarning, match="not reproducible"):
        first = mnist1d.data.make_dataset(small_args(seed=None))
    with pytest.warns(NotReproducibleWarning):
        second = mnist1d.data.make_dataset(small_args(seed=None))
    assert first["x"].shape == (240, 40) and not np.array_equal(first["x"], second["x"])


@pytest.mark.parametrize("change, message", [
    ({"num_samples": 0}, r"num_samples must be an integer >= 10, got 0"),
    ({"train_split": 1.5}, r"train_split must be a number in \[0, 1\], got 1.5"),
    ({"padding": [60, 36]}, r"padding must satisfy padding\[0\] <= padding\[1\]"),
    ({"seed": -1}, r"seed must be an integer in \[0, 4294967295\], got -1"),
])
def test_invalid_values_get_a_clear_value_error(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        get_dataset(small_args(**change), path=tmp_path / "d.pkl", download=False, verbose=False)
    assert not (tmp_path / "d.pkl").exists()


def test_bad_keyword_arguments(tmp_path):
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['shuffle'\]"):
        get_dataset(small_args(), path=tmp_path / "d.pkl", shuffle=True)
    with pytest.raises(ValueError, match="download and regenerate cannot both be true"):
        get_dataset(small_args(), path=tmp_path / "d.pkl", download=True, regenerate=True)


# --- utils ---------------------------------------------------------------------------------

def test_to_pickle_is_atomic_and_from_pickle_reads_it(tmp_path, monkeypatch):
    path = tmp_path / "thing.pkl"
    mnist1d.to_pickle({"a": np.arange(3)}, path)
    assert path.read_bytes()[:2] == b"\x80\x03"  # protocol 3, as the original
    assert mnist1d.from_pickle(path)["a"].tolist() == [0, 1, 2]

    def crash(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr("os.fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        mnist1d.to_pickle({"b": 1}, path)
    assert mnist1d.from_pickle(path)["a"].tolist() == [0, 1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thing.pkl"]


def test_plot_signals_draws_ten_strokes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = mnist1d.make_dataset(num_samples=100)
    fig = mnist1d.plot_signals(data["x"], data["t"], labels=data["y"], zoom=5)
    assert len(fig.axes) == 10
    line = fig.axes[3].lines[0]
    assert np.array_equal(line.get_xdata(), data["x"][3]) and np.array_equal(line.get_ydata(), data["t"])
    assert fig.axes[3].get_title() == f"label={data['y'][3]}"
    np.random.seed(0)
    fig = mnist1d.plot_signals(data["x"], data["t"], args=get_dataset_args(), do_transform=True, dark_mode=True)
    assert len(fig.axes[0].lines[0].get_xdata()) == 40
    plt.close("all")
    with pytest.raises(ValueError, match="needs args"):
        mnist1d.plot_signals(data["x"], data["t"], do_transform=True)
