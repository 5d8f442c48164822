"""Trainers: learning, determinism, ensemble == separate runs, clear errors."""

import re

import numpy as np
import pytest
import torch
from torch.nn import functional as F

import mnist1d
from mnist1d.models import CNN, MLP, POOLINGS, PaddedMLP, PoolingCNN, build
from mnist1d.train import Ensemble, History, resolve_device, train, train_ensemble

QUICK = dict(steps=60, eval_every=20, progress=False)


def test_a_short_run_learns(data):
    history = train("cnn", data, steps=400, eval_every=200, seed=0, progress=False)
    assert history.final_test_acc > 0.45  # chance is 0.10
    assert history.train_loss[-1] < history.train_loss[0]
    assert isinstance(history.model, torch.nn.Module)


def test_history_layout(data):
    history = train("logistic", data, steps=50, eval_every=20, seed=0, progress=False)
    assert history.steps.tolist() == [20, 40, 50]  # and always after the last step
    for column in (history.train_loss, history.train_acc, history.test_loss, history.test_acc):
        assert column.shape == (3,)
    assert 0 <= history.final_test_acc <= history.best_test_acc <= 1
    assert "final test acc" in repr(history)


def test_same_seed_same_history_other_seed_other_history(data):
    a = train("mlp", data, seed=3, **QUICK)
    b = train("mlp", data, seed=3, **QUICK)
    c = train("mlp", data, seed=4, **QUICK)
    assert np.array_equal(a.test_loss, b.test_loss) and np.array_equal(a.train_acc, b.train_acc)
    assert not np.array_equal(a.test_loss, c.test_loss)


@pytest.mark.parametrize("name", ["logistic", "mlp", "cnn", "gru"])
@pytest.mark.parametrize("optimizer, lr", [("adam", 0.01), ("sgd", 0.05)])
def test_ensemble_of_two_seeds_equals_two_single_runs(data, name, optimizer, lr):
    # Float rounding differs between a batched and a single convolution; Adam, which divides by the
    # gradient's running size, amplifies such 1e-7 differences over many steps. So: few steps, tight tolerance.
    settings = dict(steps=10, eval_every=2, progress=False, optimizer=optimizer, lr=lr)
    ensemble = train_ensemble(name, data, seeds=[0, 1], **settings)
    for i, seed in enumerate([0, 1]):
        single = train(name, data, seed=seed, **settings)
        np.testing.assert_allclose(ensemble.test_loss[:, i], single.test_loss, rtol=1e-5)
        np.testing.assert_allclose(ensemble.train_acc[:, i], single.train_acc, atol=1e-6)
        for (key, a), b in zip(ensemble.member(i).model.state_dict().items(), single.model.state_dict().values()):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4, msg=key)  # 1% of one Adam step


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_the_multi_tensor_update_gives_the_numbers_of_the_plain_one_bit_for_bit(data, monkeypatch, optimizer):
    # The trainer asks for foreach=True (fewer operations per step); it must not change a single number.
    settings = dict(steps=30, eval_every=10, progress=False, optimizer=optimizer, lr=0.01, weight_decay=1e-4)
    fast = train_ensemble("mlp", data, seeds=[0, 1], **settings)
    for name in ("Adam", "SGD"):
        original = getattr(torch.optim, name)
        monkeypatch.setattr(torch.optim, name, lambda *args, _original=original, **kwargs: _original(
            *args, **{**kwargs, "foreach": False}))
    plain = train_ensemble("mlp", data, seeds=[0, 1], **settings)
    assert np.array_equal(fast.test_loss, plain.test_loss) and np.array_equal(fast.train_loss, plain.train_loss)
    for a, b in zip(fast.model.params.values(), plain.model.params.values()):
        assert torch.equal(a, b)


class VmappedMLP(MLP):
    """MLP with its own copy of ``forward``: trained through ``vmap``, not ``MLP.ensemble_forward``."""

    def forward(self, x):
        h = torch.relu(self.linear1(x))
        h = h + torch.relu(self.linear2(h))
        return self.linear3(h)


