import math

import pytest
import torch

from mnist1d.functional import mlp_weights


def test_shapes_follow_sizes_and_values_stay_in_the_default_bound():
    weights = mlp_weights([40, 128, 10], seed=0)
    assert [tuple(w.shape) for w in weights] == [(40, 128), (128,), (128, 10), (10,)]
    for w, fan_in in zip(weights, [40, 40, 128, 128]):
        assert w.abs().max() <= 1 / math.sqrt(fan_in)
        assert w.abs().max() > 0.9 / math.sqrt(fan_in)  # uses the whole range
    assert weights[0].mean().abs() < 0.01


def test_same_seed_same_weights_other_seed_other_weights():
    a, b, c = (mlp_weights([40, 50, 10], seed=s) for s in (1, 1, 2))
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    assert not torch.equal(a[0], c[0])


def test_numpy_integers_are_accepted():
    import numpy as np
    got = mlp_weights(np.array([3, 2]), seed=np.int64(5))
    assert all(torch.equal(a, b) for a, b in zip(got, mlp_weights([3, 2], seed=5)))


def test_matches_a_sequential_draw_from_one_generator():
    generator = torch.Generator().manual_seed(5)
    w = (2 * torch.rand((3, 2), generator=generator) - 1) / math.sqrt(3)
    b = (2 * torch.rand((2,), generator=generator) - 1) / math.sqrt(3)
    got = mlp_weights([3, 2], seed=5)
    assert torch.equal(got[0], w) and torch.equal(got[1], b)


@pytest.mark.parametrize("sizes, message", [
    ([40], r"sizes must list at least two layer sizes"), ([], r"sizes must list at least two layer sizes"),
    ([40, 0, 10], r"sizes\[1\] must be an integer >= 1, got 0"),
    ([40, 2.5, 10], r"sizes\[1\] must be an integer >= 1, got 2.5"),
    ([40, True], r"sizes\[1\] must be an integer >= 1, got True")])
def test_bad_sizes_are_rejected(sizes, message):
    with pytest.raises(ValueError, match=message):
        mlp_weights(sizes, seed=0)


@pytest.mark.parametrize("seed", [-1, 1.0, None])
def test_bad_seed_is_rejected(seed):
    with pytest.raises(ValueError, match=f"seed must be an integer >= 0, got {seed!r}"):
        mlp_weights([2, 2], seed=seed)
