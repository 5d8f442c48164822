"""Training loops that are fast on a 2-core CPU: `train` and `train_ensemble`.

Both keep whole datasets as tensors in memory (no DataLoader), draw
mini-batches from a per-run ``torch.Generator`` seeded by ``seed``, seed the
initialisation the same way (:func:`mnist1d.models.build`), evaluate on the
full training and test sets every ``eval_every`` steps, and return a
:class:`History`. ``train_ensemble`` trains S copies of a model (S seeds, or
S prepared models of the same shape, on one dataset or S datasets) as one
batched computation with ``torch.func.vmap``; each copy gets the same numbers
it would get from ``train`` with the same seed.

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
import time

import numpy as np
import torch
from torch.func import functional_call, stack_module_state, vmap
from torch.nn import functional as F

from .models import build

LOSSES = ("cross_entropy", "mse")
OPTIMIZERS = ("adam", "sgd")
EVAL_CHUNK = 4096


def resolve_device(device="auto"):
    """``"auto"`` -> CUDA if available, else CPU; anything else is passed to ``torch.device``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


@dataclasses.dataclass
class History:
    """What a training run measured, one row per evaluation.

    Arrays have shape ``(evaluations,)`` for :func:`train` and
    ``(evaluations, copies)`` for :func:`train_ensemble`. Accuracies are
    fractions in [0, 1].
    """

    steps: np.ndarray
    train_loss: np.ndarray
    train_acc: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    seconds: float
    model: object = dataclasses.field(repr=False, default=None)
    val_loss: np.ndarray = None
    val_acc: np.ndarray = None

    @property
    def final_test_acc(self):
        """Test accuracy after the last step (not selected on the test set)."""
        return _scalar_or_array(self.test_acc[-1])

    @property
    def final_train_acc(self):
        """Training accuracy after the last step."""
        return _scalar_or_array(self.train_acc[-1])

    @property
    def best_test_acc(self):
        """Highest test accuracy seen at any evaluation (for curves, not for claims)."""
        return _scalar_or_array(self.test_acc.max(axis=0))

    @property
    def early_stopped_test_acc(self):
        """Test accuracy at the evaluation with the best validation accuracy (the first, on ties).

        Needs a run with ``validation`` > 0: the checkpoint is chosen on held-out
        training data, never on the test set.
        """
        if self.val_acc is None:
            raise ValueError("this run held out no validation data (train with validation=N)")
        best = np.argmax(self.val_acc, axis=0)
        if self.test_acc.ndim == 1:
            return float(self.test_acc[best])
        return self.test_acc[best, np.arange(self.test_acc.shape[1])]

    def member(self, index):
        """The history of one copy of an ensemble run."""
        fields = ("train_loss", "train_acc", "test_loss", "test_acc", "val_loss", "val_acc")
        rows = {f: None if getattr(self, f) is None else getattr(self, f)[:, index] for f in fields}
        model = self.model.member(index) if isinstance(self.model, Ensemble) else self.model
        return History(steps=self.steps, seconds=self.seconds, model=model, **rows)

    def __repr__(self):
        final = np.round(np.asarray(self.final_test_acc), 3).tolist()
        return (f"History({len(self.steps)} evaluations up to step {int(self.steps[-1])}, "
                f"final test acc {final}, {self.seconds:.1f} s)")


def _scalar_or_array(value):
    return float(value) if np.ndim(value) == 0 else np.asarray(value)


