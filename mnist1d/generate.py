"""`make_dataset`: generate MNIST-1D, the published set or any variant.

The recipe (chapter 1 walks through it; mnist1d.transforms has each step) draws its random numbers from a
local ``numpy.random.RandomState(seed)`` sample by sample, in a fixed order,
and this module keeps that order so the published dataset comes out exactly.
Only the draws happen in a Python loop; every transformation runs on whole
blocks of samples at once (:mod:`mnist1d.transforms`).

Example
-------
>>> from mnist1d import make_dataset
>>> data = make_dataset()
>>> data["x"].shape, data["x_test"].shape
((4000, 40), (1000, 40))
>>> data["y"][:10].tolist()
[2, 6, 4, 5, 6, 6, 6, 0, 3, 1]
>>> small = make_dataset(num_samples=200, seed=0)
>>> small["x"].shape
(160, 40)
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import transforms
from .config import DatasetConfig
from .templates import get_templates

#: Samples transformed together; bounds memory at any dataset size.
BLOCK_SIZE = 16_384


def make_dataset(config=None, *, templates=None, progress=False, **overrides):
    """Generate an MNIST-1D dataset.

    Parameters
    ----------
    config : DatasetConfig, dict, or an object with the config's attributes, optional
        The parameters (e.g. ``mnist1d.data.get_dataset_args()``); default:
        the published dataset's.
    templates : dict, optional
        Custom templates ``{"x": (n_classes, m), "t": (m,), "y": (n_classes,)}``;
        default :func:`mnist1d.get_templates`.
    progress : bool
        Show a progress bar (tqdm) while generating.
    **overrides
        Any :class:`DatasetConfig` field, e.g. ``num_samples=100_000, seed=0``.

    Returns
    -------
    dict
        ``x`` (n_train, final_seq_length) float64, ``y`` (n_train,) int64,
        ``x_test``, ``y_test``, ``t`` (final_seq_length,) float64, and
        ``templates``. ``x`` and ``x_test`` are standardised together.

    No global random state is read or changed.

    Example
    -------
    >>> data = make_dataset(num_samples=100, shuffle_seq=True, seed=3)
    >>> sorted(data)
    ['t', 'templates', 'x', 'x_test', 'y', 'y_test']
    """
    cfg = DatasetConfig.from_args(config, **overrides)
    x, labels, t, templates = generate_unsplit(cfg, np.random.RandomState(cfg.seed), templates, progress)
    n_train = int(len(labels) * cfg.train_split)
    return {
        "x": x[:n_train],
        "y": labels[:n_train],
        "x_test": x[n_train:],
        "y_test": labels[n_train:],
        "t": t,
        "templates": templates,
    }


def generate_unsplit(cfg, rng, templates=None, progress=False):
    """Generate every sample of ``cfg`` from ``rng``, before the train/test split.

    The building block of :func:`make_dataset`, for callers that need the
    random stream itself: the compatibility layer (:mod:`mnist1d.data`)
    passes its own ``RandomState`` so that it can leave NumPy's global
    generator exactly where the original package leaves it.

    Parameters
    ----------
    cfg : DatasetConfig
        ``cfg.seed`` and ``cfg.train_split`` are not used: ``rng`` supplies the
        randomness and no split is made.
    rng : numpy.random.RandomState
        Consumed in the recipe's order; afterwards it is in the state the
        original package leaves NumPy's global generator in.
    templates : dict, optional
        As for :func:`make_dataset`.
    progress : bool
        Show a progress bar.

    Returns
    -------
    x : ndarray (n, final_seq_length), standardised
    labels : int64 ndarray (n,)
    t : ndarray (final_seq_length,)
    templates : dict
        The templates used (checked copies if given).

    Example
    -------
    >>> rng = np.random.RandomState(0)
    >>> x, labels, t, _ = generate_unsplit(DatasetConfig(num_samples=20), rng)
    >>> x.shape, labels.shape, rng.get_state()[2] != np.random.RandomState(0).get_state()[2]
    ((20, 40), (20,), True)
    """
    templates = get_templates() if templates is None else _check_templates(templates)
    n_classes = len(templates["x"])
    per_class = cfg.num_samples // n_classes
    if per_class < 1:
        raise ValueError(f"num_samples must be >= {n_classes} (one sample per class), got {cfg.num_samples}")
    n = per_class * n_classes
    rows = np.repeat(np.arange(n_classes), per_class)  # which template each sample is drawn from
    labels = np.asarray(templates["y"], dtype=np.int64)[rows]

    x = np.empty((n, cfg.final_seq_length))
    bar = _progress_bar(n, progress)

    def transform(block, draws):
        x[block] = _transform_block(templates["x"], rows[block], draws, cfg)
        bar.update(len(rows[block]))

    # The draws must come one after another from one stream; the arithmetic need not. So a
    # worker thread transforms block k (NumPy releases the GIL) while this thread draws block k+1.
    with ThreadPoolExecutor(max_workers=1) as worker:
        pending = []
        for start in range(0, n, BLOCK_SIZE):
            block = slice(start, min(start + BLOCK_SIZE, n))
            draws = _draw_block(rng, block.stop - block.start, cfg)
            pending.append(worker.submit(transform, block, draws))
            if len(pending) > 1:
                pending.pop(0).result()  # at most two blocks in memory; re-raises any error
        for job in pending:
            job.result()
    bar.close()

    t = transforms.resample(transforms.resample(templates["t"], cfg.dilated_len), cfg.final_seq_length)
    order = rng.permutation(n)
    x, labels = x[order], labels[order]
    if cfg.shuffle_seq:
        columns = rng.permutation(cfg.final_seq_length)
        for start in range(0, n, BLOCK_SIZE):  # in place, block by block, to bound memory
            block = slice(start, start + BLOCK_SIZE)
            x[block] = x[block][:, columns]
    # The original shuffles columns by fancy indexing, which leaves its array column-major, and
    # its mean and std are then summed in that memory order. Summing in the same order keeps the
    # shuffled variant bit-identical too (one extra copy, for shuffled data only).
    summed = np.ascontiguousarray(x.T) if cfg.shuffle_seq else x
    std = summed.std()
    mean = summed.mean()
    del summed
    if not std > 1e-10 * abs(mean):
        raise ValueError(f"the generated signals are constant (std {std:.3g}, mean {mean:.3g}), so they cannot "
                         "be standardised: this configuration leaves no variation; raise a noise, scale, "
                         "shear or translation parameter")
    x -= mean
    x /= std
    return x, labels, t / std, templates


def _draw_block(rng, count, cfg):
    """Draw every random number of ``count`` consecutive samples, in recipe order.

    Per sample: pad U, scale U, shift, 2 x dilated_len normals (correlated
    then white noise), shear U. Consecutive draws of one kind are merged into
    one call (same stream, fewer calls).
    """
    uniforms = np.empty((count, 3))  # pad, scale, shear
    shifts = np.empty(count, dtype=np.int64)
    normals = np.empty((count, 2 * cfg.dilated_len))
    rand, randint, randn = rng.random_sample, rng.randint, rng.standard_normal
    high, size = cfg.max_translation, 2 * cfg.dilated_len
    for i in range(count):
        uniforms[i, :2] = rand(2)
        shifts[i] = randint(0, high)
        normals[i] = randn(size)
        uniforms[i, 2] = rand()
    return uniforms, shifts, normals


def _transform_block(template_x, template_rows, draws, cfg):
    uniforms, shifts, normals = draws
    low, high = cfg.padding
    length = cfg.dilated_len
    num_zeros = low + (uniforms[:, 0] * (high - low + 1)).astype(np.int64)
    dilated, index = transforms.padded_and_dilated(template_x, template_rows, num_zeros, length)
    # Shifting before scaling gives the same numbers, and lets one gather do both pad and shift.
    x = transforms.translate(dilated, shifts, rows=index)
    x = transforms.scale(x, 1 + cfg.scale_coeff * (uniforms[:, 1] - 0.5))
    correlated = transforms.smooth_noise(cfg.corr_noise_scale * normals[:, :length])
    x = transforms.fill_padding(x, correlated)
    x = x + cfg.iid_noise_scale * normals[:, length:]
    x = transforms.shear(x, cfg.shear_scale * (uniforms[:, 2] - 0.5))
    return transforms.resample(x, cfg.final_seq_length)


def _check_templates(templates):
    try:
        x = np.asarray(templates["x"], dtype=np.float64)
        t = np.asarray(templates["t"], dtype=np.float64)
        y = np.asarray(templates["y"], dtype=np.int64)
    except (KeyError, TypeError) as err:
        raise ValueError(f"templates must be a dict with keys 'x', 't', 'y' ({err})") from None
    if x.ndim != 2 or x.shape[1] < 2 or t.shape != (x.shape[1],) or y.shape != (x.shape[0],):
        raise ValueError("templates['x'] must be (n_classes, m) with m >= 2, templates['t'] (m,), "
                         f"templates['y'] (n_classes,); got {x.shape}, {t.shape}, {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(t).all()):
        raise ValueError("templates must contain only finite values")
    return {"x": x, "t": t, "y": y}


def _progress_bar(total, enabled):
    from tqdm import tqdm  # a dependency; imported only when needed
    return tqdm(total=total, desc="generating MNIST-1D", unit="sample", **({} if enabled else {"disable": True}))