class VmappedPaddedMLP(PaddedMLP):
    def forward(self, x):
        h = torch.relu(self.linear1(x)) * self.unit_mask
        h = torch.relu(self.linear2(h)) * self.unit_mask
        return self.linear3(h)


class VmappedPoolingCNN(PoolingCNN):
    def forward(self, x):
        return PoolingCNN.forward(self, x)


class VmappedCNN(CNN):
    def forward(self, x):
        return CNN.forward(self, x)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_batched_mlp_forward_gives_the_numbers_of_vmap_bit_for_bit(data, optimizer):
    # MLP and PaddedMLP bring their own batched forward (fewer, larger operations than vmap's);
    # it must not change a single number, for one stack of copies or several.
    settings = dict(steps=30, eval_every=10, progress=False, optimizer=optimizer, lr=0.01, momentum=0.9)
    for fast_class, vmapped_class, kwargs in ((MLP, VmappedMLP, [dict(hidden_size=32)] * 2),
                                              (PaddedMLP, VmappedPaddedMLP, [dict(width=5, padded_width=16),
                                                                            dict(width=16, padded_width=16),
                                                                            dict(width=20, padded_width=32)])):
        fast = train_ensemble([build(fast_class, seed=i, **k) for i, k in enumerate(kwargs)], data,
                              seeds=range(len(kwargs)), **settings)
        vmapped = train_ensemble([build(vmapped_class, seed=i, **k) for i, k in enumerate(kwargs)], data,
                                 seeds=range(len(kwargs)), **settings)
        assert fast.model.groups[0][1].batched is not None and vmapped.model.groups[0][1].batched is None
        assert np.array_equal(fast.test_loss, vmapped.test_loss) and np.array_equal(fast.train_loss, vmapped.train_loss)
        for a, b in zip(fast.model.params.values(), vmapped.model.params.values()):
            assert torch.equal(a, b)


@pytest.mark.parametrize("fast_class, vmapped_class, configurations", [
    (PoolingCNN, VmappedPoolingCNN, [dict(pooling=p) for p in POOLINGS]),  # one stack per pooling
    (CNN, VmappedCNN, [dict(channels=25), dict(channels=4)])])
def test_batched_cnn_forward_gives_the_numbers_of_vmap_bit_for_bit(data, fast_class, vmapped_class, configurations):
    # Two copies of each configuration; PoolingCNN.ensemble_forward reads the stack's pooling.
    settings = dict(steps=20, eval_every=10, progress=False)
    runs = [(kwargs, seed) for kwargs in configurations for seed in (0, 1)]
    fast = train_ensemble([build(fast_class, seed=s, **k) for k, s in runs], data, seeds=[s for _, s in runs],
                          **settings)
    vmapped = train_ensemble([build(vmapped_class, seed=s, **k) for k, s in runs], data,
                             seeds=[s for _, s in runs], **settings)
    assert all(stack.batched is not None for _, stack in fast.model.groups)
    assert len(fast.model.groups) == len(configurations)
    assert all(stack.batched is None for _, stack in vmapped.model.groups)
    assert np.array_equal(fast.test_loss, vmapped.test_loss) and np.array_equal(fast.train_loss, vmapped.train_loss)
    for a, b in zip(fast.model.params.values(), vmapped.model.params.values()):
        assert torch.equal(a, b)


def test_a_subclass_that_changes_what_forward_calls_is_batched_with_vmap():
    class MinPooling(PoolingCNN):  # PoolingCNN.ensemble_forward would pool with the maximum
        def downsample(self, h):
            return -F.max_pool1d(-h, 2)

    class Renamed(PoolingCNN):  # changes no method: keeps the batched forward
        def __init__(self, channels=8):
            super().__init__("max", channels=channels)

    x = torch.randn(5, 40)
    for cls, batched in ((MinPooling, False), (Renamed, True)):
        modules = [build(cls, seed=s) for s in range(2)]
        ensemble = Ensemble(modules)
        assert (ensemble.groups[0][1].batched is not None) is batched, cls
        with torch.no_grad():
            torch.testing.assert_close(ensemble(x), torch.stack([m(x) for m in modules]), rtol=1e-5, atol=1e-6)