class Ensemble:
    """S models called as one: ``ensemble(x)`` maps ``(B, 40)`` (shared input)
    or ``(S, B, 40)`` to ``(S, B, classes)``.

    Models of one architecture have their parameters stacked and run as one
    ``vmap``-ed computation. Models of different architectures (say, a CNN
    with max pooling and one without pooling) form one such stack per
    architecture, and the outputs come back in the order the models were
    given. Two models share a stack only if every submodule has the same type,
    the same public attributes (``pooling="max"``, ``kernel_size=(3,)``...) and
    the same parameter and buffer shapes, so a stack never runs one model's
    ``forward`` with another's configuration. :meth:`member` returns copy
    ``i`` as an ordinary module.

    Example
    -------
    >>> import torch
    >>> from mnist1d.models import MLP, LogisticRegression
    >>> ensemble = Ensemble([MLP(), LogisticRegression(), MLP()])
    >>> ensemble, ensemble(torch.zeros(4, 40)).shape
    (Ensemble(2 x MLP + 1 x LogisticRegression), torch.Size([3, 4, 10]))
    """

    def __init__(self, modules):
        if not modules:
            raise ValueError("an ensemble needs at least one model")
        groups = {}
        for index, module in enumerate(modules):
            groups.setdefault(_architecture(module), []).append(index)
        self.groups = [(indices, _Stack([modules[i] for i in indices])) for indices in groups.values()]
        order = torch.tensor([i for indices, _ in self.groups for i in indices])
        self._restore = torch.argsort(order)  # stacked outputs -> the order of `modules`

    @property
    def size(self):
        return len(self._restore)

    @property
    def params(self):
        """The stacked parameters of every architecture, ``{name: (S_group, ...)}`` per group, merged."""
        if len(self.groups) == 1:
            return self.groups[0][1].params
        return {f"{g}.{name}": value for g, (_, stack) in enumerate(self.groups) for name, value in stack.params.items()}

    def __call__(self, x):
        if len(self.groups) == 1:
            return self.groups[0][1](x)
        shared = x.dim() == 2
        outputs = [stack(x if shared else x[indices]) for indices, stack in self.groups]
        shapes = {tuple(out.shape[2:]) for out in outputs}
        if len(shapes) > 1:
            raise ValueError(f"models of different architectures are called as one only if their outputs have one "
                             f"shape per sample; got {sorted(shapes)} (use one Ensemble per architecture)")
        return torch.cat(outputs)[self._restore.to(x.device)]

    def __repr__(self):
        names = []
        for indices, stack in self.groups:
            config = stack.template.extra_repr()
            names.append(f"{len(indices)} x {type(stack.template).__name__}" + (f"({config})" if config else ""))
        return f"Ensemble({' + '.join(names)})"

    def member(self, index):
        """Copy ``index`` as an ordinary ``nn.Module`` (parameters copied out of the stack)."""
        if not 0 <= index < self.size:
            raise IndexError(f"index must be in [0, {self.size - 1}], got {index}")
        for indices, stack in self.groups:
            if index in indices:
                return stack.member(indices.index(index))

    def to(self, device):
        for _, stack in self.groups:
            stack.to(device)
        return self


def _architecture(module):
    """What must agree for two modules to share one stacked, vmap-ed forward pass."""
    key = []
    for name, sub in module.named_modules():
        config = sorted((k, repr(v)) for k, v in vars(sub).items() if not k.startswith("_") and k != "training")
        key.append((name, type(sub).__qualname__, tuple(config)))
    tensors = [*module.named_parameters(), *module.named_buffers()]
    key += [(name, tuple(t.shape), t.dtype, t.requires_grad) for name, t in tensors]
    return tuple(key)


class _Stack:
    """S models of one architecture with stacked parameters, called as one."""

    def __init__(self, modules):
        self.template = copy.deepcopy(modules[0])
        self.params, self.buffers = stack_module_state(modules)
        self.base = copy.deepcopy(modules[0]).to("meta")

    @property
    def size(self):
        return next(iter(self.params.values())).shape[0]

    def _call_one(self, params, buffers, x):
        return functional_call(self.base, (params, buffers), (x,))

    def __call__(self, x):
        shared = x.dim() == 2
        batched = getattr(type(self.template), "ensemble_forward", None)
        if batched is not None:  # the model brings its own batched implementation (e.g. the GRU)
            return batched(self.params, x.expand(self.size, *x.shape) if shared else x)
        return vmap(self._call_one, in_dims=(0, 0, None if shared else 0))(self.params, self.buffers, x)

    def member(self, index):
        module = copy.deepcopy(self.template)
        state = {name: value[index].detach().clone() for name, value in {**self.params, **self.buffers}.items()}
        module.load_state_dict(state)
        return module

    def to(self, device):
        for group in (self.params, self.buffers):
            for name, value in group.items():
                group[name] = value.detach().to(device).requires_grad_(value.requires_grad)
        return self


