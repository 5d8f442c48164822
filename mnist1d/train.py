"""Training loops that are fast on a 2-core CPU: `train` and `train_ensemble`.

Both keep whole datasets as tensors in memory (no DataLoader), draw
mini-batches from a per-run ``torch.Generator`` seeded by ``seed``, seed the
initialisation the same way (:func:`mnist1d.models.build`), evaluate on the
full training and test sets every ``eval_every`` steps (in eval mode), and
return a :class:`History`. ``train`` trains the module you pass in place, as
a PyTorch or Keras loop would. ``train_ensemble`` trains S copies of a model
(S seeds, or S prepared models, on one dataset or S datasets) as one batched
computation with ``torch.func.vmap`` (:class:`~mnist1d.ensemble.Ensemble`);
each copy gets the numbers ``train`` gets with the same seed. Any module
that follows the model contract (:mod:`mnist1d.models`) can be trained.

Defaults follow the paper's code: Adam, learning rate 1e-2, batch 100,
6,000 steps.

Example
-------
>>> import mnist1d
>>> from mnist1d.train import train, train_ensemble
>>> data = mnist1d.make_dataset()
>>> history = train("logistic", data, steps=200, eval_every=100, seed=0, progress=False)
>>> history.steps.tolist(), history.final_test_acc > 0.2
([100, 200], True)
>>> ensemble = train_ensemble("logistic", data, seeds=[0, 1], steps=200, progress=False)
>>> ensemble.test_acc.shape  # (evaluations, copies)
(1, 2)
"""

import copy
import dataclasses
import numbers
import time
import warnings

import numpy as np
import torch
from torch.nn import functional as F
from tqdm import tqdm

from .checks import choice, integer, real
from .ensemble import Ensemble, _architecture, batching_problem
from .history import History
from .memory import keep_freed_memory
from .models import build

__all__ = ["train", "train_ensemble", "Options", "History", "Ensemble", "resolve_device"]

LOSSES = ("cross_entropy", "mse")
OPTIMIZERS = ("adam", "sgd")
EVAL_CHUNK = 4096


