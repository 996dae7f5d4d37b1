"""The course's logistic regression: scikit-learn's, made to give the same numbers on every CPU.

Two things make a plain ``sklearn.linear_model.LogisticRegression`` print different third
decimals on different computers, although nothing is random:

- its default solver stops when the gradient is below ``tol=1e-4``, and the linear algebra
  library (OpenBLAS) adds numbers in a CPU-dependent order, so the solver stops one step
  earlier or later on another CPU;
- it scores rows with one matrix product, which OpenBLAS computes in blocks: two *identical*
  rows can get scores that differ in the 16th digit, depending on where they sit in the table.
  A ranking metric (average precision, ROC AUC) then orders the two by that noise, and when
  their labels differ (the case study has such conflicting duplicates) the metric moves in its
  third decimal.

:class:`LogisticRegression` fixes both and changes nothing else: it is solved by Newton's method
to ``tol=1e-8`` (far below any printed digit), and it scores each row on its own, so identical
rows always get identical scores. Use it wherever scikit-learn's would go.

>>> import numpy as np
>>> from sklearn.datasets import make_classification
>>> X, y = make_classification(n_samples=200, n_features=30, random_state=0)
>>> model = LogisticRegression(C=10).fit(X, y)
>>> model
LogisticRegression(C=10)
>>> len(set(model.decision_function(np.repeat(X[:1], 50, axis=0))))  # one row, 50 times
1
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from sklearn.linear_model import LogisticRegression as _SklearnLogisticRegression
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["LogisticRegression"]


class LogisticRegression(_SklearnLogisticRegression):
    """scikit-learn's L2-regularised logistic regression, converged and scored row by row.

    Everything is inherited (``predict``, ``predict_proba``, ``coef_``, sample weights)
    except two defaults, how a row's score is added up (see the module text for why), and
    ``fit`` running on one BLAS thread. A pipeline built with ``make_pipeline`` names this
    step ``"logisticregression"``, as it would scikit-learn's.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength: smaller values keep the coefficients smaller.
    class_weight : dict or "balanced", optional
        As in scikit-learn.
    tol : float, default=1e-8
        Stop when the gradient is this small: far below the third decimal the course prints.
    solver : str, default="newton-cholesky"
        Newton's method converges in a handful of steps on a few dozen columns, to
        coefficients that agree across CPUs far below any printed digit (scikit-learn's other
        solvers are accepted too).
    max_iter : int, default=100
        Newton steps allowed; the course's fits need fewer than ten.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> ours = LogisticRegression().fit(X, y)
    >>> theirs = SklearnLogisticRegression(solver="newton-cholesky", tol=1e-8).fit(X, y)
    >>> bool(np.allclose(ours.decision_function(X), theirs.decision_function(X), atol=1e-10))
    True
    """

    def __init__(self, C: float = 1.0, *, class_weight: Any = None, tol: float = 1e-8,
                 solver: str = "newton-cholesky", max_iter: int = 100):
        super().__init__(C=C, class_weight=class_weight, tol=tol, solver=solver,
                         max_iter=max_iter)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        """Fit as scikit-learn does, with the linear algebra on one thread.

        The course's fits are small (thousands of rows, dozens of columns): a second BLAS
        thread saves nothing there, and on a busy laptop the threads wait on each other and
        make one fit many times slower.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Their labels.
        sample_weight : array-like of shape (n_samples,), optional
            A weight per row.

        Returns
        -------
        LogisticRegression
            The fitted model (``self``).
        """
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return super().fit(X, y, sample_weight=sample_weight)

    def decision_function(self, X: Any) -> np.ndarray:
        """Each row's score ``x · coef + intercept``, added up the same way for every row.

        ``predict`` and ``predict_proba`` go through this method too.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to score, with the columns the model was fitted on.

        Returns
        -------
        ndarray
            Shape ``(n_samples,)`` for two classes, ``(n_samples, n_classes)`` otherwise.
        """
        check_is_fitted(self)
        if scipy.sparse.issparse(X):  # a sparse product already adds each row on its own
            return super().decision_function(X)
        X = np.ascontiguousarray(validate_data(self, X, reset=False))
        # numpy's sum along a contiguous row follows one fixed order for every row, where a
        # BLAS matrix product treats a row by its position in the block it falls in.
        scores = np.column_stack([(X * row).sum(axis=1) for row in self.coef_]) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores
