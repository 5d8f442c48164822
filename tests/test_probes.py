import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from mnist1d.probes import knn_accuracy, linear_probe_accuracy


def test_linear_probe_agrees_with_scikit_learn(data):
    l2 = 1e-3
    ours = linear_probe_accuracy(data["x"], data["y"], data["x_test"], data["y_test"], l2=l2)
    scaler = StandardScaler().fit(data["x"])
    reference = LogisticRegression(C=1 / (len(data["y"]) * l2), max_iter=2000).fit(scaler.transform(data["x"]),
                                                                                    data["y"])
    assert abs(ours - reference.score(scaler.transform(data["x_test"]), data["y_test"])) <= 0.01
    assert 0.3 < ours < 0.36  # the paper's linear baseline on raw MNIST-1D: 32.8%


def test_linear_probe_separates_separable_data_and_ignores_constant_features():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    features = np.column_stack([labels * 5 + rng.normal(size=300), np.ones(300), rng.normal(size=300)])
    assert linear_probe_accuracy(features[:200], labels[:200], features[200:], labels[200:]) == 1.0


def test_linear_probe_is_deterministic(data):
    args = (data["x"][:500], data["y"][:500], data["x_test"], data["y_test"])
    assert linear_probe_accuracy(*args) == linear_probe_accuracy(*args)


def test_knn_agrees_with_scikit_learn(data):
    ours = knn_accuracy(data["x"], data["y"], data["x_test"], data["y_test"], k=10)
    reference = KNeighborsClassifier(10, metric="cosine").fit(data["x"], data["y"])
    assert ours == pytest.approx(reference.score(data["x_test"], data["y_test"]), abs=2e-3)


def test_knn_with_k_1_on_its_own_training_set_is_perfect(data):
    assert knn_accuracy(data["x"][:300], data["y"][:300], data["x"][:300], data["y"][:300], k=1) == 1.0


def test_numpy_integers_are_accepted(data):
    args = (data["x"][:300], data["y"][:300], data["x_test"][:100], data["y_test"][:100])
    assert knn_accuracy(*args, k=np.int64(5)) == knn_accuracy(*args, k=5)
    assert linear_probe_accuracy(*args, max_iter=np.int64(20)) == linear_probe_accuracy(*args, max_iter=20)


@pytest.mark.parametrize("call, message", [
    (lambda x, y: linear_probe_accuracy(x, y, x[:, :3], y), "features must be .N, D. arrays with the same D"),
    (lambda x, y: linear_probe_accuracy(x, y[:-1], x, y), "labels must have one entry per sample"),
    (lambda x, y: linear_probe_accuracy(x, y, x, y, l2=-1), r"l2 must be a real number in \[0, inf\), got -1"),
    (lambda x, y: linear_probe_accuracy(x, y, x, y, max_iter=0), "max_iter must be an integer >= 1, got 0"),
    (lambda x, y: knn_accuracy(x, y, x, y, k=0), r"k must be an integer in \[1, 20\], got 0"),
    (lambda x, y: knn_accuracy(x, y, x, y, k=21), r"k must be an integer in \[1, 20\]"),
])
def test_bad_input_gives_clear_errors(call, message):
    x, y = np.random.default_rng(0).normal(size=(20, 4)), np.arange(20) % 2
    with pytest.raises(ValueError, match=message):
        call(x, y)
