"""Models: shapes, parameter counts, the GRU's equivalence with torch.nn.GRU, seeding."""

import pytest
import torch

from torch.nn import functional as F

from mnist1d.models import (CNN, GRU, MLP, MODELS, POOLINGS, GRURecurrence, LogisticRegression, PaddedMLP, PoolingCNN,
                            build, count_parameters)


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
    with pytest.raises(ValueError, match="hidden_size must be an integer >= 1, got 0"):
        MLP(hidden_size=0)


def test_cnn_features_are_125_numbers():
    assert CNN().features(torch.randn(2, 40)).shape == (2, 125)


def test_cnn_layer_outputs_are_the_trunk_and_the_logits():
    model, x = build("cnn", seed=0), torch.randn(5, 40)
    conv1, conv2, conv3, logits = model.layer_outputs(x)
    close = dict(rtol=1e-5, atol=1e-6)  # the trunk's own convolution (mnist1d.conv) sums in another order
    torch.testing.assert_close(conv1, F.relu(model.conv1(x.unsqueeze(1))), **close)
    torch.testing.assert_close(conv2, F.relu(model.conv2(conv1)), **close)
    torch.testing.assert_close(conv3, F.relu(model.conv3(conv2)), **close)
    assert torch.equal(conv3.flatten(1), model.features(x)) and torch.equal(logits, model(x))
    assert [tuple(h.shape) for h in (conv1, conv2, conv3, logits)] == [(5, 25, 19), (5, 25, 10), (5, 25, 5), (5, 10)]


@pytest.mark.parametrize("model", [GRU, CNN, PoolingCNN])
def test_seq_len_names_the_signal_length_and_input_size_still_works(model):
    x = torch.randn(3, 24)
    assert build(model, seed=0, seq_len=24)(x).shape == (3, 10)
    with pytest.warns(DeprecationWarning, match=r"input_size=...\) is deprecated.*seq_len"):
        old = build(model, seed=0, input_size=24)
    new = build(model, seed=0, seq_len=24)
    assert all(torch.equal(a, b) for a, b in zip(old.state_dict().values(), new.state_dict().values()))
    with pytest.raises(ValueError, match="give seq_len or its deprecated name input_size, not both"), \
            pytest.warns(DeprecationWarning):
        model(seq_len=24, input_size=24)


