"""The baseline models of the MNIST-1D benchmark (PyTorch), and what a model must do to be trained.

Every model maps a batch of signals ``(B, 40)`` to class scores ``(B, 10)``.
Parameter counts (with the defaults) are in each docstring and checked by the
tests; :func:`count_parameters` computes them. Each model's first argument is
the one that tells variants apart (``MLP(256)``, ``PoolingCNN("max")``); the
rest are keyword-only.

The model contract
------------------
:func:`mnist1d.train.train` and :func:`mnist1d.train.train_ensemble` train
any ``nn.Module`` that

1. maps a float32 batch ``x`` of shape ``(B, 40)`` to scores ``(B, classes)``
   in ``forward`` (subclasses may override ``forward`` freely);
2. keeps what is learned in parameters (the optimiser updates
   ``parameters()``) and other state in buffers (saved with the model).

That is all. The trainer calls ``model.train()`` before each training step
and ``model.eval()`` for every evaluation, as a PyTorch loop would, so
dropout and batch norm behave as usual. Random operations (dropout) draw from
PyTorch's global generator, which the trainer seeds with the run's ``seed``.
Pass a class or factory (initialised inside :func:`build`, seeded) or a
ready module (its initialisation is yours).

``train_ensemble`` trains S copies as one ``vmap``-ed computation when it
can, i.e. when ``forward`` in training mode is a pure function of parameters,
buffers and input: no random operations, no buffer updates (batch norm's
running statistics), nothing vmap cannot batch. Otherwise it says so in one
line and trains the copies one after another. Either way copy ``i`` gets the
numbers ``train(..., seed=seeds[i])`` gets. A class may add a static
``ensemble_forward(params, x)`` that runs all copies at once (``params``
stacked ``(S, ...)``, ``x`` ``(S, B, 40)``), as :class:`GRU` does for speed;
it is used only for instances whose ``forward`` is that class's own.

Example
-------
>>> import torch
>>> from mnist1d.models import CNN, count_parameters
>>> model = CNN()
>>> model(torch.zeros(8, 40)).shape, count_parameters(model)
(torch.Size([8, 10]), 5210)
"""

import math
import warnings

import torch
from torch import nn
from torch.nn import functional as F

from .checks import choice, integer

__all__ = ["LogisticRegression", "MLP", "PaddedMLP", "CNN", "PoolingCNN", "POOLINGS", "GRU", "TorchGRU", "MODELS",
           "build", "count_parameters"]


