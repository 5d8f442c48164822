"""TorchGRU: the torch.nn.GRU twin of mnist1d.models.GRU (the speed baseline of chapter 2 and bench_train)."""

import pytest
import torch

from mnist1d.models import GRU, TorchGRU, build, count_parameters
from mnist1d.train import train


@pytest.mark.parametrize("kwargs", [{}, {"hidden_size": 3, "num_classes": 4, "seq_len": 12}])
def test_torch_gru_has_the_shape_and_parameter_count_of_gru(kwargs):
    seq_len = kwargs.get("seq_len", 40)
    twin, ours = TorchGRU(**kwargs), GRU(**kwargs)
    assert count_parameters(twin) == count_parameters(ours)
    assert twin(torch.randn(5, seq_len)).shape == ours(torch.randn(5, seq_len)).shape
    if not kwargs:
        assert count_parameters(twin) == 5_134


def test_torch_gru_computes_what_gru_computes_with_its_weights():
    twin = build(TorchGRU, seed=0).double()
    ours = GRU().double().load_from_torch_gru(twin.gru)
    ours.linear.load_state_dict(twin.linear.state_dict())
    x = torch.randn(6, 40, dtype=torch.float64)
    assert torch.allclose(ours(x), twin(x), atol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden_size": 0}, "hidden_size must be an integer >= 1, got 0"),
    ({"seq_len": 0}, "seq_len must be an integer >= 1, got 0"),
    ({"num_classes": 2.5}, "num_classes must be an integer >= 1, got 2.5"),
])
def test_torch_gru_rejects_bad_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TorchGRU(**kwargs)


def test_torch_gru_arguments_after_the_first_are_keyword_only():
    with pytest.raises(TypeError):
        TorchGRU(6, 10)


def test_torch_gru_trains_with_the_package_trainer(data):
    history = train(TorchGRU, data, seed=0, steps=150, eval_every=150, progress=False)
    assert isinstance(history.model, TorchGRU)
    assert history.final_train_acc > 0.2  # chance is 0.1