def resolve_device(device="auto"):
    """``"auto"`` -> CUDA if available, else CPU; anything else becomes a ``torch.device``, checked.

    ``device`` is a string (``"cpu"``, ``"cuda"``, ``"cuda:1"``...), a
    ``torch.device`` or a GPU's number. A CUDA GPU or Apple GPU (MPS) that is
    not there is a ``ValueError`` that says so before any training starts, not
    an error from deep inside PyTorch at the first transfer; other device
    types go to ``torch.device`` unchecked.

    Example
    -------
    >>> resolve_device("cpu")
    device(type='cpu')
    >>> resolve_device("gpu")
    Traceback (most recent call last):
    ...
    ValueError: device must be "auto", "cpu", "cuda", "cuda:N", a GPU's number or a torch.device, got 'gpu'
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    bad = f'device must be "auto", "cpu", "cuda", "cuda:N", a GPU\'s number or a torch.device, got {device!r}'
    if isinstance(device, numbers.Integral) and not isinstance(device, bool):
        device = int(device)  # a NumPy integer too
    elif not isinstance(device, (str, torch.device)):
        raise ValueError(bad)
    instead = 'use device="auto" (a GPU when there is one, else the CPU) or "cpu"'
    if isinstance(device, int) and device >= 0 and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} is a GPU's number, but PyTorch sees no GPU here; {instead}")
    try:
        resolved = torch.device(device)  # an integer is a GPU's number, as in PyTorch
    except RuntimeError:
        raise ValueError(bad) from None
    if resolved.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(f"device={device!r}, but PyTorch sees no CUDA GPU here; {instead}")
        if resolved.index is not None and resolved.index >= count:
            gpus = "is 1 CUDA GPU (cuda:0)" if count == 1 else f"are {count} CUDA GPUs (cuda:0 to cuda:{count - 1})"
            raise ValueError(f'device={device!r}, but there {gpus}; use one of them, "cuda" or "auto"')
    elif resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r}, but the Apple GPU backend (MPS) is not available here; {instead}")
    return resolved


@dataclasses.dataclass
class Options:
    """The keyword options of :func:`train` and :func:`train_ensemble`, checked.

    Attributes
    ----------
    steps, lr, batch_size : int, float, int
        Optimisation steps, learning rate, mini-batch size.
    eval_every : int
        Evaluate on the full train and test sets every this many steps (and
        after the last step).
    device : str
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``...
    progress : bool
        Show a tqdm progress bar.
    optimizer : {"adam", "sgd"}
    momentum, weight_decay : float
        SGD momentum; L2 weight decay (both optimisers).
    loss : {"cross_entropy", "mse"}
        MSE is on one-hot targets, summed over classes.
    validation : int
        Hold out the last ``validation`` training samples (not trained on) and
        evaluate on them too; :attr:`History.early_stopped_test_acc` then gives
        the test accuracy of the checkpoint with the best validation accuracy.
    train_eval_size : int, optional
        Compute training loss and accuracy on the first this many training
        samples only (default: all); saves time with large training sets.

    Example
    -------
    >>> Options(lr="0.1")
    Traceback (most recent call last):
    ...
    ValueError: lr must be a real number in (0, inf), got '0.1'
    """

    steps: int = 6000
    lr: float = 1e-2
    batch_size: int = 100
    eval_every: int = 500
    device: str = "auto"
    progress: bool = True
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    loss: str = "cross_entropy"
    validation: int = 0
    train_eval_size: int = None

    def __post_init__(self):
        for name in ("steps", "batch_size", "eval_every"):
            setattr(self, name, integer(name, getattr(self, name), low=1))
        self.validation = integer("validation", self.validation, low=0)
        if self.train_eval_size is not None:
            self.train_eval_size = integer("train_eval_size", self.train_eval_size, low=1)
        self.lr = real("lr", self.lr, low=0, low_open=True)
        self.momentum, self.weight_decay = real("momentum", self.momentum, low=0), real("weight_decay",
                                                                                           self.weight_decay, low=0)
        choice("optimizer", self.optimizer, OPTIMIZERS)
        choice("loss", self.loss, LOSSES)
        self.device = resolve_device(self.device)


def train(model, data, *, seed=0, **options):
    """Train one model, in place, and return its :class:`History` (``history.model`` is the model).

    Parameters
    ----------
    model : str, callable or nn.Module
        A name (``"logistic"``, ``"mlp"``, ``"cnn"``, ``"gru"``) or a callable
        returning a module: built with initialisation seeded by ``seed``. A
        module is trained as it is (its initialisation is the caller's) and
        in place: after the call it holds the trained parameters and buffers,
        and ``history.model is model``.
    data : dict
        ``x``, ``y``, ``x_test``, ``y_test`` arrays (e.g. from
        :func:`mnist1d.make_dataset`).
    seed : int
        Seeds the initialisation (if built here), the order of mini-batches
        and random operations in the model (dropout).
    **options
        ``steps``, ``lr``, ``batch_size``, ``eval_every``, ``device``,
        ``progress``, ``optimizer``, ``momentum``, ``weight_decay``, ``loss``,
        ``validation``, ``train_eval_size``: see :class:`Options`.
    """
    history = train_ensemble([model] if isinstance(model, torch.nn.Module) else model, [data], seeds=[seed],
                             **options).member(0)
    if isinstance(model, torch.nn.Module):
        model.load_state_dict(history.model.state_dict())
        history.model = model
    return history


def train_ensemble(model, data, seeds=(0, 1, 2), **options):
    """Train S copies of a model at once; copy ``i`` equals ``train(..., seed=seeds[i])``.

    Parameters
    ----------
    model : str, callable, or list of nn.Module
        A name or factory (one copy built per seed), or S prepared modules
        (e.g. different masks, widths-by-masking, or different architectures,
        which :class:`Ensemble` stacks per architecture). The modules given
        are not changed: the trained copies are in ``history.model``.
    data : dict or list of dicts
        One dataset for every copy, or one per copy (e.g. plain and shuffled
        MNIST-1D, or training sets of different sizes; test sets must have
        equal sizes).
    seeds : sequence of int
        One per copy, as ``seed`` of :func:`train`.
    **options
        As :func:`train` (see :class:`Options`).

    Returns
    -------
    History
        Arrays of shape ``(evaluations, S)``; ``history.model`` is an
        :class:`Ensemble`. Models that cannot run as one ``vmap``-ed
        computation in training mode (dropout, batch norm: see
        :func:`mnist1d.ensemble.batching_problem`) are trained one after
        another, with a one-line warning, to the same numbers.
    """
    options = Options(**options)
    seeds = [integer(f"seeds[{i}]", s) for i, s in enumerate(seeds)]
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    datasets = list(data) if isinstance(data, (list, tuple)) else [data] * len(seeds)
    if len(datasets) != len(seeds):
        raise ValueError(f"got {len(datasets)} datasets for {len(seeds)} seeds; give one, or one per seed")
    if isinstance(model, (list, tuple)):
        modules = list(model)
        if len(modules) != len(seeds):
            raise ValueError(f"got {len(modules)} models for {len(seeds)} seeds")
    else:
        modules = [build(model, seed=seed) for seed in seeds]
    if options.validation:
        datasets = [_hold_out(d, options.validation) for d in datasets]
    device = options.device
    sample = torch.as_tensor(np.asarray(datasets[0]["x"][:2]), dtype=torch.float32, device=device)
    distinct = {_architecture(m): m for m in modules}.values()
    problem = next(((m, why) for m in distinct if (why := batching_problem(m, sample))), None)
    if problem is None:
        ensemble = Ensemble(modules).to(device)
        steps, columns, seconds = _fit(ensemble, datasets, seeds, options)
    else:
        if len(modules) > 1:
            warnings.warn(f"train_ensemble: {type(problem[0]).__name__} runs one copy at a time because "
                          f"{problem[1]}", stacklevel=2)
        runs, trained = [], []
        for module, dataset, seed in zip(modules, datasets, seeds):
            trained.append(copy.deepcopy(module).to(device))
            with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
                torch.manual_seed(seed)
                runs.append(_fit(_Single(trained[-1]), [dataset], [seed], options))
        steps, seconds = runs[0][0], sum(run[2] for run in runs)
        columns = [np.concatenate(column, axis=1) for column in zip(*(run[1] for run in runs))]
        ensemble = Ensemble(trained)
    val = dict(val_loss=columns[4], val_acc=columns[5]) if options.validation else {}
    return History(steps, *columns[:4], seconds=seconds, model=ensemble, **val)


class _Single:
    """One module behind the interface of an :class:`Ensemble` of one: ``(1, B, 40) -> (1, B, classes)``."""

    def __init__(self, module):
        self.module, self.params = module, dict(module.named_parameters())

    @property
    def training(self):
        return self.module.training

    def __call__(self, x):
        return self.module(x[0]).unsqueeze(0)

    def train(self, mode=True):
        self.module.train(mode)
        return self


def _fit(net, datasets, seeds, options):
    """Train ``net`` (an Ensemble or _Single) in place; return (steps, columns (evaluations, S), seconds)."""
    keep_freed_memory()  # every step frees and reallocates the same large tensors: reuse them (mnist1d.memory)
    tensors = _stack_data(datasets, options.device, options.batch_size)
    parameters = list(net.params.values())
    # foreach: one multi-tensor update instead of a Python loop over tensors, bit for bit the same numbers
    # (`fused` would be faster still, but rounds differently).
    if options.optimizer == "adam":
        opt = torch.optim.Adam(parameters, lr=options.lr, weight_decay=options.weight_decay, foreach=True)
    else:
        opt = torch.optim.SGD(parameters, lr=options.lr, momentum=options.momentum, weight_decay=options.weight_decay,
                              foreach=True)
    batches = _batches(seeds, tensors["n_train"], options.batch_size)
    loss_fn = _LOSS_FUNCTIONS[options.loss]
    rows, evaluated, was_training = [], [], net.training
    # Without an explicit `disable`, tqdm obeys TQDM_DISABLE=1, which the chapter refresh tool sets: no stored bars.
    bar = tqdm(total=options.steps, desc="training", unit="step", mininterval=1.0,
               **({} if options.progress else {"disable": True}))
    start = time.perf_counter()
    net.train()
    for step in range(1, options.steps + 1):
        index = next(batches).to(options.device)  # (S, batch)
        x = torch.gather(tensors["x"], 1, index[..., None].expand(-1, -1, tensors["x"].shape[-1]))
        y = torch.gather(tensors["y"], 1, index)
        opt.zero_grad(set_to_none=True)
        per_copy = loss_fn(net(x), y)  # (S,)
        per_copy.sum().backward()  # copies share no parameters: each gets its own gradient
        opt.step()
        if step % options.eval_every == 0 or step == options.steps:
            evaluated.append(step)
            rows.append(_evaluate(net.train(False), tensors, loss_fn, options.train_eval_size))
            net.train()
            bar.set_postfix(test_acc=f"{rows[-1][3].mean():.3f}")
        bar.update(1)
    bar.close()
    net.train(was_training)
    return np.array(evaluated), [np.stack(column) for column in zip(*rows)], time.perf_counter() - start


def _hold_out(dataset, count):
    """Move the last ``count`` training samples into a validation split."""
    if count >= len(dataset["y"]):
        raise ValueError(f"validation ({count}) must be smaller than the training set ({len(dataset['y'])})")
    return {**dataset, "x": dataset["x"][:-count], "y": dataset["y"][:-count],
            "x_val": dataset["x"][-count:], "y_val": dataset["y"][-count:]}


def _batches(seeds, sizes, batch_size):
    """Mini-batch indices ``(S, batch)``, forever: each copy walks through its own random permutations.

    Incomplete batches at the end of an epoch are dropped, so every batch has
    exactly ``batch_size`` samples for every copy.
    """
    generators = [torch.Generator().manual_seed(seed) for seed in seeds]
    orders = [torch.empty(0, dtype=torch.long) for _ in seeds]
    while True:
        for i, (generator, size) in enumerate(zip(generators, sizes)):
            if len(orders[i]) < batch_size:
                orders[i] = torch.randperm(size, generator=generator)[: size - size % batch_size]
        yield torch.stack([order[:batch_size] for order in orders])
        orders = [order[batch_size:] for order in orders]


def _stack_data(datasets, device, batch_size):
    """Stack per-copy datasets into (S, N, ...) tensors, padding training sets to equal length."""
    sizes = [len(d["y"]) for d in datasets]
    if min(sizes) < batch_size:
        raise ValueError(f"batch_size ({batch_size}) is larger than a training set ({min(sizes)} samples)")
    test_sizes = {len(d["y_test"]) for d in datasets}
    if len(test_sizes) != 1:
        raise ValueError(f"every copy's test set must have the same size, got {sorted(test_sizes)}")

    def stack(key, dtype, length=None):  # padded to `length` with copies of the first sample
        arrays = [torch.as_tensor(np.asarray(d[key]), dtype=dtype) for d in datasets]
        if length:
            arrays = [torch.cat([a, a[:1].expand(length - len(a), *a.shape[1:])]) for a in arrays]
        return torch.stack(arrays).to(device)

    tensors = {"x": stack("x", torch.float32, max(sizes)), "y": stack("y", torch.long, max(sizes)), "n_train": sizes}
    for split in ["_test"] + (["_val"] if "x_val" in datasets[0] else []):
        tensors["x" + split], tensors["y" + split] = stack("x" + split, torch.float32), stack("y" + split, torch.long)
    return tensors


@torch.no_grad()
def _evaluate(ensemble, tensors, loss_fn, train_eval_size=None):
    """(train loss, train acc, test loss, test acc[, val loss, val acc]), each an array over copies."""
    results = []
    train_sizes = [min(n, train_eval_size or n) for n in tensors["n_train"]]
    splits = [("", train_sizes), ("_test", None)] + ([("_val", None)] if "x_val" in tensors else [])
    for split, sizes in splits:
        x, y = tensors["x" + split], tensors["y" + split]
        if sizes is not None:
            x, y = x[:, :max(sizes)], y[:, :max(sizes)]
        outputs = torch.cat([ensemble(x[:, i:i + EVAL_CHUNK]) for i in range(0, x.shape[1], EVAL_CHUNK)], dim=1)
        losses = loss_fn(outputs, y, reduce=False)  # (S, N)
        correct = (outputs.argmax(-1) == y).float()
        if sizes is not None:  # ignore the padding of shorter training sets
            valid = torch.arange(x.shape[1], device=x.device)[None] < torch.tensor(sizes, device=x.device)[:, None]
            losses, correct = losses * valid, correct * valid
            count = valid.sum(1)
        else:
            count = torch.full((x.shape[0],), x.shape[1], device=x.device)
        results += [(losses.sum(1) / count).cpu().numpy(), (correct.sum(1) / count).cpu().numpy()]
    return results


def _cross_entropy(logits, y, reduce=True):
    losses = F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none").view(y.shape)
    return losses.mean(1) if reduce else losses


def _mse(logits, y, reduce=True):
    losses = (logits - F.one_hot(y, logits.shape[-1]).to(logits.dtype)).pow(2).sum(-1)
    return losses.mean(1) if reduce else losses


_LOSS_FUNCTIONS = {"cross_entropy": _cross_entropy, "mse": _mse}
