"""The channels-last window convolution computes F.conv1d, with correct gradients, alone and under vmap."""

import pytest
import torch
from torch.func import vmap
from torch.nn import functional as F

from mnist1d.conv import WindowConv, conv1d_channels_last
from mnist1d.models import CNN, build

SHAPES = [  # (C_in, C_out, kernel, stride, padding, length): the CNN's layers and other cases
    (1, 25, 5, 2, 1, 40), (25, 25, 3, 2, 1, 19), (25, 25, 3, 2, 1, 10), (3, 4, 3, 1, 0, 9), (2, 3, 4, 3, 2, 11)]


def reference(x, weight, bias, stride, padding):  # channels-last in and out, through PyTorch's conv1d
    return F.conv1d(x.transpose(-1, -2), weight, bias, stride=stride, padding=padding).transpose(-1, -2)


@pytest.mark.parametrize("c_in, c_out, kernel, stride, padding, length", SHAPES)
def test_values_and_gradients_equal_conv1d(c_in, c_out, kernel, stride, padding, length):
    generator = torch.Generator().manual_seed(0)
    x, weight, bias = (torch.randn(*shape, generator=generator, dtype=torch.float64, requires_grad=True)
                       for shape in ((5, length, c_in), (c_out, c_in, kernel), (c_out,)))
    out = conv1d_channels_last(x, weight, bias, stride, padding)
    expected = reference(x, weight, bias, stride, padding)
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)
    upstream = torch.randn(out.shape, generator=generator, dtype=torch.float64)
    for mine, theirs in zip(torch.autograd.grad(out, (x, weight, bias), upstream),
                            torch.autograd.grad(expected, (x, weight, bias), upstream)):
        torch.testing.assert_close(mine, theirs, rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradcheck(lambda *a: conv1d_channels_last(*a, stride, padding), (x, weight, bias))


def test_without_a_gradient_for_the_input():
    x = torch.randn(4, 40, 1)  # data: no gradient wanted
    weight, bias = torch.randn(25, 1, 5, requires_grad=True), torch.randn(25, requires_grad=True)
    conv1d_channels_last(x, weight, bias, 2, 1).square().sum().backward()
    expected = torch.autograd.grad(reference(x, weight, bias, 2, 1).square().sum(), (weight, bias))
    torch.testing.assert_close(weight.grad, expected[0], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(bias.grad, expected[1], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("x_mapped, weight_mapped", [(True, True), (False, True), (True, False)])
def test_vmap_equals_one_call_per_copy(x_mapped, weight_mapped):
    generator = torch.Generator().manual_seed(1)
    copies = 3
    x = torch.randn(copies if x_mapped else 1, 6, 10, 2, generator=generator, dtype=torch.float64)
    weight = torch.randn(copies if weight_mapped else 1, 4, 2, 3, generator=generator, dtype=torch.float64)
    bias = torch.randn(copies, 4, generator=generator, dtype=torch.float64)
    x, weight = (t.squeeze(0) if t.shape[0] == 1 else t for t in (x, weight))
    for t in (x, weight, bias):
        t.requires_grad_()
    out = vmap(lambda *a: conv1d_channels_last(*a, 2, 1), in_dims=(0 if x_mapped else None,
                                                                 0 if weight_mapped else None, 0))(x, weight, bias)
    upstream = torch.randn(out.shape, generator=generator, dtype=torch.float64)
    grads = torch.autograd.grad(out, (x, weight, bias), upstream)
    expected = torch.stack([reference(x[i] if x_mapped else x, weight[i] if weight_mapped else weight, bias[i], 2, 1)
                            for i in range(copies)])
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)
    for mine, theirs in zip(grads, torch.autograd.grad(expected, (x, weight, bias), upstream)):
        torch.testing.assert_close(mine, theirs, rtol=1e-12, atol=1e-12)


def test_nested_vmap_and_the_window_matrix():
    x, weight, bias = torch.randn(2, 3, 5, 8, 1), torch.randn(2, 3, 4, 1, 3), torch.randn(2, 3, 4)
    out = vmap(vmap(lambda *a: conv1d_channels_last(*a, 1, 1)))(x, weight, bias)
    assert out.shape == (2, 3, 5, 8, 4)
    torch.testing.assert_close(out[1, 2], reference(x[1, 2], weight[1, 2], bias[1, 2], 1, 1), rtol=1e-5, atol=1e-5)
    _, windows = WindowConv.apply(x[0], weight[0], bias[0], 1, 1)  # (S, B * L_out, k * C_in): row (b, o) = window
    assert windows.shape == (3, 5 * 8, 3)
    assert torch.equal(windows[0, 1], x[0, 0, 0, 0:3, 0])  # copy 0, signal 0, position 1 reads 0, 1, 2


def test_the_cnn_equals_its_conv1d_modules():
    model = build(CNN, seed=0).double()
    x = torch.randn(7, 40, dtype=torch.float64)
    h, expected = x.unsqueeze(1), []
    for conv in (model.conv1, model.conv2, model.conv3):
        h = F.relu(conv(h))
        expected.append(h)
    expected.append(model.linear(h.flatten(1)))
    for mine, theirs in zip(model.layer_outputs(x), expected):
        torch.testing.assert_close(mine, theirs, rtol=1e-12, atol=1e-12)


def test_bad_shapes_give_clear_errors():
    with pytest.raises(ValueError, match="x must be"):
        conv1d_channels_last(torch.zeros(4, 40), torch.zeros(25, 1, 5), torch.zeros(25))
    with pytest.raises(ValueError, match="shorter than the kernel"):
        conv1d_channels_last(torch.zeros(4, 2, 1), torch.zeros(25, 1, 5), torch.zeros(25))