def test_a_model_with_a_swapped_layer_trains_as_its_forward_says(data):
    # A student adds dropout by swapping a layer: MLP.ensemble_forward must not be used (it would look for
    # linear2.weight); the copies train one by one, like any model with dropout.
    models = [build(MLP, seed=s) for s in range(2)]
    for model in models:
        model.linear2 = torch.nn.Sequential(torch.nn.Dropout(0.2), torch.nn.Linear(256, 256))
    with pytest.warns(UserWarning, match="runs one copy at a time because it draws random numbers"):
        history = train_ensemble(models, data, seeds=[0, 1], steps=20, eval_every=20, progress=False)
    assert history.final_test_acc.shape == (2,)
    no_bias = build(PoolingCNN, seed=0, pooling="max")
    no_bias.linear = torch.nn.Linear(200, 10, bias=False)
    assert Ensemble([no_bias]).groups[0][1].batched is None
    with torch.no_grad():
        x = torch.randn(3, 40)
        torch.testing.assert_close(Ensemble([no_bias])(x)[0], no_bias(x))


def test_ensemble_with_one_dataset_per_copy(data):
    shuffled = mnist1d.make_dataset(shuffle_seq=True)
    small = mnist1d.make_dataset(num_samples=1000)  # 800 training samples, padded inside the ensemble
    small = dict(small, x_test=data["x_test"], y_test=data["y_test"])
    ensemble = train_ensemble("mlp", [data, shuffled, small], seeds=[0, 0, 0], **QUICK)
    for i, dataset in enumerate([data, shuffled, small]):
        single = train("mlp", dataset, seed=0, **QUICK)
        np.testing.assert_allclose(ensemble.train_loss[:, i], single.train_loss, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(ensemble.test_acc[:, i], single.test_acc, atol=2e-3)


def test_prepared_modules_and_mse_and_sgd(data):
    modules = [build("mlp", seed=0, hidden_size=h) for h in (32, 32)]
    history = train_ensemble(modules, data, seeds=[0, 1], steps=100, eval_every=100, progress=False,
                             optimizer="sgd", lr=0.05, loss="mse")
    assert isinstance(history.model, Ensemble) and history.model.size == 2
    assert repr(history.model) == "Ensemble(2 x MLP)"
    assert (history.final_test_acc > 0.15).all()
    assert history.model(torch.as_tensor(data["x_test"][:5], dtype=torch.float32)).shape == (2, 5, 10)


def test_progress_bar_can_be_switched_off(data, capsys):
    train("logistic", data, steps=30, eval_every=30, progress=True)
    assert "training" in capsys.readouterr().err
    train("logistic", data, steps=30, eval_every=30, progress=False)
    assert capsys.readouterr().err == ""


def test_device_auto():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected and resolve_device("cpu").type == "cpu"
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("device", ["gpu", "cuda:x", None, True, 1.0, -1])
def test_a_device_that_is_not_one_is_named(data, device):
    with pytest.raises(ValueError, match=r'device must be "auto", "cpu", "cuda", "cuda:N", a GPU\'s number or a '
                                         r"torch.device, got " + re.escape(repr(device))):
        train("logistic", data, **QUICK, device=device)


def test_a_gpu_that_is_not_there_is_a_clear_error_before_training(data):
    """Without CUDA, "cuda" and a GPU's number fail at once, saying so; with it, the count is checked."""
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        for device in ("cuda", "cuda:0", 0, np.int64(0)):
            with pytest.raises(ValueError, match=r"PyTorch sees no (CUDA )?GPU here; use .*auto"):
                train("logistic", data, **QUICK, device=device)
        expected = r"PyTorch sees no CUDA GPU here"
    else:
        assert resolve_device("cuda").type == "cuda" and resolve_device(np.int64(0)) == torch.device("cuda", 0)
        expected = rf"device='cuda:{count + 7}', but there (is|are) {count} CUDA GPUs? \(cuda:0"
    with pytest.raises(ValueError, match=expected):
        resolve_device(f"cuda:{count + 7}")
    if not torch.backends.mps.is_available():
        with pytest.raises(ValueError, match=r"device='mps', but the Apple GPU backend \(MPS\) is not available"):
            resolve_device("mps")


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=0), "steps must be an integer >= 1, got 0"),
    (dict(batch_size=-5), "batch_size must be an integer >= 1, got -5"),
    (dict(eval_every=1.5), "eval_every must be an integer >= 1, got 1.5"),
    (dict(lr=-0.1), r"lr must be a real number in \(0, inf\), got -0.1"),
    (dict(lr="0.1"), r"lr must be a real number in \(0, inf\), got '0.1'"),
    (dict(validation=-1), "validation must be an integer >= 0, got -1"),
    (dict(momentum=float("nan")), r"momentum must be a real number in \[0, inf\), got nan"),
    (dict(loss="hinge"), r"loss must be one of \('cross_entropy', 'mse'\), got 'hinge'"),
    (dict(optimizer="lbfgs"), r"optimizer must be one of \('adam', 'sgd'\), got 'lbfgs'"),
    (dict(batch_size=5000), r"batch_size \(5000\) is larger than a training set \(4000 samples\)"),
])
def test_bad_arguments_raise_clear_errors(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train("logistic", data, **{**QUICK, **kwargs})


def test_mismatched_ensemble_arguments(data):
    with pytest.raises(ValueError, match="got 2 datasets for 3 seeds"):
        train_ensemble("logistic", [data, data], seeds=[0, 1, 2], **QUICK)
    with pytest.raises(ValueError, match="got 1 models for 2 seeds"):
        train_ensemble([build("mlp")], data, seeds=[0, 1], **QUICK)


def test_history_member_of_single_run_is_itself(data):
    history = train("logistic", data, seed=0, **QUICK)
    assert isinstance(history, History) and history.test_acc.ndim == 1


def test_padded_mlps_of_different_widths_train_as_one_ensemble_like_alone(data):
    from mnist1d.models import PaddedMLP
    settings = dict(steps=40, eval_every=20, progress=False, optimizer="sgd", lr=0.05)
    padded = [build(PaddedMLP, seed=s, width=w, padded_width=16) for s, w in ((0, 4), (1, 11))]
    together = train_ensemble(padded, data, seeds=[0, 1], **settings)
    for i, (seed, width) in enumerate(((0, 4), (1, 11))):
        alone = train(build(PaddedMLP, seed=seed, width=width), data, seed=seed, **settings)
        assert np.allclose(together.test_loss[:, i], alone.test_loss, atol=1e-5)
        assert np.allclose(together.train_acc[:, i], alone.train_acc)
    assert repr(together.model) == "Ensemble(2 x PaddedMLP)"  # one stack: the width lives in the mask


def test_models_of_different_architectures_train_in_one_call_like_alone(data):
    from mnist1d.models import PoolingCNN
    poolings = ["max", "none", "avg", "max"]  # same shapes for max/avg, other shapes for none
    settings = dict(steps=12, eval_every=4, progress=False)
    modules = [build(PoolingCNN, seed=s, pooling=p) for s, p in enumerate(poolings)]
    together = train_ensemble(modules, data, seeds=range(4), **settings)
    assert repr(together.model) == ("Ensemble(2 x PoolingCNN(pooling='max') + 1 x PoolingCNN(pooling='none') + "
                                    "1 x PoolingCNN(pooling='avg'))")
    for i, pooling in enumerate(poolings):
        alone = train(build(PoolingCNN, seed=i, pooling=pooling), data, seed=i, **settings)
        np.testing.assert_allclose(together.test_loss[:, i], alone.test_loss, rtol=1e-5)
        member = together.member(i).model
        assert member.pooling == pooling
        for (key, a), b in zip(member.state_dict().items(), alone.model.state_dict().values()):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4, msg=key)


