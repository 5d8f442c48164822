"""`History`: what a training run measured, for one run or many.

:func:`mnist1d.train.train` and :func:`mnist1d.train.train_ensemble` return
one.

Example
-------
>>> import numpy as np
>>> runs = History(np.array([10, 20]), *np.ones((4, 2, 3)), seconds=1.0)
>>> runs.copies, runs.member(2).test_acc.shape, runs.member(2).member(0).copies
(3, (2,), 1)
"""

import dataclasses

import numpy as np

__all__ = ["History"]


@dataclasses.dataclass
class History:
    """What a training run measured, one row per evaluation.

    Arrays have shape ``(evaluations,)`` for :func:`mnist1d.train.train` and
    ``(evaluations, copies)`` for :func:`mnist1d.train.train_ensemble`; everything else
    works the same for both (a single run is an ensemble of one:
    ``member(0)`` is the run). Accuracies are fractions in [0, 1].
    """

    steps: np.ndarray
    train_loss: np.ndarray
    train_acc: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    seconds: float
    model: object = dataclasses.field(repr=False, default=None)
    val_loss: np.ndarray = None
    val_acc: np.ndarray = None

    @property
    def copies(self):
        """How many runs this history holds (1 for :func:`train`)."""
        return 1 if self.test_acc.ndim == 1 else self.test_acc.shape[1]

    @property
    def final_test_acc(self):
        """Test accuracy after the last step (not selected on the test set)."""
        return _scalar_or_array(self.test_acc[-1])

    @property
    def final_train_acc(self):
        """Training accuracy after the last step."""
        return _scalar_or_array(self.train_acc[-1])

    @property
    def best_test_acc(self):
        """Highest test accuracy seen at any evaluation (for curves, not for claims)."""
        return _scalar_or_array(self.test_acc.max(axis=0))

    @property
    def early_stopped_test_acc(self):
        """Test accuracy at the evaluation with the best validation accuracy (the first, on ties).

        Needs a run with ``validation`` > 0: the checkpoint is chosen on held-out
        training data, never on the test set.
        """
        if self.val_acc is None:
            raise ValueError("this run held out no validation data (train with validation=N)")
        best = np.argmax(self.val_acc, axis=0)
        if self.test_acc.ndim == 1:
            return float(self.test_acc[best])
        return self.test_acc[best, np.arange(self.test_acc.shape[1])]

    def member(self, index):
        """The history of run ``index``, with 1-D arrays and its own model (a single run's is itself)."""
        if not 0 <= index < self.copies:
            raise IndexError(f"index must be in [0, {self.copies - 1}], got {index}")
        if self.test_acc.ndim == 1:
            return self
        fields = ("train_loss", "train_acc", "test_loss", "test_acc", "val_loss", "val_acc")
        rows = {f: None if getattr(self, f) is None else getattr(self, f)[:, index] for f in fields}
        model = self.model.member(index) if hasattr(self.model, "member") else self.model  # an Ensemble
        return History(steps=self.steps, seconds=self.seconds, model=model, **rows)

    def __repr__(self):
        final = np.round(np.asarray(self.final_test_acc), 3).tolist()
        return (f"History({len(self.steps)} evaluations up to step {int(self.steps[-1])}, "
                f"final test acc {final}, {self.seconds:.1f} s)")


def _scalar_or_array(value):
    return float(value) if np.ndim(value) == 0 else np.asarray(value)