def train(model, data, *, steps=6000, lr=1e-2, batch_size=100, eval_every=500, seed=0, device="auto",
          progress=True, optimizer="adam", momentum=0.9, weight_decay=0.0, loss="cross_entropy", validation=0,
          train_eval_size=None):
    """Train one model; return its :class:`History` (``history.model`` is the trained model).

    Parameters
    ----------
    model : str, callable or nn.Module
        A name (``"logistic"``, ``"mlp"``, ``"cnn"``, ``"gru"``) or a callable
        returning a module: built with initialisation seeded by ``seed``. A
        module is trained as it is (its initialisation is the caller's).
    data : dict
        ``x``, ``y``, ``x_test``, ``y_test`` arrays (e.g. from
        :func:`mnist1d.make_dataset`).
    steps, lr, batch_size : int, float, int
        Optimisation steps, learning rate, mini-batch size.
    eval_every : int
        Evaluate on the full train and test sets every this many steps (and
        after the last step).
    seed : int
        Seeds the initialisation (if built here) and the order of mini-batches.
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
    """
    history = train_ensemble(model if not isinstance(model, torch.nn.Module) else [model], [data], seeds=[seed],
                             steps=steps, lr=lr, batch_size=batch_size, eval_every=eval_every, device=device,
                             progress=progress, optimizer=optimizer, momentum=momentum,
                             weight_decay=weight_decay, loss=loss, validation=validation,
                             train_eval_size=train_eval_size)
    return history.member(0)