def test_same_shapes_but_other_configuration_never_share_a_stack():
    from mnist1d.models import PoolingCNN
    modules = [build(PoolingCNN, seed=0, pooling=p) for p in ("max", "avg", "l2", "stride")]
    ensemble = Ensemble(modules)
    assert len(ensemble.groups) == 4  # identical parameter shapes, four different forward passes
    x = torch.randn(6, 40)
    with torch.no_grad():
        expected = torch.stack([m(x) for m in modules])
        torch.testing.assert_close(ensemble(x), expected, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(ensemble(x.expand(4, 6, 40)), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(IndexError, match=r"index must be in \[0, 3\], got 4"):
        ensemble.member(4)


def test_architectures_with_different_output_shapes_give_a_clear_error():
    from mnist1d.models import MLP
    with pytest.raises(ValueError, match=r"outputs have one shape per sample; got \[\(7,\), \(10,\)\]"):
        Ensemble([MLP(), MLP(num_classes=7)])(torch.zeros(3, 40))


# --- Any model a student writes (issue 14): same numbers batched or alone, eval mode for evaluation ---

from torch import nn  # noqa: E402

from mnist1d.models import GRU, MLP  # noqa: E402

STUDENT = dict(steps=8, eval_every=4, progress=False)


class ZeroGRU(GRU):
    def forward(self, x):
        return torch.zeros(len(x), 10) + 0 * self.linear.bias


class ScaledGRU(GRU):
    def forward(self, x):
        return 2 * self.linear(self.hidden_states(x).flatten(1))


class DropoutMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden, self.drop, self.out = nn.Linear(40, 32), nn.Dropout(0.5), nn.Linear(32, 10)

    def forward(self, x):
        return self.out(self.drop(torch.relu(self.hidden(x))))


class BatchNormMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden, self.norm, self.out = nn.Linear(40, 32), nn.BatchNorm1d(32), nn.Linear(32, 10)

    def forward(self, x):
        return self.out(torch.relu(self.norm(self.hidden(x))))


class BufferMLP(MLP):
    def __init__(self):
        super().__init__(16)
        self.register_buffer("scale", torch.linspace(0.5, 1.5, 40))

    def forward(self, x):
        return super().forward(x * self.scale)


def _ensemble_matches_single_runs(data, model, seeds=(0, 1)):
    ensemble = train_ensemble(model, data, seeds=list(seeds), **STUDENT)
    for i, seed in enumerate(seeds):
        single = train(model, data, seed=seed, **STUDENT)
        np.testing.assert_allclose(ensemble.test_loss[:, i], single.test_loss, rtol=1e-5)
        np.testing.assert_allclose(ensemble.train_acc[:, i], single.train_acc, atol=1e-6)
        for (key, a), b in zip(ensemble.member(i).model.state_dict().items(), single.model.state_dict().values()):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4, msg=key)
    return ensemble


def test_a_subclass_that_overrides_forward_is_trained_with_its_own_forward(data):
    history = _ensemble_matches_single_runs(data, ZeroGRU)
    assert np.allclose(history.test_loss, np.log(10))  # zeros in, uniform prediction out
    assert torch.equal(history.model(torch.randn(3, 40)), torch.zeros(2, 3, 10))
    scaled = _ensemble_matches_single_runs(data, ScaledGRU)
    plain = train_ensemble("gru", data, seeds=[0, 1], **STUDENT)
    assert not np.allclose(scaled.test_loss, plain.test_loss)  # really the subclass's forward


@pytest.mark.filterwarnings("ignore:train_ensemble. DropoutMLP runs one copy at a time")
def test_dropout_members_get_their_own_seeded_masks_and_match_single_runs(data):
    with pytest.warns(UserWarning, match="DropoutMLP runs one copy at a time because it draws random numbers"):
        history = train_ensemble(DropoutMLP, data, seeds=[0, 1], **STUDENT)
    for i, seed in enumerate([0, 1]):
        single = train(DropoutMLP, data, seed=seed, **STUDENT)
        assert np.array_equal(history.test_loss[:, i], single.test_loss)
    twins = train_ensemble([build(DropoutMLP, seed=0)] * 2, data, seeds=[3, 4], **STUDENT)
    assert not np.array_equal(twins.test_loss[:, 0], twins.test_loss[:, 1])  # same start, other masks
    torch.manual_seed(0)  # the global state does not matter: each run seeds its own
    again = train_ensemble([build(DropoutMLP, seed=0)] * 2, data, seeds=[3, 4], **STUDENT)
    assert np.array_equal(again.test_loss, twins.test_loss)


def test_evaluation_is_in_eval_mode(data):
    history = train(DropoutMLP, data, seed=0, **STUDENT)
    assert history.model.training  # left in the mode it came in, as a PyTorch loop would
    model = history.model.eval()  # dropout off: deterministic outputs
    with torch.no_grad():
        logits = model(torch.as_tensor(data["x_test"], dtype=torch.float32))
    loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(data["y_test"])).item()
    assert loss == pytest.approx(history.test_loss[-1], rel=1e-6)


