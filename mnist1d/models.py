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
numbers ``train(..., seed=seeds[i])`` gets. A class may add
``ensemble_forward(params, buffers, x)`` that runs all copies at once
(``params`` and ``buffers`` stacked ``(S, ...)``, ``x`` ``(S, B, 40)``), as
:class:`GRU`, :class:`MLP`, :class:`PaddedMLP`, :class:`CNN` and
:class:`PoolingCNN` do for speed: a static method, or a method called on a
copy of the first model of the copies (for its configuration, such as
``pooling``). It is used only for instances of that class, or of subclasses
that override none of its methods but ``__init__``, whose layers are all
plain ``nn.Linear`` and ``nn.Conv1d`` modules with biases; anything else (a
subclass that changes ``forward`` or a method it calls, a layer swapped for
``nn.Sequential(nn.Dropout(), ...)``) is batched with ``vmap`` or trained
copy by copy, as its ``forward`` requires.

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
from torch.autograd.function import once_differentiable
from torch.nn import functional as F

from .checks import choice, integer
from .conv import WindowConv, conv1d_channels_last
from .ensemble import fold_mapped_axis

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


def batched_linear(params, name, x):
    """S linear layers at once: ``x`` ``(S, B, in)`` times the stacked ``params[name + ".weight"]`` ``(S, out, in)``,
    plus ``params[name + ".bias"]`` ``(S, out)``.

    The product and the bias addition are separate operations, as under
    ``vmap``, so copy ``i`` gets exactly the numbers ``nn.Linear`` gives it.

    Example
    -------
    >>> layer = nn.Linear(40, 3)
    >>> params = {"layer.weight": layer.weight[None], "layer.bias": layer.bias[None]}
    >>> x = torch.randn(5, 40)
    >>> torch.equal(batched_linear(params, "layer", x[None])[0], layer(x))
    True
    """
    return torch.bmm(x, params[name + ".weight"].transpose(1, 2)) + params[name + ".bias"].unsqueeze(1)


def batched_conv(params, name, conv, x):
    """S convolutions at once: channels-last ``x`` ``(S, B, L, C_in)`` with the stacked ``params[name + ".weight"]``
    ``(S, C_out, C_in, k)`` and ``params[name + ".bias"]`` ``(S, C_out)``, at the stride and padding of the
    ``nn.Conv1d`` ``conv``; returns ``(S, B, L_out, C_out)``, each copy what
    :func:`mnist1d.conv.conv1d_channels_last` gives it.

    Example
    -------
    >>> conv = nn.Conv1d(1, 4, 5, stride=2, padding=1)
    >>> params = {"conv.weight": conv.weight[None], "conv.bias": conv.bias[None]}
    >>> x = torch.randn(3, 40, 1)
    >>> expected = conv1d_channels_last(x, conv.weight, conv.bias, stride=2, padding=1)
    >>> torch.equal(batched_conv(params, "conv", conv, x[None])[0], expected)
    True
    """
    return WindowConv.apply(x, params[name + ".weight"], params[name + ".bias"], conv.stride[0], conv.padding[0])[0]


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

    @staticmethod
    def ensemble_forward(params, buffers, x):
        """Run S copies at once (see the model contract above): the numbers of :meth:`forward`, bit for bit."""
        h = F.relu(batched_linear(params, "linear1", x))
        h = h + F.relu(batched_linear(params, "linear2", h))
        return batched_linear(params, "linear3", h)


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

    @staticmethod
    def ensemble_forward(params, buffers, x):
        """Run S copies at once (see the model contract above): the numbers of :meth:`forward`, bit for bit."""
        mask = buffers["unit_mask"].unsqueeze(1)
        h = F.relu(batched_linear(params, "linear1", x)) * mask
        h = F.relu(batched_linear(params, "linear2", h)) * mask
        return batched_linear(params, "linear3", h)


