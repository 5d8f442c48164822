"""How much a representation knows: linear-probe and k-nearest-neighbour accuracy.

Both take features of a training and a test set (arrays or tensors,
``(N, D)``), fit on the training features only and score on the test features.
They are written in PyTorch and run in well under a second for MNIST-1D-sized
data, so a chapter can probe every layer of many networks.

Example
-------
>>> import numpy as np, mnist1d
>>> data = mnist1d.make_dataset()
>>> round(linear_probe_accuracy(data["x"], data["y"], data["x_test"], data["y_test"]), 2)
0.33
"""

import numpy as np
import torch
from torch.nn import functional as F

from .checks import integer, real
from .memory import keep_freed_memory

__all__ = ["linear_probe_accuracy", "knn_accuracy"]


def _as_tensors(train_x, train_y, test_x, test_y):
    train_x, test_x = (torch.as_tensor(np.asarray(a), dtype=torch.float64) for a in (train_x, test_x))
    train_y, test_y = (torch.as_tensor(np.asarray(a), dtype=torch.long) for a in (train_y, test_y))
    if train_x.dim() != 2 or test_x.dim() != 2 or train_x.shape[1] != test_x.shape[1]:
        raise ValueError(f"features must be (N, D) arrays with the same D, got shapes {tuple(train_x.shape)} "
                         f"and {tuple(test_x.shape)}")
    if len(train_y) != len(train_x) or len(test_y) != len(test_x):
        raise ValueError(f"labels must have one entry per sample, got {len(train_y)} for {len(train_x)} training "
                         f"and {len(test_y)} for {len(test_x)} test samples")
    return train_x, train_y, test_x, test_y


def linear_probe_accuracy(train_x, train_y, test_x, test_y, *, l2=1e-3, max_iter=200):
    """Test accuracy of a multinomial logistic regression fitted to standardised features.

    Each feature is standardised with the training set's mean and standard
    deviation (constant features become 0). The classifier minimises the mean
    cross-entropy plus ``l2 / 2`` times the squared norm of its weights (not
    the bias) with at most ``max_iter`` L-BFGS iterations, in double
    precision. The problem is convex, so the result depends only on the data.
    In scikit-learn's terms this is ``LogisticRegression(C=1 / (N * l2))`` for
    N training samples: ``C=0.25`` for MNIST-1D's 4,000.

    Example
    -------
    >>> x = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> linear_probe_accuracy(x, [0, 0, 1, 1], x, [0, 0, 1, 1])
    1.0
    """
    train_x, train_y, test_x, test_y = _as_tensors(train_x, train_y, test_x, test_y)
    l2, max_iter = real("l2", l2, low=0), integer("max_iter", max_iter, low=1)
    keep_freed_memory()  # L-BFGS reallocates its (N, classes) products at every evaluation (mnist1d.memory)
    mean, std = train_x.mean(0), train_x.std(0)
    std = torch.where(std > 1e-12, std, torch.ones_like(std))
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    classes = int(max(train_y.max(), test_y.max())) + 1
    weight = torch.zeros(train_x.shape[1], classes, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], max_iter=max_iter, tolerance_grad=1e-6,
                                  line_search_fn="strong_wolfe")

    def objective():
        optimizer.zero_grad()
        loss = F.cross_entropy(train_x @ weight + bias, train_y) + l2 / 2 * weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(objective)
    with torch.no_grad():
        return ((test_x @ weight + bias).argmax(1) == test_y).double().mean().item()


def knn_accuracy(train_x, train_y, test_x, test_y, *, k=10):
    """Test accuracy of a k-nearest-neighbour vote under cosine similarity.

    Each test sample takes the majority label of its ``k`` most similar
    training samples (ties go to the smallest label).

    Example
    -------
    >>> train = np.array([[1.0, 0.1], [1.0, -0.1], [-1.0, 0.2], [-1.0, -0.2]])
    >>> knn_accuracy(train, [0, 0, 1, 1], [[2.0, 0.0], [-3.0, 0.1]], [0, 1], k=2)
    1.0
    """
    train_x, train_y, test_x, test_y = _as_tensors(train_x, train_y, test_x, test_y)
    k = integer("k", k, low=1, high=len(train_x))  # at most the training set's size
    similarity = F.normalize(test_x, dim=1) @ F.normalize(train_x, dim=1).T
    neighbours = train_y[similarity.topk(k, dim=1).indices]  # (test, k)
    classes = int(max(train_y.max(), test_y.max())) + 1
    votes = F.one_hot(neighbours, classes).sum(1)
    return (votes.argmax(1) == test_y).double().mean().item()
