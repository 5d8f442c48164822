"""Plotting helpers: the band over seeds draws what its numbers say."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist1d.plotting import plot_band  # noqa: E402


def test_band_is_mean_plus_minus_std_over_seeds():
    rng = np.random.default_rng(0)
    x, values = np.arange(5), rng.normal(size=(5, 4))
    fig, ax = plt.subplots()
    line = plot_band(ax, x, values, label="cnn", color="C3", linestyle="--")
    np.testing.assert_allclose(line.get_ydata(), values.mean(1))
    assert line.get_label() == "cnn" and line.get_linestyle() == "--"
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() == pytest.approx((values.mean(1) + values.std(1)).max())
    assert band[:, 1].min() == pytest.approx((values.mean(1) - values.std(1)).min())
    assert matplotlib.colors.same_color(ax.collections[0].get_facecolor()[0][:3], "C3")
    plt.close(fig)


def test_band_rejects_values_that_do_not_match_x():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"values must have shape \(points, seeds\) with points = len\(x\) = 3"):
        plot_band(ax, [1, 2, 3], np.zeros((4, 2)))
    plt.close(fig)
