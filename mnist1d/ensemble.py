"""`Ensemble`: S models called as one batched computation (``torch.func.vmap``).

:func:`mnist1d.train.train_ensemble` trains such ensembles;
:func:`batching_problem` tells whether a model can be batched this way in
training mode (see the model contract in :mod:`mnist1d.models`);
:func:`fold_mapped_axis` serves the ``vmap`` rules of the package's own
autograd Functions.
"""

import copy

import torch
from torch.func import functional_call, stack_module_state, vmap

__all__ = ["Ensemble", "batching_problem", "fold_mapped_axis"]


class Ensemble:
    """S models called as one: ``ensemble(x)`` maps ``(B, 40)`` (shared input)
    or ``(S, B, 40)`` to ``(S, B, classes)``.

    Models of one architecture have their parameters and buffers stacked and
    run as one ``vmap``-ed computation. Models of different architectures (say,
    a CNN with max pooling and one without pooling) form one such stack per
    architecture, and the outputs come back in the order the models were
    given. Two models share a stack only if every submodule has the same type,
    the same public attributes (``pooling="max"``, ``kernel_size=(3,)``...) and
    the same parameter and buffer shapes, so a stack never runs one model's
    ``forward`` with another's configuration. :meth:`member` returns copy
    ``i`` as an ordinary module. Like a module, an ensemble is in training or
    evaluation mode (:meth:`train`, :meth:`eval`; it starts in the mode of its
    first model); random operations such as dropout draw different numbers
    for each copy.

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
        self.train(modules[0].training)

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
        """Copy ``index`` as an ordinary ``nn.Module`` (parameters and buffers copied out of the stack)."""
        if not 0 <= index < self.size:
            raise IndexError(f"index must be in [0, {self.size - 1}], got {index}")
        for indices, stack in self.groups:
            if index in indices:
                return stack.member(indices.index(index))

    def train(self, mode=True):
        """Training mode (``mode=True``) or evaluation mode for every copy, as ``nn.Module.train``."""
        self.training = bool(mode)
        for _, stack in self.groups:
            stack.template.train(mode)
            stack.base.train(mode)
        return self

    def eval(self):
        return self.train(False)

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


def _own_ensemble_forward(module):
    """``module.ensemble_forward``, if it computes what ``forward`` computes (else None).

    That is assumed only when no subclass below the class that defines
    ``ensemble_forward`` overrides any of that class's methods other than
    ``__init__`` and ``extra_repr``, and every layer is a plain ``nn.Linear``
    or ``nn.Conv1d``: a subclass that changes ``forward``, or a method
    ``forward`` calls (``downsample``, ``features``...), or a model with a
    layer swapped (say, for ``nn.Sequential(nn.Dropout(), nn.Linear(...))``)
    is batched with ``vmap`` instead, or trained copy by copy.
    """
    mro = type(module).__mro__
    owner = next((c for c in mro if "ensemble_forward" in vars(c)), None)
    if owner is None:
        return None
    own = {name for name, value in vars(owner).items() if callable(value) or isinstance(value, staticmethod)}
    below = mro[:mro.index(owner)]
    if any(name in own and name not in ("__init__", "extra_repr") for cls in below for name in vars(cls)):
        return None
    if not _plain_layers(module):  # e.g. a layer swapped for nn.Sequential(nn.Dropout(), nn.Linear(...))
        return None
    return module.ensemble_forward  # bound: a method reads the configuration of `module` (e.g. its pooling)


def _plain_layers(module):
    """Whether every submodule is a plain ``nn.Linear`` or ``nn.Conv1d`` with a bias (no dilation, no groups,
    zero padding): the layers the package's ``ensemble_forward`` methods read their parameters from."""
    for sub in list(module.modules())[1:]:
        if type(sub) not in (torch.nn.Linear, torch.nn.Conv1d) or sub.bias is None:
            return False
        if type(sub) is torch.nn.Conv1d and (sub.dilation != (1,) or sub.groups != 1 or sub.padding_mode != "zeros"):
            return False
    return True


class _Stack:
    """S models of one architecture with stacked parameters, called as one."""

    def __init__(self, modules):
        self.template = copy.deepcopy(modules[0])
        self.params, self.buffers = stack_module_state(modules)
        self.base = copy.deepcopy(modules[0]).to("meta")
        self.batched = _own_ensemble_forward(self.template)

    @property
    def size(self):
        return next(iter(self.params.values())).shape[0]

    def _call_one(self, params, buffers, x):
        return functional_call(self.base, (params, buffers), (x,))

    def __call__(self, x):
        shared = x.dim() == 2
        if self.batched is not None:  # the model brings its own batched implementation (e.g. the GRU)
            return self.batched(self.params, self.buffers, x.expand(self.size, *x.shape) if shared else x)
        return vmap(self._call_one, in_dims=(0, 0, None if shared else 0), randomness="different")(
            self.params, self.buffers, x)

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


def batching_problem(module, x):
    """Why copies of ``module`` cannot train as one ``vmap``-ed computation, or None if they can.

    Runs ``forward`` in training mode on the sample batch ``x`` ``(B, 40)``
    for two stacked copies of ``module`` (nothing of ``module`` changes) and
    reports random operations, buffer updates, or whatever else vmap rejects.

    Example
    -------
    >>> import torch
    >>> batching_problem(torch.nn.Linear(40, 10), torch.zeros(2, 40)) is None
    True
    >>> batching_problem(torch.nn.Sequential(torch.nn.Dropout(), torch.nn.Linear(40, 10)), torch.zeros(2, 40))
    'it draws random numbers in training mode (e.g. dropout)'
    """
    if _own_ensemble_forward(module) is not None:
        return None
    probe = copy.deepcopy(module).to(x.device).train()
    params, buffers = stack_module_state([probe, probe])
    before = {name: value.clone() for name, value in buffers.items()}
    try:
        with torch.no_grad():
            vmap(lambda p, b, x: functional_call(probe, (p, b), (x,)), in_dims=(0, 0, None), randomness="error")(
                params, buffers, x)
    except Exception as error:  # noqa: BLE001 - any failure under vmap means: run the copies one by one
        if "random" in str(error):
            return "it draws random numbers in training mode (e.g. dropout)"
        return f"vmap cannot batch its forward ({str(error).splitlines()[0]})"
    if any(not torch.equal(before[name], value) for name, value in buffers.items()):
        return "it updates buffers in training mode (e.g. batch norm's running statistics)"
    return None


def fold_mapped_axis(tensor, in_dim, size, axis=0):
    """For a custom autograd Function's ``vmap`` rule: merge the mapped axis into axis ``axis``.

    ``in_dim`` is where ``vmap`` put the mapped axis of ``size`` copies, or
    None if ``tensor`` is not mapped (then it is expanded to ``size`` copies,
    a view). Axis ``axis`` of length n becomes ``size * n``, copy by copy, so
    ``result.unflatten(axis, (size, -1))`` splits it again.

    Example
    -------
    >>> import torch
    >>> fold_mapped_axis(torch.zeros(5, 3, 2), in_dim=1, size=3, axis=0).shape
    torch.Size([15, 2])
    >>> fold_mapped_axis(torch.zeros(5, 2), in_dim=None, size=3, axis=1).shape
    torch.Size([5, 6])
    """
    tensor = tensor.expand(size, *tensor.shape) if in_dim is None else tensor.movedim(in_dim, 0)
    return tensor.movedim(0, axis).flatten(axis, axis + 1)