class CNN(nn.Module):
    """Three strided 1-D convolutions and a linear layer: 5,210 parameters.

    Conv1d(1, 25, kernel 5, stride 2, padding 1) -> 19 positions, then twice
    Conv1d(25, 25, kernel 3, stride 2, padding 1) -> 10 -> 5, each followed by
    ReLU; flatten to 125 and a linear layer to 10 classes. ``seq_len`` is the
    length of the input signals. The convolutions run as
    :func:`mnist1d.conv.conv1d_channels_last` with the ``Conv1d`` modules'
    parameters: the same function, about 1.5x as fast in ensembles on a CPU.
    :meth:`ensemble_forward` runs copies without ``vmap``: about 2x as fast
    for one copy and 1.4x for six, no faster for 21.

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
        # Channels-last convolutions (mnist1d.conv): the same function as the Conv1d modules' forward, faster
        # on a CPU, above all in ensembles; the activations are returned as (B, channels, length) views.
        h, hidden = x.unsqueeze(-1), []
        for conv in (self.conv1, self.conv2, self.conv3):
            h = F.relu(conv1d_channels_last(h, conv.weight, conv.bias, conv.stride[0], conv.padding[0]))
            hidden.append(h.transpose(1, 2))
        return hidden

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

    def ensemble_forward(self, params, buffers, x):
        """Run S copies at once (see the model contract above): the numbers of :meth:`forward`, bit for bit."""
        h = x.unsqueeze(-1)  # (S, B, length, channels)
        for name in ("conv1", "conv2", "conv3"):
            h = F.relu(batched_conv(params, name, getattr(self, name), h))
        return batched_linear(params, "linear", h.transpose(2, 3).flatten(2))


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
    ``seq_len`` is the length of the input signals. As in :class:`CNN`, the
    convolutions run as :func:`mnist1d.conv.conv1d_channels_last` with the
    ``Conv1d`` modules' parameters, and :meth:`ensemble_forward` runs many
    copies at once (about 1.4x as fast as ``vmap`` in chapter 8's ensemble).

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
        # Channels-last convolutions (mnist1d.conv), as in CNN: the Conv1d modules' function, faster on a CPU.
        h = x.unsqueeze(-1)  # (B, length, channels)
        for conv in (self.conv1, self.conv2):
            h = F.relu(conv1d_channels_last(h, conv.weight, conv.bias, conv.stride[0], conv.padding[0]))
            h = self.downsample(h.transpose(1, 2)).transpose(1, 2)
        return self.linear(h.transpose(1, 2).flatten(1))  # flattened channel by channel, as (B, channels, length)

    def ensemble_forward(self, params, buffers, x):
        """Run S copies at once (see the model contract above): the numbers of :meth:`forward`, bit for bit.

        Called on a model with this ``pooling``; the convolutions of all
        copies are one batched product each, and the downsampling runs on all
        copies' activations as one batch.
        """
        copies, batch = x.shape[:2]
        h = x.unsqueeze(-1)  # (S, B, length, channels)
        for name in ("conv1", "conv2"):
            h = F.relu(batched_conv(params, name, getattr(self, name), h))
            h = self.downsample(h.flatten(0, 1).transpose(1, 2)).transpose(1, 2).unflatten(0, (copies, batch))
        return batched_linear(params, "linear", h.transpose(2, 3).flatten(2))


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
        """Hidden states of both directions at every step, ``(B, seq_len, 2 * hidden)``."""
        weights = [w.unsqueeze(0) for w in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)]
        return bidirectional_gru(x.unsqueeze(0), *weights)[0]

    def forward(self, x):
        return self.linear(self.hidden_states(x).flatten(1))

    @staticmethod
    def ensemble_forward(params, buffers, x):
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
    axis of ``D = 2 S`` independent recurrences, run by :class:`GRURecurrence`
    with one weight matrix per recurrence (:func:`gru_step_weights`).
    """
    copies, batch, steps = x.shape
    hidden = weight_hh.shape[-1]
    inputs = torch.stack([x, x.flip(-1)], 1).flatten(0, 1).permute(2, 0, 1)  # (T, D, B)
    states = GRURecurrence.apply(inputs, gru_step_weights(weight_ih, weight_hh, bias_ih, bias_hh))[0]
    states = states[1:, :, :hidden].view(steps, copies, 2, hidden, batch)
    both = torch.cat([states[:, :, 0], states[:, :, 1].flip(0)], dim=2)  # backward direction back in time order
    return both.permute(1, 3, 0, 2)


def gru_step_weights(weight_ih, weight_hh, bias_ih, bias_hh):
    """One matrix per recurrence, ``(D, H + 2, 4 H)``, that gives every gate's input in one product.

    The weights are :class:`GRU`'s parameters stacked along a first axis of
    length S (``(S, gate, direction, rows, H)``); D = 2 S. Multiplying
    ``[h, x, 1]`` (previous state, input, constant) by the matrix gives four
    blocks of H numbers: the pre-activations of the reset and update gates
    (both biases included), the recurrent part of the candidate
    ``h @ W_hn + b_hn``, and its input part ``x * w_in + b_in``.
    """
    def merge(w):  # (S, gate, direction, rows, H) -> (S * direction, rows, gate * H)
        return w.permute(0, 2, 3, 1, 4).flatten(3, 4).flatten(0, 1)

    w_ih, w_hh, b_ih, b_hh = merge(weight_ih), merge(weight_hh), merge(bias_ih), merge(bias_hh)
    hidden = w_hh.shape[1]
    rz, n = slice(0, 2 * hidden), slice(2 * hidden, None)
    zeros = w_hh.new_zeros(w_hh.shape[0], hidden + 1, hidden)
    from_state = torch.cat([w_hh, zeros[:, :hidden]], -1)
    from_input = torch.cat([w_ih[..., rz], zeros[:, :1], w_ih[..., n]], -1)
    from_constant = torch.cat([b_ih[..., rz] + b_hh[..., rz], b_hh[..., n], b_ih[..., n]], -1)
    return torch.cat([from_state, from_input, from_constant], 1)


class GRURecurrence(torch.autograd.Function):
    """The GRU recurrence over time, with a hand-written backward pass (BPTT).

    Inputs: ``x`` (T, D, B), one number per step of D independent
    recurrences, and ``weight`` (D, H + 2, 4H) from :func:`gru_step_weights`.
    Returns the state ``(T + 1, D, H + 2, B)``: row ``t`` holds ``[h, x, 1]``,
    the hidden state after ``t`` steps (0 for ``t = 0``) with the input read
    at step ``t + 1`` (0 for ``t = T``) and a constant, so the hidden states
    of steps 1..T are ``[1:, :, :H]``; and the four blocks of
    :func:`gru_step_weights` after their nonlinearities, ``(T, D, 4H, B)``
    (``r``, ``z``, ``h @ W_hn + b_hn``, ``n``), for the backward pass (not
    differentiable). Each step computes, with ``h`` the previous state::

        r, z = sigmoid(x * w_ir + b_ir + h @ W_hr + b_hr), sigmoid(... the same for z)
        n = tanh(x * w_in + b_in + r * (h @ W_hn + b_hn))
        h' = (1 - z) * n + z * h

    On a CPU a GRU this small costs per operation, not per number, so each
    step is one batched matrix product (the input and the constant ride
    along with the state, so it gives all four blocks at once) and a few
    in-place operations on contiguous blocks (features before batch). The
    backward pass is as short: per step, one product with precomputed
    derivatives, one matrix product back through time and one that
    accumulates the weight gradient; it cannot itself be differentiated (no
    second derivatives). Under ``vmap`` the mapped axis joins the D axis
    (:meth:`vmap`), so an ensemble of subclassed GRUs runs as one.
    """

    @staticmethod
    def forward(x, weight):
        steps, recurrences, batch = x.shape
        hidden = weight.shape[1] - 2
        state = x.new_empty(steps + 1, recurrences, hidden + 2, batch)  # [h, x, 1] at each step
        state[0, :, :hidden] = 0
        state[:-1, :, hidden] = x
        state[-1, :, hidden] = 0
        state[:, :, hidden + 1] = 1
        gates = x.new_empty(steps, recurrences, 4 * hidden, batch)  # r, z, h @ W_hn + b_hn, n
        to_gates = weight.mT
        for t in range(steps):
            block = torch.bmm(to_gates, state[t], out=gates[t])
            rz = block[:, :2 * hidden].sigmoid_()
            n = block[:, 3 * hidden:].addcmul_(rz[:, :hidden], block[:, 2 * hidden:3 * hidden]).tanh_()
            torch.lerp(n, state[t, :, :hidden], rz[:, hidden:], out=state[t + 1, :, :hidden])
        return state, gates

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[1], *output)
        ctx.mark_non_differentiable(output[1])
        ctx.set_materialize_grads(False)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_state, unused):
        weight, state, gates = ctx.saved_tensors
        steps, recurrences, width, batch = gates.shape
        hidden = width // 4
        if grad_state is None:  # nothing downstream used the states
            return None, None
        r, z, hidden_n, n = gates.split(hidden, 2)
        previous = state[:-1, :, :hidden]
        # d loss / d pre-activation of each block = (d loss / d h') * factor, all steps at once
        factors = torch.empty_like(gates)
        d_n = torch.mul(1 - z, 1 - n * n, out=factors[:, :, 3 * hidden:])
        torch.mul(d_n * hidden_n, r * (1 - r), out=factors[:, :, :hidden])
        torch.mul(previous - n, z * (1 - z), out=factors[:, :, hidden:2 * hidden])
        torch.mul(d_n, r, out=factors[:, :, 2 * hidden:3 * hidden])
        factors = factors.view(steps, recurrences, 4, hidden, batch)
        grad_gates = torch.empty_like(gates)
        grad_weight = torch.zeros_like(weight.mT)  # (D, 4H, H + 2)
        from_gates = weight[:, :hidden]  # (D, H, 4H): from the blocks back to h
        grad_h = grad_state[1:, :, :hidden]
        carry = torch.zeros_like(grad_h[0])  # gradient reaching h' through later steps
        for t in range(steps - 1, -1, -1):
            g = carry + grad_h[t]
            block = torch.mul(g.unsqueeze(1), factors[t], out=grad_gates[t].view(recurrences, 4, hidden, batch))
            block = block.view(recurrences, width, batch)
            carry = torch.baddbmm(g * z[t], from_gates, block)
            grad_weight.baddbmm_(block, state[t].mT)
        grad_x = None
        if ctx.needs_input_grad[0]:  # x enters each step's product, and is returned in row H of the state
            grad_x = torch.einsum("tdjb,dj->tdb", grad_gates, weight[:, hidden]) + grad_state[:-1, :, hidden]
        return grad_x, grad_weight.mT

    @staticmethod
    def vmap(info, in_dims, x, weight):
        """Fold the mapped axis into the recurrence axis D: one recurrence of ``size * D``."""

        outputs = GRURecurrence.apply(fold_mapped_axis(x, in_dims[0], info.batch_size, axis=1),
                                      fold_mapped_axis(weight, in_dims[1], info.batch_size))
        return tuple(out.unflatten(1, (info.batch_size, -1)) for out in outputs), (1, 1)


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