@pytest.mark.parametrize("make, message", [
    (lambda: GRU(hidden_size=0), "hidden_size must be an integer >= 1, got 0"),
    (lambda: GRU(seq_len=0), "seq_len must be an integer >= 1, got 0"),
    (lambda: CNN(channels=2.5), "channels must be an integer >= 1, got 2.5"),
    (lambda: MLP(num_classes="10"), "num_classes must be an integer >= 1, got '10'"),
    (lambda: LogisticRegression(input_size=True), "input_size must be an integer >= 1, got True"),
    (lambda: PaddedMLP(0), "width must be an integer >= 1, got 0"),
    (lambda: PoolingCNN("max", channels=-1), "channels must be an integer >= 1, got -1"),
])
def test_every_model_rejects_bad_sizes_with_a_message_naming_the_parameter(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_numpy_integers_are_accepted_everywhere():
    import numpy as np
    assert build(PaddedMLP, seed=0, width=np.int64(8), padded_width=np.int64(16)).width == 8
    assert count_parameters(PoolingCNN("max", channels=np.int64(8))) == count_parameters(PoolingCNN("max", channels=8))
    assert GRU(hidden_size=np.int32(3)).hidden_size == 3 and type(GRU(hidden_size=np.int32(3)).hidden_size) is int


def test_arguments_after_the_first_are_keyword_only():
    for make in (lambda: MLP(256, 40), lambda: CNN(25, 10), lambda: GRU(6, 10), lambda: PoolingCNN("max", 20),
                 lambda: LogisticRegression(40)):
        with pytest.raises(TypeError, match="positional argument"):
            make()
    assert PaddedMLP(8, 16).linear1.out_features == 16  # width and padded width go together


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
        ref_ih = getattr(reference, "weight_ih_l0" + suffix).grad.view(3, 6)
        ref_bias_ih = getattr(reference, "bias_ih_l0" + suffix).grad.view(3, 6)
        assert torch.allclose(ours.weight_ih.grad[:, direction, 0], ref_ih, atol=1e-10)
        assert torch.allclose(ours.bias_ih.grad[:, direction, 0], ref_bias_ih, atol=1e-10)


def test_gru_recurrence_gradcheck():
    torch.manual_seed(1)
    d, b, h, t = 3, 4, 5, 6
    inputs = [(0.5 * torch.randn(*s, dtype=torch.float64)).requires_grad_() for s in [(t, d, b), (d, h + 2, 4 * h)]]
    assert torch.autograd.gradcheck(lambda *a: GRURecurrence.apply(*a)[0][1:, :, :h], inputs)
    assert torch.autograd.gradcheck(lambda *a: GRURecurrence.apply(*a)[0], inputs)  # the x and 1 rows too


def test_gru_ensemble_forward_matches_single_models():
    models = [build("gru", seed=s) for s in range(3)]
    params = {name: torch.stack([dict(m.named_parameters())[name] for m in models]) for name, _ in
              models[0].named_parameters()}
    x = torch.randn(3, 5, 40)
    together = GRU.ensemble_forward(params, {}, x)
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


def test_padded_mlp_is_exactly_the_narrow_mlp():
    narrow = build(PaddedMLP, seed=3, width=12)
    padded = build(PaddedMLP, seed=3, width=12, padded_width=64)
    plain = torch.nn.Sequential(torch.nn.Linear(40, 12), torch.nn.ReLU(), torch.nn.Linear(12, 12), torch.nn.ReLU(),
                                torch.nn.Linear(12, 10))
    with torch.no_grad():  # the same numbers as a hand-built plain MLP seeded the same way
        torch.manual_seed(3)
        for layer in (plain[0], plain[2], plain[4]):
            layer.reset_parameters()
    x = torch.randn(6, 40)
    assert torch.allclose(narrow(x), plain(x), atol=1e-6)
    assert torch.allclose(padded(x), plain(x), atol=1e-6)
    assert padded.num_parameters == count_parameters(narrow) == 12 * 12 + 52 * 12 + 10
    assert count_parameters(padded) > padded.num_parameters


def test_padded_mlp_padding_gets_no_gradient_and_stays_zero():
    model = build(PaddedMLP, seed=0, width=5, padded_width=9)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(torch.randn(16, 40)), torch.randint(0, 10, (16,))).backward()
        optimizer.step()
    assert model.linear1.weight[5:].abs().sum() == 0 and model.linear1.bias[5:].abs().sum() == 0
    assert model.linear2.weight[5:].abs().sum() == 0 and model.linear2.weight[:, 5:].abs().sum() == 0
    assert model.linear3.weight[:, 5:].abs().sum() == 0
    assert model.linear1.weight[:5].abs().sum() > 0


@pytest.mark.parametrize("kwargs, message", [(dict(width=0), "width must be an integer >= 1"),
                                             (dict(width=2.5), "width must be an integer >= 1"),
                                             (dict(width=8, padded_width=4), r"padded_width must be an integer >= 8, got 4")])
