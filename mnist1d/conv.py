"""A 1-D convolution that is fast for many small networks on a CPU: `conv1d_channels_last`.

The baselines' CNN is tiny (25 channels, kernels of 3 and 5, signals of 40),
so PyTorch's convolution spends most of its time on overhead, and more so
when ``vmap`` turns an ensemble's convolutions into one grouped convolution.
Here a convolution is one matrix product: every window of ``kernel_size``
positions of the input becomes a row (``im2col``), and the rows times the
weights give the output. The input and output are channels-last,
``(B, length, channels)``, so a window of the input is one contiguous run of
numbers and the output of a layer is already the next layer's input. The
backward pass is written by hand: two matrix products and ``kernel_size``
strided additions (PyTorch's generic ``unfold`` backward is several times
slower). Under ``vmap`` the copies become the batch of one ``bmm``
(:meth:`WindowConv.vmap`), so an ensemble of S networks costs S products
batched together, whatever the model around the convolution.

The numbers equal ``torch.nn.functional.conv1d``'s up to float rounding
(the sums run in another order).

Example
-------
>>> import torch
>>> from torch.nn import functional as F
>>> x, weight, bias = torch.randn(8, 40, 1), torch.randn(25, 1, 5), torch.randn(25)
>>> y = conv1d_channels_last(x, weight, bias, stride=2, padding=1)
>>> y.shape  # (B, length, channels)
torch.Size([8, 19, 25])
>>> torch.allclose(y.transpose(1, 2), F.conv1d(x.transpose(1, 2), weight, bias, stride=2, padding=1), atol=1e-5)
True
"""

import torch
from torch.autograd.function import once_differentiable
from torch.nn import functional as F

from .ensemble import fold_mapped_axis

__all__ = ["conv1d_channels_last", "WindowConv"]


def conv1d_channels_last(x, weight, bias, stride=1, padding=0):
    """``conv1d`` for channels-last signals: ``x`` ``(B, L, C_in)`` -> ``(B, L_out, C_out)``.

    ``weight`` ``(C_out, C_in, kernel_size)`` and ``bias`` ``(C_out,)`` are an
    ``nn.Conv1d``'s parameters; ``stride`` and ``padding`` (zeros on both
    ends) are integers, as in ``F.conv1d``.
    """
    if x.dim() != 3 or weight.dim() != 3 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"x must be (B, L, C_in) and weight (C_out, C_in, kernel_size) with the same C_in, got "
                         f"{tuple(x.shape)} and {tuple(weight.shape)}")
    if x.shape[1] + 2 * padding < weight.shape[-1]:
        raise ValueError(f"signals of length {x.shape[1]} with padding {padding} are shorter than the kernel "
                         f"({weight.shape[-1]})")
    return WindowConv.apply(x.unsqueeze(0), weight.unsqueeze(0), bias.unsqueeze(0), stride, padding)[0].squeeze(0)


class WindowConv(torch.autograd.Function):
    """S independent 1-D convolutions as one batched matrix product over windows.

    Inputs: ``x`` ``(S, B, L, C_in)`` channels-last, ``weight``
    ``(S, C_out, C_in, k)``, ``bias`` ``(S, C_out)``, and the integers
    ``stride`` and ``padding``. Returns the output ``(S, B, L_out, C_out)``
    and the window matrix ``(S, B * L_out, k * C_in)`` (saved for the backward
    pass, not differentiable). Row ``(b, o)`` of the window matrix holds the
    input at positions ``stride * o - padding + j`` for ``j < k``, all
    channels of each position in a row, so the output is the window matrix
    times the weights arranged as ``(k * C_in, C_out)``.
    """

    @staticmethod
    def forward(x, weight, bias, stride, padding):
        copies, batch, length, channels_in = x.shape
        channels_out, kernel = weight.shape[1], weight.shape[3]
        if padding:
            x = F.pad(x, (0, 0, padding, padding))
        windows = x.unfold(2, kernel, stride).transpose(3, 4)  # (S, B, L_out, k, C_in), a view
        length_out = windows.shape[2]
        windows = windows.reshape(copies, batch * length_out, kernel * channels_in)
        out = torch.baddbmm(bias.unsqueeze(1), windows, _as_matrix(weight))
        return out.view(copies, batch, length_out, channels_out), windows

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, weight, _, ctx.stride, ctx.padding = inputs
        ctx.length = x.shape[2]
        ctx.save_for_backward(weight, output[1])
        ctx.mark_non_differentiable(output[1])
        ctx.set_materialize_grads(False)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out, unused):
        if grad_out is None:
            return None, None, None, None, None
        weight, windows = ctx.saved_tensors
        copies, channels_out, channels_in, kernel = weight.shape
        batch, length_out = grad_out.shape[1:3]
        grad = grad_out.reshape(copies, batch * length_out, channels_out)
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:  # each window row sends its gradient back to the k positions it read
            grad_windows = torch.bmm(grad, _as_matrix(weight).mT).view(copies, batch, length_out, kernel, channels_in)
            padded = grad.new_zeros(copies, batch, ctx.length + 2 * ctx.padding, channels_in)
            last = ctx.stride * (length_out - 1) + 1
            for j in range(kernel):
                padded[:, :, j:j + last:ctx.stride] += grad_windows[:, :, :, j]
            grad_x = padded[:, :, ctx.padding:ctx.padding + ctx.length]
        if ctx.needs_input_grad[1]:
            grad_weight = torch.bmm(windows.mT, grad).view(copies, kernel, channels_in, channels_out).permute(0, 3, 2, 1)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(1)
        return grad_x, grad_weight, grad_bias, None, None

    @staticmethod
    def vmap(info, in_dims, x, weight, bias, stride, padding):
        """Fold the mapped axis into the axis of copies: one batched product of ``size * S`` copies."""
        x, weight, bias = (fold_mapped_axis(t, dim, info.batch_size) for t, dim in zip((x, weight, bias), in_dims))
        out, windows = WindowConv.apply(x, weight, bias, stride, padding)
        return (out.unflatten(0, (info.batch_size, -1)), windows.unflatten(0, (info.batch_size, -1))), (0, 0)


def _as_matrix(weight):
    """``(S, C_out, C_in, k)`` -> ``(S, k * C_in, C_out)``, the rows in the order of a window's numbers."""
    copies, channels_out, channels_in, kernel = weight.shape
    return weight.permute(0, 3, 2, 1).reshape(copies, kernel * channels_in, channels_out)
