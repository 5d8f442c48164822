"""Models: shapes, parameter counts, the GRU's equivalence with torch.nn.GRU, seeding."""

import pytest
import torch

from mnist1d.models import CNN, GRU, MLP, MODELS, GRURecurrence, LogisticRegression, build, count_parameters


@pytest.mark.parametrize("name, expected", [("logistic", 410), ("mlp", 78_858), ("cnn", 5_210), ("gru", 5_134)])
def test_shapes_and_parameter_counts(name, expected):
    model = MODELS[name]()
    assert model(torch.randn(7, 40)).shape == (7, 10)
    assert count_parameters(model) == expected


def test_mlp_width_is_a_parameter_and_residual():
    assert count_parameters(MLP(hidden_size=100)) == 40 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10
    model = MLP(hidden_size=16)
    with torch.no_grad():
        model.linear2.weight.zero_()
        model.linear2.bias.fill_(-1.0)  # relu(W2 h + b2) = 0: the residual path alone remains
    x = torch.randn(3, 40)
    expected = model.linear3(torch.relu(model.linear1(x)))
    assert torch.allclose(model(x), expected)
    with pytest.raises(ValueError, match="hidden_size must be >= 1"):
        MLP(hidden_size=0)


def test_cnn_features_are_125_numbers():
    assert CNN().features(torch.randn(2, 40)).shape == (2, 125)


def test_gru_matches_torch_gru_outputs_and_gradients():
    torch.manual_seed(0)
    reference = torch.nn.GRU(1, 6, batch_first=True, bidirectional=True).double()
    ours = GRU().double().load_from_torch_gru(reference)
    x = torch.randn(9, 40, dtype=torch.float64)
    expected, _ = reference(x.unsqueeze(-1))
    got = ours.hidden_states(x)
    assert torch.allclose(got, expected, atol=1e-12)
    (expected ** 2).sum().backward()
    (got ** 2).sum().backward()
    for direction, suffix in enumerate(("", "_reverse")):
        ref_hh = getattr(reference, "weight_hh_l0" + suffix).grad.view(3, 6, 6).transpose(1, 2)
        ref_bias = getattr(reference, "bias_hh_l0" + suffix).grad.view(3, 6)
        assert torch.allclose(ours.weight_hh.grad[:, direction], ref_hh, atol=1e-10)
        assert torch.allclose(ours.bias_hh.grad[:, direction, 0], ref_bias, atol=1e-10)


def test_gru_recurrence_gradcheck():
    torch.manual_seed(1)
    d, b, h, t = 3, 4, 5, 6
    shapes = [(t, 2, d, b, h), (t, d, b, h), (2, d, h, h), (2, d, 1, h), (d, h, h), (d, 1, h)]
    inputs = [(0.5 * torch.randn(*s, dtype=torch.float64)).requires_grad_() for s in shapes]
    assert torch.autograd.gradcheck(lambda *a: GRURecurrence.apply(*a)[0], inputs)


def test_gru_ensemble_forward_matches_single_models():
    models = [build("gru", seed=s) for s in range(3)]
    params = {name: torch.stack([dict(m.named_parameters())[name] for m in models]) for name, _ in
              models[0].named_parameters()}
    x = torch.randn(3, 5, 40)
    together = GRU.ensemble_forward(params, x)
    for i, model in enumerate(models):
        assert torch.allclose(together[i], model(x[i]), atol=1e-6)


def test_build_seeds_initialisation_without_touching_global_state():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a, b, c = build("cnn", seed=4), build("cnn", seed=4), build("cnn", seed=5)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert torch.equal(a.conv1.weight, b.conv1.weight) and not torch.equal(a.conv1.weight, c.conv1.weight)
    assert isinstance(build(lambda: LogisticRegression(), seed=0), LogisticRegression)


def test_build_rejects_bad_models():
    with pytest.raises(ValueError, match=r"model must be one of \['cnn', 'gru', 'logistic', 'mlp'\]"):
        build("resnet")
    with pytest.raises(ValueError, match="returned int, not an nn.Module"):
        build(lambda: 3)