def train_ensemble(model, data, seeds=(0, 1, 2), *, steps=6000, lr=1e-2, batch_size=100, eval_every=500,
                   device="auto", progress=True, optimizer="adam", momentum=0.9, weight_decay=0.0,
                   loss="cross_entropy", validation=0, train_eval_size=None):
    """Train S copies of a model at once; copy ``i`` equals ``train(..., seed=seeds[i])``.

    Parameters
    ----------
    model : str, callable, or list of nn.Module
        A name or factory (one copy built per seed), or S prepared modules
        (e.g. different masks, widths-by-masking, or different architectures,
        which :class:`Ensemble` stacks per architecture).
    data : dict or list of dicts
        One dataset for every copy, or one per copy (e.g. plain and shuffled
        MNIST-1D, or training sets of different sizes; test sets must have
        equal sizes).
    seeds : sequence of int
        One per copy: seeds its initialisation (if built here) and its
        mini-batch order.
    Other parameters as :func:`train`. The returned :class:`History` has
    arrays of shape ``(evaluations, S)`` and ``history.model`` is an
    :class:`Ensemble`.
    """
    seeds = [int(s) for s in seeds]
    _check_positive(steps=steps, batch_size=batch_size, eval_every=eval_every, copies=len(seeds))
    if isinstance(validation, bool) or not isinstance(validation, (int, np.integer)) or validation < 0:
        raise ValueError(f"validation must be a non-negative integer (samples held out), got {validation!r}")
    if train_eval_size is not None:
        _check_positive(train_eval_size=train_eval_size)
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    datasets = list(data) if isinstance(data, (list, tuple)) else [data] * len(seeds)
    if len(datasets) != len(seeds):
        raise ValueError(f"got {len(datasets)} datasets for {len(seeds)} seeds; give one, or one per seed")
    if isinstance(model, (list, tuple)):
        modules = list(model)
        if len(modules) != len(seeds):
            raise ValueError(f"got {len(modules)} models for {len(seeds)} seeds")
    else:
        modules = [build(model, seed=seed) for seed in seeds]

    device = resolve_device(device)
    if validation:
        datasets = [_hold_out(d, validation) for d in datasets]
    tensors = _stack_data(datasets, device, batch_size)
    ensemble = Ensemble(modules).to(device)
    parameters = list(ensemble.params.values())
    if optimizer == "adam":
        opt = torch.optim.Adam(parameters, lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.SGD(parameters, lr=lr, momentum=momentum, weight_decay=weight_decay)
    generators = [torch.Generator().manual_seed(seed) for seed in seeds]
    batches = _BatchOrder(generators, tensors["n_train"], batch_size)
    loss_fn = _LOSS_FUNCTIONS[loss]
    rows, evaluated = [], []
    bar = _progress(steps, progress)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        index = batches.next().to(device)  # (S, batch)
        x = torch.gather(tensors["x"], 1, index[..., None].expand(-1, -1, tensors["x"].shape[-1]))
        y = torch.gather(tensors["y"], 1, index)
        opt.zero_grad(set_to_none=True)
        per_copy = loss_fn(ensemble(x), y)  # (S,)
        per_copy.sum().backward()  # copies share no parameters: each gets its own gradient
        opt.step()
        if step % eval_every == 0 or step == steps:
            evaluated.append(step)
            rows.append(_evaluate(ensemble, tensors, loss_fn, train_eval_size))
            bar.set_postfix(test_acc=f"{rows[-1][3].mean():.3f}")
        bar.update(1)
    bar.close()
    columns = [np.stack(column) for column in zip(*rows)]
    val = dict(val_loss=columns[4], val_acc=columns[5]) if validation else {}
    return History(np.array(evaluated), *columns[:4], seconds=time.perf_counter() - start, model=ensemble, **val)


def _hold_out(dataset, count):
    """Move the last ``count`` training samples into a validation split."""
    if count >= len(dataset["y"]):
        raise ValueError(f"validation ({count}) must be smaller than the training set ({len(dataset['y'])})")
    return {**dataset, "x": dataset["x"][:-count], "y": dataset["y"][:-count],
            "x_val": dataset["x"][-count:], "y_val": dataset["y"][-count:]}


class _BatchOrder:
    """Mini-batch indices: each copy walks through its own random permutations.

    Incomplete batches at the end of an epoch are dropped, so every batch has
    exactly ``batch_size`` samples for every copy.
    """

    def __init__(self, generators, sizes, batch_size):
        self.generators, self.sizes, self.batch_size = generators, sizes, batch_size
        self.orders = [torch.empty(0, dtype=torch.long) for _ in generators]

    def next(self):
        rows = []
        for i, (generator, size) in enumerate(zip(self.generators, self.sizes)):
            if len(self.orders[i]) < self.batch_size:
                order = torch.randperm(size, generator=generator)
                self.orders[i] = order[: size - size % self.batch_size]
            rows.append(self.orders[i][: self.batch_size])
            self.orders[i] = self.orders[i][self.batch_size:]
        return torch.stack(rows)


def _stack_data(datasets, device, batch_size):
    """Stack per-copy datasets into (S, N, ...) tensors, padding training sets to equal length."""
    sizes = [len(d["y"]) for d in datasets]
    if min(sizes) < batch_size:
        raise ValueError(f"batch_size ({batch_size}) is larger than a training set ({min(sizes)} samples)")
    test_sizes = {len(d["y_test"]) for d in datasets}
    if len(test_sizes) != 1:
        raise ValueError(f"every copy's test set must have the same size, got {sorted(test_sizes)}")
    longest = max(sizes)

    def padded(array, dtype):
        tensor = torch.as_tensor(np.asarray(array), dtype=dtype)
        pad = longest - len(tensor)
        return torch.cat([tensor, tensor[:1].expand(pad, *tensor.shape[1:])]) if pad else tensor

    tensors = {
        "x": torch.stack([padded(d["x"], torch.float32) for d in datasets]).to(device),
        "y": torch.stack([padded(d["y"], torch.long) for d in datasets]).to(device),
        "x_test": torch.stack([torch.as_tensor(np.asarray(d["x_test"]), dtype=torch.float32) for d in datasets]).to(device),
        "y_test": torch.stack([torch.as_tensor(np.asarray(d["y_test"]), dtype=torch.long) for d in datasets]).to(device),
        "n_train": sizes,
    }
    if "x_val" in datasets[0]:
        tensors["x_val"] = torch.stack([torch.as_tensor(d["x_val"], dtype=torch.float32) for d in datasets]).to(device)
        tensors["y_val"] = torch.stack([torch.as_tensor(d["y_val"], dtype=torch.long) for d in datasets]).to(device)
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


def _check_positive(**values):
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _progress(total, enabled):
    """A tqdm bar; with ``enabled`` it still obeys ``TQDM_DISABLE=1`` (which the chapter refresh tool sets)."""
    from tqdm import tqdm
    return tqdm(total=total, desc="training", unit="step", mininterval=1.0, **({} if enabled else {"disable": True}))
