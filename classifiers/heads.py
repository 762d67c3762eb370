"""Online linear heads: multinomial logistic regression, batch-fitted, then updated online.

The bootstrap fit is a regularised maximum-likelihood fit (scikit-learn, SAGA). Online
updates go on from it as from a prior: each weight keeps a precision, the fit's L2 prior plus
the Fisher information the training data gave it (a diagonal Laplace approximation), and a
label moves each weight by its gradient over its precision, then adds its own information
(Chapelle & Li, "An Empirical Evaluation of Thompson Sampling", NeurIPS 2011, algorithm 3).
A weight the gold set pinned down moves little, one it never saw (the words of a new
look-alike request) moves fast, and the first labels do not undo what the batch fit learnt.
The loss is the log loss, a proper scoring rule, so the probabilities stay calibrated as the
head learns (``bench/eval_classifiers.py`` prints the calibration error along a labelled
stream). Classes never seen in training start with a low bias and become reachable through
labels.

>>> import numpy as np, scipy.sparse as sp
>>> h = Head(["a", "b"], dim=2)
>>> h.fit(sp.csr_matrix(np.eye(2)), np.array([0, 1]))
>>> h.predict_proba(sp.csr_matrix(np.eye(2))).argmax(1).tolist()
[0, 1]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

#: Bias of a class the bootstrap data never showed (P ~ e^-4 relative to a seen class).
_UNSEEN_BIAS = -4.0
#: Passes over the data in a batch fit.
_EPOCHS = 30


class Head:
    """A softmax head over ``classes`` on ``dim`` features."""

    def __init__(
        self, classes: Sequence[str], dim: int, *, c: float = 4.0, learning_rate: float = 1.0
    ) -> None:
        self.classes = list(classes)
        self.c = c
        self.learning_rate = learning_rate
        self.weights = np.zeros((dim, len(self.classes)), dtype=np.float32)
        self.bias = np.zeros(len(self.classes), dtype=np.float32)
        # Precision of each weight and bias: the prior alone until a fit or labels add to it.
        self.precision = np.full((dim, len(self.classes)), 1.0 / c, dtype=np.float32)
        self.bias_precision = np.full(len(self.classes), 1.0 / c)
        self.updates = 0

    def fit(self, x: sp.csr_matrix, y: np.ndarray, prior: Sequence[float] | None = None) -> None:
        """Batch fit on class indices ``y`` (replaces the weights).

        ``prior`` is the class mix the head will meet, when it differs from the training
        data's: the biases move by log(prior / training share), which is Bayes' rule for a
        change of class priors (Saerens, Latinne & Decaestecker, Neural Computation 2002).
        """
        seen = np.unique(y)
        self.weights[:] = 0.0
        self.bias[:] = _UNSEEN_BIAS
        self.precision[:] = 1.0 / self.c
        self.bias_precision[:] = 1.0 / self.c
        if len(seen) == 1:
            self.bias[seen[0]] = 0.0
            return
        # Fit on the columns the data uses only: unused hashed columns get zero weight under
        # L2 anyway, and the solver's cost grows with the number of parameters.
        used = np.flatnonzero(np.diff(x.tocsc().indptr))
        # SAGA with a fixed epoch budget: an order of magnitude faster than L-BFGS here at the
        # same training accuracy, which keeps the bootstrap under the pipeline's time budget.
        model = LogisticRegression(
            C=self.c, solver="saga", max_iter=_EPOCHS, tol=1e-3, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x[:, used], y)
        coef = np.zeros((model.coef_.shape[0], x.shape[1]))
        coef[:, used] = model.coef_
        intercept = model.intercept_
        if len(seen) == 2:  # sklearn keeps one row for binary problems
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        self.weights[:, seen] = coef.T
        self.bias[seen] = intercept
        # Fisher information of the fit, taken before the prior shift: the data's own mix.
        p = self.predict_proba(x)
        information = p * (1.0 - p)
        self.precision += np.asarray(x.multiply(x).T @ information, dtype=np.float32)
        self.bias_precision += information.sum(axis=0)
        if prior is not None:
            share = np.bincount(y, minlength=len(self.classes))[seen] / len(y)
            self.bias[seen] += np.log(np.asarray(prior)[seen] / share).astype(np.float32)

    def logits(self, *blocks: sp.csr_matrix) -> np.ndarray:
        """Logits of rows given whole, or as column blocks side by side (no copy to stack)."""
        z = np.tile(self.bias, (blocks[0].shape[0], 1))
        start = 0
        for x in blocks:
            z += x @ self.weights[start : start + x.shape[1]]
            start += x.shape[1]
        return z

    def predict_proba(self, *blocks: sp.csr_matrix) -> np.ndarray:
        z = self.logits(*blocks)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def learn_batch(self, x: sp.csr_matrix, y: np.ndarray, weight: float = 1.0) -> None:
        """One update from a small batch of labelled rows (per-row steps taken at the same
        weights, vectorised: labels arrive a few per batch).

        Each touched weight gains the rows' Fisher information, then moves by its gradient
        over its precision (a diagonal Newton step): settled weights barely move, and new
        ones take most of a label's correction.
        """
        if x.shape[0] == 0:
            return
        p = self.predict_proba(x)
        grad = p.copy()
        grad[np.arange(x.shape[0]), y] -= 1.0
        information = weight * p * (1.0 - p)
        touched = np.unique(x.indices)
        xt = x[:, touched]
        self.precision[touched] += np.asarray(xt.multiply(xt).T @ information, dtype=np.float32)
        g = np.asarray(xt.T @ grad, dtype=np.float32)
        self.weights[touched] -= self.learning_rate * weight * g / self.precision[touched]
        self.bias_precision += information.sum(axis=0)
        step = self.learning_rate * weight * grad.sum(axis=0) / self.bias_precision
        self.bias -= step.astype(np.float32)
        self.updates += x.shape[0]

    def state(self) -> dict[str, np.ndarray]:
        return {
            "weights": self.weights,
            "bias": self.bias,
            "precision": self.precision,
            "bias_precision": self.bias_precision,
            "updates": np.array(self.updates),
        }

    @classmethod
    def from_state(
        cls, classes: Sequence[str], state: dict[str, np.ndarray], **options: float
    ) -> Head:
        head = cls(classes, state["weights"].shape[0], **options)
        head.weights = np.array(state["weights"], dtype=np.float32)
        head.bias = np.array(state["bias"], dtype=np.float32)
        head.precision = np.array(state["precision"], dtype=np.float32)
        head.bias_precision = np.array(state["bias_precision"], dtype=np.float64)
        head.updates = int(state["updates"])
        return head