def test_batch_norm_keeps_running_statistics_per_member_and_evaluates_in_eval_mode(data):
    with pytest.warns(UserWarning, match="updates buffers in training mode"):
        history = _ensemble_matches_single_runs(data, BatchNormMLP)
    members = [history.member(i).model for i in range(2)]
    assert not torch.equal(members[0].norm.running_mean, members[1].norm.running_mean)
    assert int(members[0].norm.num_batches_tracked) == STUDENT["steps"]
    x = torch.as_tensor(data["x_test"], dtype=torch.float32)
    with torch.no_grad():
        expected = torch.stack([m.eval()(x) for m in members])
        torch.testing.assert_close(history.model.eval()(x), expected)  # running statistics, not batch statistics
    loss = torch.nn.functional.cross_entropy(expected[1], torch.as_tensor(data["y_test"])).item()
    assert loss == pytest.approx(history.test_loss[-1, 1], rel=1e-5)


def test_a_model_with_buffers_is_batched_like_single_runs(data, recwarn):
    _ensemble_matches_single_runs(data, BufferMLP)
    assert not [w for w in recwarn if "one copy at a time" in str(w.message)]  # pure: trained as one batch


def test_train_trains_the_module_you_pass_in_place(data):
    model = build("mlp", seed=0, hidden_size=16)
    before = model.linear1.weight.detach().clone()
    history = train(model, data, seed=0, **STUDENT)
    assert history.model is model and not torch.equal(model.linear1.weight, before)
    fresh = build("mlp", seed=0, hidden_size=16)
    assert np.array_equal(train(fresh, data, seed=0, **STUDENT).test_loss, history.test_loss)
    with torch.no_grad():
        logits = model(torch.as_tensor(data["x_test"], dtype=torch.float32))
    accuracy = (logits.argmax(1).numpy() == data["y_test"]).mean()
    assert accuracy == pytest.approx(history.final_test_acc, abs=1e-6)
    listed = [build("mlp", seed=0, hidden_size=16)]
    start = listed[0].linear1.weight.detach().clone()
    train_ensemble(listed, data, seeds=[0], **STUDENT)
    assert torch.equal(listed[0].linear1.weight, start)  # train_ensemble leaves its inputs alone (documented)


def test_history_works_the_same_for_one_run_and_many(data):
    single = train("logistic", data, seed=1, validation=500, **STUDENT)
    many = train_ensemble("logistic", data, seeds=[0, 1], validation=500, **STUDENT)
    assert (single.copies, many.copies) == (1, 2)
    assert single.member(0) is single and single.member(0).model is single.model
    other = many.member(1)
    for field in ("train_loss", "train_acc", "test_loss", "test_acc", "val_loss", "val_acc"):
        assert getattr(other, field).shape == getattr(single, field).shape == (2,)
        np.testing.assert_allclose(getattr(other, field), getattr(single, field), rtol=1e-5)
    assert other.final_test_acc == pytest.approx(single.final_test_acc)
    assert other.early_stopped_test_acc == pytest.approx(single.early_stopped_test_acc)
    assert isinstance(single.final_test_acc, float) and many.final_test_acc.shape == (2,)
    for history in (single, many):
        with pytest.raises(IndexError, match=rf"index must be in \[0, {history.copies - 1}\], got 2"):
            history.member(2)
