"""r_regression mutants: the reference's formula with one bug each."""
from __future__ import annotations

import numpy as np

from tests.zoo import mutant


@mutant("r_regression", bug="uncentred: the cosine of x and y instead of their correlation", catches=("r_regression.matches_pearson",))
def uncentred_cosine(X, y):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (X.T @ y) / np.sqrt((X ** 2).sum(axis=0) * (y @ y))
    return np.nan_to_num(r)


@mutant("r_regression", bug="‖x − x̄‖ by the one-pass formula √(Σx² − n·x̄²) (catastrophic cancellation at an offset)",
        catches=("r_regression.matches_pearson",))
def one_pass_norms(X, y):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    yc = y - y.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        norms = np.sqrt(np.maximum((X ** 2).sum(axis=0) - n * X.mean(axis=0) ** 2, 0.0))
        r = (yc @ X) / norms / np.sqrt(yc @ yc)
    return np.where(np.isfinite(r), r, 0.0)


@mutant("r_regression", bug="no input validation: a NaN entry gives a NaN correlation, forced to 0",
        catches=("r_regression.rejects_bad_input",))
def no_nan_check(X, y):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (Xc.T @ yc) / np.sqrt((Xc ** 2).sum(axis=0) * (yc @ yc))
    return np.nan_to_num(r)
