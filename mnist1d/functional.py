"""MLP weights as plain tensors, for training loops written as pure functions.

The metalearning chapters differentiate through whole training runs, so they
keep the weights in a list of tensors instead of an ``nn.Module``.
:func:`mlp_weights` draws such a list from a seed with PyTorch's default
``nn.Linear`` distribution, uniform in ``±1/sqrt(fan_in)``.

Example
-------
>>> import torch
>>> w1, b1, w2, b2 = mlp_weights([40, 50, 10], seed=0)
>>> w1.shape, b1.shape, w2.shape, b2.shape
(torch.Size([40, 50]), torch.Size([50]), torch.Size([50, 10]), torch.Size([10]))
>>> logits = torch.tanh(torch.zeros(8, 40) @ w1 + b1) @ w2 + b2
>>> logits.shape
torch.Size([8, 10])
"""

import math

import torch

from .checks import integer

__all__ = ["mlp_weights"]


def mlp_weights(sizes, seed):
    """Weights ``[W1, b1, W2, b2, ...]`` of an MLP with layer sizes ``sizes``.

    ``W_i`` has shape ``(sizes[i-1], sizes[i])`` (so a layer is ``x @ W + b``)
    and every entry of ``W_i`` and ``b_i`` is uniform in
    ``[-1/sqrt(sizes[i-1]), 1/sqrt(sizes[i-1])]``. All tensors come from one
    generator seeded with ``seed``, in order: same seed, same weights.

    Example
    -------
    >>> [tuple(t.shape) for t in mlp_weights([1, 100, 1], seed=3)]
    [(1, 100), (100,), (100, 1), (1,)]
    >>> bool((mlp_weights([4, 2], seed=0)[0] == mlp_weights([4, 2], seed=0)[0]).all())
    True
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layer sizes (input, ..., output), got {sizes}")
    sizes = [integer(f"sizes[{i}]", n, low=1) for i, n in enumerate(sizes)]
    generator = torch.Generator().manual_seed(integer("seed", seed, low=0))
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        for shape in ((fan_in, fan_out), (fan_out,)):
            weights.append((2 * torch.rand(shape, generator=generator) - 1) / math.sqrt(fan_in))
    return weights