def test_padded_mlp_rejects_bad_widths(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PaddedMLP(**kwargs)


def test_pooling_cnn_variants_share_their_initialisation_and_count_parameters():
    models = {p: build(PoolingCNN, seed=3, pooling=p) for p in POOLINGS}
    assert {p: count_parameters(m) for p, m in models.items()} == {
        "none": 9310, "stride": 3310, "max": 3310, "avg": 3310, "l2": 3310}
    for m in models.values():
        assert torch.equal(m.conv1.weight, models["none"].conv1.weight)
        assert torch.equal(m.conv2.weight, models["none"].conv2.weight)
    assert torch.equal(models["max"].linear.weight, models["l2"].linear.weight)


def test_pooling_cnn_downsampling_does_what_its_name_says():
    x = torch.randn(4, 40)
    model = build(PoolingCNN, seed=0, pooling="stride")
    h = F.relu(model.conv1(x.unsqueeze(1)))
    strided = F.relu(F.conv1d(x.unsqueeze(1), model.conv1.weight, model.conv1.bias, stride=2, padding=1))
    assert torch.allclose(model.downsample(h), strided, atol=1e-6)  # keep every other = stride-2 conv
    pairs = h.view(4, 20, 20, 2)
    for pooling, expected in [("max", pairs.amax(-1)), ("avg", pairs.mean(-1)),
                              ("l2", pairs.pow(2).mean(-1).sqrt()), ("none", h)]:
        model.pooling = pooling
        assert torch.allclose(model.downsample(h), expected.reshape(model.downsample(h).shape), atol=1e-3), pooling


def test_pooling_cnn_computes_what_its_conv1d_modules_compute():
    x = torch.randn(6, 40)
    for pooling in POOLINGS:
        model = build(PoolingCNN, seed=0, pooling=pooling)
        h = model.downsample(F.relu(model.conv1(x.unsqueeze(1))))
        h = model.downsample(F.relu(model.conv2(h)))
        torch.testing.assert_close(model(x), model.linear(h.flatten(1)), rtol=1e-5, atol=1e-5)


def test_l2_pooling_has_finite_gradients_where_relu_is_zero():
    model = build(PoolingCNN, seed=0, pooling="l2")
    x = torch.full((2, 40), -100.0)  # drives many units below zero
    model(x).sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize("kwargs, message", [
    (dict(pooling="mean"), r"pooling must be one of \('none', 'stride', 'max', 'avg', 'l2'\), got 'mean'"),
    (dict(channels=0), "channels must be an integer >= 1, got 0"),
    (dict(seq_len=42), "seq_len must be a multiple of 4"),
])
def test_pooling_cnn_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PoolingCNN(**kwargs)


def test_gru_recurrence_under_vmap_matches_each_copy():
    """vmap folds the mapped axis into the recurrences: same states and gradients as one call per copy."""
    torch.manual_seed(2)
    copies, t, d, b, h = 3, 5, 2, 4, 3
    x = torch.randn(t, d, b, dtype=torch.float64, requires_grad=True)  # shared: not mapped
    weight = (0.5 * torch.randn(copies, d, h + 2, 4 * h, dtype=torch.float64)).requires_grad_()
    mapped = torch.vmap(lambda w: GRURecurrence.apply(x, w)[0])(weight)
    each = torch.stack([GRURecurrence.apply(x, weight[c])[0] for c in range(copies)])
    assert torch.allclose(mapped, each, atol=1e-12)
    grads = torch.autograd.grad(mapped[:, 1:, :, :h].square().sum(), (x, weight))
    expected = torch.autograd.grad(each[:, 1:, :, :h].square().sum(), (x, weight))
    for got, want in zip(grads, expected):
        assert torch.allclose(got, want, atol=1e-10)
    xs = torch.randn(t, copies, d, b, dtype=torch.float64, requires_grad=True)  # mapped at dim 1, weight shared
    mapped = torch.vmap(lambda x_: GRURecurrence.apply(x_, weight[0])[0], in_dims=1)(xs)
    each = torch.stack([GRURecurrence.apply(xs[:, c], weight[0])[0] for c in range(copies)])
    assert torch.allclose(mapped, each, atol=1e-12)
    got = torch.autograd.grad(mapped[:, 1:, :, :h].square().sum(), (xs, weight))
    want = torch.autograd.grad(each[:, 1:, :, :h].square().sum(), (xs, weight))
    assert all(torch.allclose(a, e, atol=1e-10) for a, e in zip(got, want))