def count_parameters(model):
    """Number of trainable parameters.

    Example
    -------
    >>> count_parameters(LogisticRegression())
    410
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class LogisticRegression(nn.Module):
    """A linear classifier, 40 -> 10: 410 parameters."""

    def __init__(self, *, input_size=40, num_classes=10):
        super().__init__()
        self.linear = nn.Linear(integer("input_size", input_size, low=1), integer("num_classes", num_classes, low=1))

    def forward(self, x):
        return self.linear(x)


class MLP(nn.Module):
    """An MLP with a residual hidden layer, 40 -> 256 -> 256 -> 10: 78,858 parameters.

    ``h1 = relu(W1 x)``, ``h2 = h1 + relu(W2 h1)``, ``out = W3 h2``. A width
    of 256 gives the paper's 68% (the original code's 100 falls short).

    Example
    -------
    >>> count_parameters(MLP(hidden_size=100))
    15210
    """

    def __init__(self, hidden_size=256, *, input_size=40, num_classes=10):
        super().__init__()
        hidden_size = integer("hidden_size", hidden_size, low=1)
        input_size, num_classes = integer("input_size", input_size, low=1), integer("num_classes", num_classes, low=1)
        self.linear1 = nn.Linear(input_size, hidden_size)
        self.linear2 = nn.Linear(hidden_size, hidden_size)
        self.linear3 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h = F.relu(self.linear1(x))
        h = h + F.relu(self.linear2(h))
        return self.linear3(h)


class PaddedMLP(nn.Module):
    """A plain MLP 40 -> width -> width -> 10, stored at a larger ``padded_width``.

    MLPs of different widths cannot be stacked into one batched ensemble, but
    MLPs padded to one common width can. This model holds its weights in
    ``padded_width``-sized layers, initialises the top-left ``width`` block
    exactly as an unpadded ``nn.Linear`` stack of that width would be (same
    random stream, fan-in ``width``) and everything else with zeros, and
    multiplies the hidden activations by a 0/1 ``unit_mask`` buffer. The
    padding therefore never receives a gradient and stays zero under SGD or
    Adam (without weight decay on it mattering: zero stays zero), so the
    model computes exactly what the width-``width`` MLP computes. The cost
    is that of the padded size: group widths by similar size.

    ``h1 = relu(W1 x)``, ``h2 = relu(W2 h1)``, ``out = W3 h2``: no residual
    connection (unlike :class:`MLP`). :attr:`num_parameters` counts the
    parameters of the unpadded network, ``width**2 + 52 * width + 10``.

    Example
    -------
    >>> import torch
    >>> small = build(PaddedMLP, seed=0, width=8)
    >>> padded = build(PaddedMLP, seed=0, width=8, padded_width=32)
    >>> x = torch.randn(5, 40)
    >>> torch.allclose(small(x), padded(x), atol=1e-6), padded.num_parameters, count_parameters(small)
    (True, 490, 490)
    """

    def __init__(self, width, padded_width=None, *, input_size=40, num_classes=10):
        super().__init__()
        width = integer("width", width, low=1)
        padded_width = integer("padded_width", width if padded_width is None else padded_width, low=width)
        input_size, num_classes = integer("input_size", input_size, low=1), integer("num_classes", num_classes, low=1)
        # Initialise the unpadded layers first, so they draw what a width-`width` MLP would draw.
        unpadded = [nn.Linear(input_size, width), nn.Linear(width, width), nn.Linear(width, num_classes)]
        self.linear1 = nn.Linear(input_size, padded_width)
        self.linear2 = nn.Linear(padded_width, padded_width)
        self.linear3 = nn.Linear(padded_width, num_classes)
        with torch.no_grad():
            for layer, source in zip((self.linear1, self.linear2, self.linear3), unpadded):
                layer.weight.zero_()
                layer.bias.zero_()
                rows, columns = source.weight.shape
                layer.weight[:rows, :columns] = source.weight
                layer.bias[:rows] = source.bias
        self.register_buffer("unit_mask", (torch.arange(padded_width) < width).float())

    @property
    def width(self):
        """The width of the network inside the padding (kept in the mask, not in a plain attribute, so
        padded models of different widths share one stacked ensemble)."""
        return int(self.unit_mask.sum().item())

    @property
    def num_parameters(self):
        """Parameters of the unpadded width-``width`` network."""
        inputs, classes = self.linear1.in_features, self.linear3.out_features
        return inputs * self.width + self.width + self.width * self.width + self.width + self.width * classes + classes

    def forward(self, x):
        h = F.relu(self.linear1(x)) * self.unit_mask
        h = F.relu(self.linear2(h)) * self.unit_mask
        return self.linear3(h)


class CNN(nn.Module):
    """Three strided 1-D convolutions and a linear layer: 5,210 parameters.

    Conv1d(1, 25, kernel 5, stride 2, padding 1) -> 19 positions, then twice
    Conv1d(25, 25, kernel 3, stride 2, padding 1) -> 10 -> 5, each followed by
    ReLU; flatten to 125 and a linear layer to 10 classes. ``seq_len`` is the
    length of the input signals.

    Example
    -------
    >>> import torch
    >>> [tuple(h.shape) for h in CNN().layer_outputs(torch.zeros(8, 40))]
    [(8, 25, 19), (8, 25, 10), (8, 25, 5), (8, 10)]
    """

    def __init__(self, channels=25, *, num_classes=10, seq_len=40, input_size=None):
        super().__init__()
        channels, num_classes = integer("channels", channels, low=1), integer("num_classes", num_classes, low=1)
        length = _seq_len(seq_len, input_size, "CNN", low=3)
        self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        for kernel in (5, 3, 3):
            length = (length + 2 - kernel) // 2 + 1
        self.linear = nn.Linear(channels * length, num_classes)

    def _trunk(self, x):
        h1 = F.relu(self.conv1(x.unsqueeze(1)))
        h2 = F.relu(self.conv2(h1))
        return [h1, h2, F.relu(self.conv3(h2))]

    def layer_outputs(self, x):
        """Every layer's output: the three ReLU activations ``(B, channels, length)`` and the logits.

        ``[conv1 (B, 25, 19), conv2 (B, 25, 10), conv3 (B, 25, 5), logits (B, 10)]``
        with the defaults; ``h.flatten(1)`` makes an activation a feature
        vector (e.g. for :mod:`mnist1d.probes`).
        """
        hidden = self._trunk(x)
        return [*hidden, self.linear(hidden[-1].flatten(1))]

    def features(self, x):
        """The flattened output of the convolutional trunk, ``(B, 125)``."""
        return self._trunk(x)[-1].flatten(1)

    def forward(self, x):
        return self.linear(self.features(x))


POOLINGS = ("none", "stride", "max", "avg", "l2")


class PoolingCNN(nn.Module):
    """Two convolutions, each followed by ReLU and a downsampling step, then a linear layer.

    ``pooling`` picks the downsampling after each ReLU, by a factor of 2:

    - ``"none"``: no downsampling (the linear layer sees channels x 40 features);
    - ``"stride"``: keep every other position, i.e. a stride-2 convolution;
    - ``"max"``, ``"avg"``: the maximum or mean of each pair of positions;
    - ``"l2"``: the root mean square of each pair.

    Conv1d(1, channels, 3, padding 1) and Conv1d(channels, channels, 3,
    padding 1) are created first, so models built with the same seed share
    their convolution weights whatever the pooling, and all downsampling
    variants also share the linear layer (channels x 10 inputs). With the
    default 20 channels: 9,310 parameters without pooling, 3,310 with.
    ``seq_len`` is the length of the input signals.

    Example
    -------
    >>> import torch
    >>> [count_parameters(PoolingCNN(p)) for p in ("none", "max")]
    [9310, 3310]
    >>> PoolingCNN("l2")(torch.zeros(8, 40)).shape
    torch.Size([8, 10])
    """

    def __init__(self, pooling="max", *, channels=20, num_classes=10, seq_len=40, input_size=None):
        super().__init__()
        self.pooling = choice("pooling", pooling, POOLINGS)
        channels, num_classes = integer("channels", channels, low=1), integer("num_classes", num_classes, low=1)
        seq_len = _seq_len(seq_len, input_size, "PoolingCNN", low=1)
        if pooling != "none" and seq_len % 4:
            raise ValueError(f"seq_len must be a multiple of 4 to downsample twice by 2, got {seq_len}")
        self.conv1 = nn.Conv1d(1, channels, 3, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, padding=1)
        length = seq_len if pooling == "none" else seq_len // 4
        self.linear = nn.Linear(channels * length, num_classes)

    def extra_repr(self):
        return f"pooling={self.pooling!r}"

    def downsample(self, h):
        """Halve the length of ``h`` (B, channels, L) the way ``pooling`` says."""
        if self.pooling == "stride":
            return h[..., ::2]
        if self.pooling == "max":
            return F.max_pool1d(h, 2)
        if self.pooling == "avg":
            return F.avg_pool1d(h, 2)
        if self.pooling == "l2":  # the small constant keeps the gradient finite where both inputs are 0
            return torch.sqrt(F.avg_pool1d(h * h, 2) + 1e-8)
        return h

    def forward(self, x):
        h = self.downsample(F.relu(self.conv1(x.unsqueeze(1))))
        h = self.downsample(F.relu(self.conv2(h)))
        return self.linear(h.flatten(1))


class GRU(nn.Module):
    """A bidirectional GRU (hidden size 6) read out at every step: 5,134 parameters.

    The signal is a sequence of ``seq_len`` = 40 scalars (unlike
    ``torch.nn.GRU``'s ``input_size``, which is the number of features per
    step, here 1). Both directions' hidden states at all 40 steps
    (40 x 12 = 480 numbers) go to a linear layer. ``input_size`` is accepted
    as a deprecated name of ``seq_len``.

    The recurrence is that of ``torch.nn.GRU(1, 6, bidirectional=True)``: same
    equations, parameters and initialisation (the tests check that outputs and
    gradients agree). It is written for speed on a CPU, where ``nn.GRU`` spends
    its time on per-step overhead: both directions, and in
    :func:`mnist1d.train.train_ensemble` all copies, run in one loop of 40
    steps on batched tensors, and the backward pass through time is written
    by hand (:class:`GRURecurrence`) instead of being recorded op by op.
    """

    def __init__(self, hidden_size=6, *, num_classes=10, seq_len=40, input_size=None):
        super().__init__()
        hidden_size = self.hidden_size = integer("hidden_size", hidden_size, low=1)
        num_classes, seq_len = integer("num_classes", num_classes, low=1), _seq_len(seq_len, input_size, "GRU", low=1)
        # Gates (reset, update, new) x directions (forward, backward); weights stored [in, out].
        self.weight_ih = nn.Parameter(torch.empty(3, 2, 1, hidden_size))
        self.weight_hh = nn.Parameter(torch.empty(3, 2, hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(3, 2, 1, hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(3, 2, 1, hidden_size))
        self.linear = nn.Linear(seq_len * 2 * hidden_size, num_classes)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.hidden_size)  # as torch.nn.GRU
        for weight in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh):
            nn.init.uniform_(weight, -bound, bound)

    def hidden_states(self, x):
        """Hidden states of both directions at every step, ``(B, 40, 2 * hidden)``."""
        weights = [w.unsqueeze(0) for w in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)]
        return bidirectional_gru(x.unsqueeze(0), *weights)[0]

    def forward(self, x):
        return self.linear(self.hidden_states(x).flatten(1))

    @staticmethod
    def ensemble_forward(params, x):
        """Run S copies at once: ``params`` stacked ``(S, ...)``, ``x`` ``(S, B, 40)`` -> ``(S, B, classes)``.

        The trainer uses it for instances whose ``forward`` is :meth:`GRU.forward`
        (a subclass that overrides ``forward`` is batched with ``vmap`` instead).
        """
        states = bidirectional_gru(x, params["weight_ih"], params["weight_hh"], params["bias_ih"], params["bias_hh"])
        return torch.baddbmm(params["linear.bias"].unsqueeze(1), states.flatten(2),
                             params["linear.weight"].transpose(1, 2))

    @torch.no_grad()
    def load_from_torch_gru(self, gru):
        """Copy the weights of a ``torch.nn.GRU(1, hidden, bidirectional=True)``."""
        for direction, suffix in enumerate(("", "_reverse")):
            w_ih = getattr(gru, f"weight_ih_l0{suffix}").view(3, self.hidden_size, 1)
            w_hh = getattr(gru, f"weight_hh_l0{suffix}").view(3, self.hidden_size, self.hidden_size)
            self.weight_ih[:, direction] = w_ih.transpose(1, 2)
            self.weight_hh[:, direction] = w_hh.transpose(1, 2)
            self.bias_ih[:, direction, 0] = getattr(gru, f"bias_ih_l0{suffix}").view(3, self.hidden_size)
            self.bias_hh[:, direction, 0] = getattr(gru, f"bias_hh_l0{suffix}").view(3, self.hidden_size)
        return self


class TorchGRU(nn.Module):
    """:class:`GRU` written with ``torch.nn.GRU``: the same network, the textbook way (5,134 parameters).

    A bidirectional ``torch.nn.GRU`` (one input feature per step, hidden size
    6) reads the ``seq_len`` = 40 scalars of a signal; both directions' hidden
    states at all steps (40 x 12 = 480 numbers) go to a linear layer. The
    architecture, parameter count and initialisation distribution are those
    of :class:`GRU` (whose :meth:`GRU.load_from_torch_gru` copies ``self.gru``'s
    weights); only the implementation differs. It is the baseline that
    ``benchmarks/bench_train.py`` and chapter 2 time :class:`GRU` against, and
    a reference for readers who know ``torch.nn.GRU``. ``train_ensemble``
    trains its copies one after another (``torch.nn.GRU`` cannot be batched
    with ``vmap``).

    Example
    -------
    >>> import torch
    >>> model = TorchGRU()
    >>> model(torch.zeros(8, 40)).shape, count_parameters(model) == count_parameters(GRU())
    (torch.Size([8, 10]), True)
    """

    def __init__(self, hidden_size=6, *, num_classes=10, seq_len=40):
        super().__init__()
        hidden_size = self.hidden_size = integer("hidden_size", hidden_size, low=1)
        num_classes, seq_len = integer("num_classes", num_classes, low=1), integer("seq_len", seq_len, low=1)
        self.gru = nn.GRU(1, hidden_size, batch_first=True, bidirectional=True)
        self.linear = nn.Linear(seq_len * 2 * hidden_size, num_classes)

    def forward(self, x):
        states, _ = self.gru(x.unsqueeze(-1))  # (B, seq_len, 2 * hidden)
        return self.linear(states.flatten(1))


def bidirectional_gru(x, weight_ih, weight_hh, bias_ih, bias_hh):
    """Hidden states of S bidirectional GRUs, ``(S, B, T, 2 * hidden)``.

    ``x`` is ``(S, B, T)``; weights are :class:`GRU`'s parameters stacked
    along a first axis of length S. The S copies and 2 directions become one
    axis of ``D = 2 S`` independent recurrences.
    """
    copies, batch, steps = x.shape
    hidden = weight_hh.shape[-1]

    def merge(w):  # (S, gate, direction, ...) -> (gate, S * direction, ...)
        return w.transpose(0, 1).flatten(1, 2)

    w_ih, w_hh, b_ih, b_hh = merge(weight_ih), merge(weight_hh), merge(bias_ih), merge(bias_hh)
    inputs = torch.stack([x, x.flip(-1)], 1).flatten(0, 1).permute(2, 0, 1)[..., None]  # (T, D, B, 1)
    input_rz = inputs[:, None] * w_ih[:2] + b_ih[:2]  # (T, 2 gates, D, B, hidden)
    input_n = inputs * w_ih[2] + b_ih[2]  # (T, D, B, hidden)
    states = GRURecurrence.apply(input_rz, input_n, w_hh[:2], b_hh[:2], w_hh[2], b_hh[2])[0]
    states = states.view(steps, copies, 2, batch, hidden)
    both = torch.cat([states[:, :, 0], states[:, :, 1].flip(0)], dim=-1)  # backward direction back in time order
    return both.permute(1, 2, 0, 3)


class GRURecurrence(torch.autograd.Function):
    """The GRU recurrence over time, with a hand-written backward pass (BPTT).

    Inputs: the input contributions ``input_rz`` (T, 2, D, B, H) for the reset
    and update gates and ``input_n`` (T, D, B, H) for the candidate state, and
    the recurrent weights ``w_rz`` (2, D, H, H), ``b_rz`` (2, D, 1, H),
    ``w_n`` (D, H, H), ``b_n`` (D, 1, H), stored [in, out]. Returns the states
    (T, D, B, H), plus what the backward pass needs. With ``h`` the previous
    state::

        r, z = sigmoid(input_rz + h @ w_rz + b_rz)
        n = tanh(input_n + r * (h @ w_n + b_n))
        h' = (1 - z) * n + z * h
    """

    generate_vmap_rule = True  # a GRU subclass with its own forward is trained under vmap

    @staticmethod
    def forward(input_rz, input_n, w_rz, b_rz, w_n, b_n):
        h = input_n.new_zeros(input_n.shape[1:])
        previous, resets, updates, news, hidden_ns = [], [], [], [], []
        for step_rz, step_n in zip(input_rz.unbind(0), input_n.unbind(0)):
            hidden_n = torch.matmul(h, w_n) + b_n
            reset, update = torch.sigmoid(step_rz + torch.matmul(h, w_rz) + b_rz).unbind(0)
            new = torch.tanh(step_n + reset * hidden_n)
            for store, value in zip((previous, resets, updates, news, hidden_ns), (h, reset, update, new, hidden_n)):
                store.append(value)
            h = torch.lerp(new, h, update)
        previous = torch.stack(previous)
        states = torch.cat([previous[1:], h[None]])
        return (states, previous, torch.stack(resets), torch.stack(updates), torch.stack(news),
                torch.stack(hidden_ns))

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, _, w_rz, _, w_n, _ = inputs
        _, previous, reset, update, new, hidden_n = output
        ctx.save_for_backward(w_rz, w_n, previous, reset, update, new, hidden_n)
        ctx.mark_non_differentiable(previous, reset, update, new, hidden_n)

    @staticmethod
    def backward(ctx, grad_states, *unused):
        w_rz, w_n, previous, reset, update, new, hidden_n = ctx.saved_tensors
        w_r_t, w_z_t, w_n_t = w_rz[0].mT, w_rz[1].mT, w_n.mT
        grad_h = torch.zeros_like(grad_states[0])
        grad_r, grad_z, grad_n = [], [], []
        for t in range(grad_states.shape[0] - 1, -1, -1):
            grad_h = grad_h + grad_states[t]
            r, z, n = reset[t], update[t], new[t]
            d_n = grad_h * (1 - z) * (1 - n * n)  # through h' = (1 - z) n + z h and n = tanh(.)
            d_r = d_n * hidden_n[t] * r * (1 - r)
            d_z = grad_h * (previous[t] - n) * z * (1 - z)
            grad_h = grad_h * z + torch.matmul(d_n * r, w_n_t) + torch.matmul(d_r, w_r_t) + torch.matmul(d_z, w_z_t)
            grad_r.append(d_r)
            grad_z.append(d_z)
            grad_n.append(d_n)
        grad_rz = torch.stack([torch.stack(grad_r[::-1]), torch.stack(grad_z[::-1])], 1)
        grad_n = torch.stack(grad_n[::-1])
        grad_hidden_n = grad_n * reset
        grad_w_n = torch.einsum("tdbi,tdbj->dij", previous, grad_hidden_n)
        grad_b_n = grad_hidden_n.sum((0, 2)).unsqueeze(1)
        grad_w_rz = torch.einsum("tdbi,tgdbj->gdij", previous, grad_rz)
        grad_b_rz = grad_rz.sum((0, 3)).unsqueeze(2)
        return grad_rz, grad_n, grad_w_rz, grad_b_rz, grad_w_n, grad_b_n


def _seq_len(seq_len, input_size, model, low):
    """``seq_len``, or the deprecated ``input_size`` that meant the same."""
    if input_size is not None:
        warnings.warn(f"{model}(input_size=...) is deprecated: the argument is the length of the signals, now called "
                      "seq_len", DeprecationWarning, stacklevel=3)
        if seq_len != 40:
            raise ValueError(f"give seq_len or its deprecated name input_size, not both (got {seq_len}, {input_size})")
        seq_len = input_size
    return integer("seq_len", seq_len, low=low)


MODELS = {"logistic": LogisticRegression, "mlp": MLP, "cnn": CNN, "gru": GRU}


def build(model, seed=0, **kwargs):
    """Make a model with seeded initialisation, without touching global RNG state.

    Parameters
    ----------
    model : str or callable
        A name in :data:`MODELS` (``"logistic"``, ``"mlp"``, ``"cnn"``,
        ``"gru"``) or a callable returning an ``nn.Module``.
    seed : int
        Seed of the initialisation.
    **kwargs
        Passed to the model's constructor.

    Example
    -------
    >>> a, b = build("mlp", seed=1), build("mlp", seed=1)
    >>> bool(torch.equal(a.linear1.weight, b.linear1.weight))
    True
    """
    if isinstance(model, str):
        if model not in MODELS:
            raise ValueError(f"model must be one of {sorted(MODELS)} or a callable, got {model!r}")
        model = MODELS[model]
    if not callable(model):
        raise ValueError(f"model must be a name or a callable returning an nn.Module, got {model!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        module = model(**kwargs)
    if not isinstance(module, nn.Module):
        raise ValueError(f"the model factory returned {type(module).__name__}, not an nn.Module")
    return module
