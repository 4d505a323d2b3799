"""Binary and multinomial logistic regression, fitted by (penalised) maximum likelihood.

Cox (1958); McCullagh & Nelder, *Generalized Linear Models* (1989), §4.4 (IRLS = Newton's method);
Friedman, Hastie & Tibshirani, *Regularization Paths for GLMs via Coordinate Descent* (JSS 2010);
Yuan, Ho & Lin, *An Improved GLMNET for L1-regularized Logistic Regression* (JMLR 2012).

In scikit-learn's parametrisation, with sᵢ the sample weight times the class weight of yᵢ and
x̃ᵢ = (xᵢ, 1) when an intercept is fitted (the intercept is never penalised):

    minimise  F(Θ) = C·Σᵢ sᵢ ℓ(yᵢ, zᵢ) + R(W),   zᵢ = Θ x̃ᵢ
    binary (two classes, t = [y = classes_[1]]):  ℓ = log(1 + e^{z}) − t·z        (one row θ)
    multinomial (K ≥ 3 classes):                  ℓ = log Σ_k e^{z_k} − z_y      (K rows)
    R = ½‖W‖² (penalty "l2"), ‖W‖₁ ("l1"), 0 (None)

We minimise f = F/(C·S), S = Σᵢ sᵢ (the same minimiser, on one scale for every C and S):
penalty l2 / None by Newton's method (= IRLS) with a backtracking line search; penalty l1 by a
proximal Newton method whose quadratic sub-problems are solved by coordinate descent with the
soft-threshold (newGLMNET).  Both stop when the least-norm element of ∂f has ‖·‖∞ ≤ tol.
log(1 + e^{z}) and log Σ e^{z} are computed without overflow for any finite z.

Without a penalty the likelihood has no maximum when the classes are (quasi-)separable; a linear
programme detects that and ``fit`` warns (``SeparationWarning``).  The API follows scikit-learn's
``LogisticRegression``.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

PENALTIES = ("l2", "l1", None)
ARMIJO = 1e-4          # sufficient-decrease constant of the line search
EPS = np.finfo(np.float64).eps


class SeparationWarning(UserWarning):
    """The classes are (quasi-)separable: without a penalty the likelihood has no maximum."""


class ConvergenceWarning(UserWarning):
    """The solver stopped (max_iter, or no decrease left in float64) before its gradient reached tol."""


# ------------------------------------------------------------------------------------- the loss
def log1p_exp(z: np.ndarray) -> np.ndarray:
    # log(1 + e^{z}) = max(z, 0) + log(1 + e^{−|z|})  (no overflow for any finite z)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def sigmoid(z: np.ndarray) -> np.ndarray:
    # σ(z) = 1/(1 + e^{−z}) for z ≥ 0, e^{z}/(1 + e^{z}) for z < 0  (no overflow)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sum_exp(Z: np.ndarray) -> np.ndarray:
    # log Σ_k e^{z_k} = m + log Σ_k e^{z_k − m},  m = max_k z_k
    m = Z.max(axis=1)
    return m + np.log(np.exp(Z - m[:, None]).sum(axis=1))


def softmax(Z: np.ndarray) -> np.ndarray:
    # p_k = e^{z_k − m} / Σ_j e^{z_j − m}
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


class Objective:
    """f(Θ) = (1/S) Σᵢ sᵢ ℓᵢ + R(W)/(C·S) for one data set, with its gradient and Hessian."""

    def __init__(self, Xt: np.ndarray, yi: np.ndarray, K: int, s: np.ndarray, C: float, penalty, fit_intercept: bool):
        self.Xt, self.yi, self.K, self.s = Xt, yi, K, s
        self.rows, self.p = (1 if K == 2 else K), Xt.shape[1]
        self.S = s.sum()
        self.penalty = None if C == np.inf else penalty
        # λ = 1/(C·S): the weight of R(W) in f
        self.lam = 0.0 if self.penalty is None else 1.0 / (C * self.S)
        self.mask = np.ones((self.rows, self.p), dtype=bool)      # penalised entries of Θ
        if fit_intercept:
            self.mask[:, -1] = False
        self.T = (yi == 1).astype(np.float64) if K == 2 else np.eye(K)[yi]
        self._last = None

    def scores(self, theta: np.ndarray) -> np.ndarray:
        """z = X̃ Θᵀ (the last one is kept: the gradient and Hessian at an accepted step reuse the line search's)."""
        if self._last is None or not np.array_equal(self._last[0], theta):
            # z = X̃ Θᵀ
            self._last = (theta.copy(), self.Xt @ theta.T)
        return self._last[1]

    def smooth(self, theta: np.ndarray) -> float:
        Z = self.scores(theta)
        if self.K == 2:
            # ℓ = log(1 + e^{z}) − t·z
            loss = log1p_exp(Z[:, 0]) - self.T * Z[:, 0]
        else:
            # ℓ = log Σ_k e^{z_k} − z_y
            loss = log_sum_exp(Z) - (self.T * Z).sum(axis=1)
        value = self.s @ loss / self.S
        if self.penalty == "l2":
            value += 0.5 * self.lam * np.sum(theta[self.mask] ** 2)
        return float(value)

    def value(self, theta: np.ndarray) -> float:
        if self.penalty == "l1":
            return self.smooth(theta) + self.lam * float(np.abs(theta[self.mask]).sum())
        return self.smooth(theta)

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """∇ of the smooth part (with the l2 term) over Θ.ravel()."""
        Z, w = self.scores(theta), self.s / self.S
        if self.K == 2:
            # ∇ = (1/S) Σᵢ sᵢ (σ(zᵢ) − tᵢ) x̃ᵢ
            g = ((sigmoid(Z[:, 0]) - self.T) * w) @ self.Xt
        else:
            # ∇_k = (1/S) Σᵢ sᵢ (p_ik − [yᵢ = k]) x̃ᵢ
            g = ((softmax(Z) - self.T) * w[:, None]).T @ self.Xt
        g = g.reshape(-1)
        if self.penalty == "l2":
            g = g + self.lam * np.where(self.mask.reshape(-1), theta.reshape(-1), 0.0)
        return g

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """∇² of the smooth part (with the l2 term) over Θ.ravel()."""
        Z, Xt, w = self.scores(theta), self.Xt, self.s / self.S
        if self.K == 2:
            p = sigmoid(Z[:, 0])
            # ∇² = (1/S) X̃ᵀ diag(sᵢ σ(zᵢ)(1 − σ(zᵢ))) X̃ = AᵀA,  A = diag(√(sᵢ σ(1 − σ)/S)) X̃
            A = Xt * np.sqrt(w * p * (1.0 - p))[:, None]
            H = A.T @ A
        else:
            P = softmax(Z)
            # ∇²_{kl} = (1/S) X̃ᵀ diag(sᵢ p_ik ([k = l] − p_il)) X̃
            H = np.zeros((self.K, self.p, self.K, self.p))
            for k in range(self.K):
                for l in range(k, self.K):
                    block = (Xt * (w * P[:, k] * ((k == l) - P[:, l]))[:, None]).T @ Xt
                    H[k, :, l, :], H[l, :, k, :] = block, block.T
            H = H.reshape(self.K * self.p, self.K * self.p)
        if self.penalty == "l2":
            H = H + self.lam * np.diag(self.mask.reshape(-1).astype(np.float64))
        return H

    def least_subgradient(self, theta: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The least-norm element of ∂f(Θ) (= g without an l1 penalty)."""
        if self.penalty != "l1":
            return g
        w, m, out = theta.reshape(-1), self.mask.reshape(-1), g.copy()
        # wⱼ ≠ 0: gⱼ + λ sign(wⱼ);  wⱼ = 0: sign(gⱼ) max(|gⱼ| − λ, 0)
        active, zero = m & (w != 0), m & (w == 0)
        out[active] = g[active] + self.lam * np.sign(w[active])
        out[zero] = np.sign(g[zero]) * np.maximum(np.abs(g[zero]) - self.lam, 0.0)
        return out


# ------------------------------------------------------------------------------------- solvers
def newton_direction(g: np.ndarray, H: np.ndarray) -> np.ndarray:
    # d = −H⁻¹ g  (least-norm solution where H is singular: a multinomial model's null directions)
    try:
        L = np.linalg.cholesky(H)
        return -np.linalg.solve(L.T, np.linalg.solve(L, g))
    except np.linalg.LinAlgError:
        return -np.linalg.lstsq(H, g, rcond=None)[0]


def soft_threshold(v: float, tau: float) -> float:
    # S(v, τ) = sign(v) · max(|v| − τ, 0)
    return float(np.sign(v) * max(abs(v) - tau, 0.0))


def cd_subproblem(theta: np.ndarray, g: np.ndarray, H: np.ndarray, lam: float, mask: np.ndarray,
                  sweeps: int = 1000, shrink=soft_threshold) -> np.ndarray:
    """Minimise gᵀd + ½ dᵀHd + λ‖(θ + d)_W‖₁ over d by cyclic coordinate descent."""
    w = theta.reshape(-1)
    u = w.copy()                          # u = θ + d
    Hd = np.zeros_like(g)
    for _ in range(sweeps):
        biggest = 0.0
        for j in range(len(u)):
            a = H[j, j]
            if a <= 0:
                continue
            # b = ∂/∂uⱼ of gᵀd + ½dᵀHd at the current d, less its own curvature term
            b = g[j] + Hd[j] - a * (u[j] - w[j])
            # uⱼ ← S(wⱼ − b/a, λ/a) for a penalised entry; wⱼ − b/a for an intercept
            new = shrink(w[j] - b / a, lam / a) if mask[j] else w[j] - b / a
            if new != u[j]:
                Hd += H[:, j] * (new - u[j])
                biggest = max(biggest, abs(new - u[j]))
                u[j] = new
        if biggest <= 1e-13 * (1.0 + np.abs(u).max()):
            break
    return u - w


def minimise(obj: Objective, theta: np.ndarray, tol: float, max_iter: int, shrink=soft_threshold) -> tuple[np.ndarray, int, bool]:
    """Newton (l2, None) or proximal Newton with coordinate descent (l1), with a backtracking line search."""
    mask = obj.mask.reshape(-1)
    f = obj.value(theta)
    for it in range(max_iter):
        g = obj.gradient(theta)
        converged = bool(np.abs(obj.least_subgradient(theta, g)).max() <= tol)
        if converged:
            return theta, it, True
        H = obj.hessian(theta)
        if obj.penalty == "l1":
            d = cd_subproblem(theta, g, H, obj.lam, mask, shrink=shrink)
            w = theta.reshape(-1)
            # Δ = gᵀd + λ(‖(θ + d)_W‖₁ − ‖θ_W‖₁)  (the model's predicted decrease)
            delta = g @ d + obj.lam * (np.abs((w + d)[mask]).sum() - np.abs(w[mask]).sum())
        else:
            d = newton_direction(g, H)
            delta = g @ d
        d = d.reshape(theta.shape)
        t = 1.0
        while True:
            candidate = theta + t * d
            f_new = obj.value(candidate)
            # Armijo: f(θ + t d) ≤ f(θ) + σ t Δ  (with round-off slack at the optimum)
            if f_new <= f + ARMIJO * t * delta + 8 * EPS * abs(f) or t < 1e-12:
                break
            t *= 0.5
        if t < 1e-12:          # no decrease left in float64: stop, converged or not
            return theta, it + 1, converged
        theta, f = candidate, f_new
    g = obj.gradient(theta)
    return theta, max_iter, bool(np.abs(obj.least_subgradient(theta, g)).max() <= tol)


def separable(Xt: np.ndarray, yi: np.ndarray, K: int) -> bool:
    """Whether some Θ ≠ 0 scores every row's own class at least as high as every other class, and one
    strictly higher: then the likelihood grows without bound along Θ (no maximum exists)."""
    from scipy.optimize import linprog

    rows, p = Xt.shape
    # variables: W (K × p); constraints (W_{yᵢ} − W_k)ᵀ x̃ᵢ ≥ 0 for all i, k ≠ yᵢ
    A = []
    for i in range(rows):
        for k in range(K):
            if k != yi[i]:
                a = np.zeros((K, p))
                a[yi[i]], a[k] = Xt[i], -Xt[i]
                A.append(a.ravel())
    A = np.array(A)
    # maximise Σ (W_{yᵢ} − W_k)ᵀ x̃ᵢ subject to A W ≥ 0, −1 ≤ W ≤ 1
    res = linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(len(A)), bounds=(-1, 1), method="highs")
    scale = np.abs(Xt).max()
    return bool(res.status == 0 and -res.fun > 1e-9 * scale * len(A))


# ------------------------------------------------------------------------------------- estimator
def check_X(X, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)            # read only: the caller's array is never written
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-dimensional array (n_samples, n_features), got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} must be finite, got {int((~np.isfinite(X)).sum())} NaN/inf entries")
    return X


def check_y(y, n: int) -> np.ndarray:
    y = np.array(y, copy=True)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"y must be 1-dimensional with one label per row of X ({n}), got shape {y.shape}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"y must be finite, got {int((~np.isfinite(y)).sum())} NaN/inf labels")
    return y


class LogisticRegression:
    """scikit-learn's ``LogisticRegression`` interface: C, penalty, fit_intercept, class_weight, tol, max_iter."""

    precision = "float64"

    def __init__(self, C: float = 1.0, penalty: str | None = "l2", fit_intercept: bool = True,
                 class_weight=None, tol: float = 1e-8, max_iter: int = 100):
        self.C, self.penalty, self.fit_intercept = C, penalty, fit_intercept
        self.class_weight, self.tol, self.max_iter = class_weight, tol, max_iter

    def _check_params(self) -> None:
        C = self.C
        if isinstance(C, bool) or not isinstance(C, numbers.Real) or not C > 0:
            raise ValueError(f"C must be a positive number (inf: no penalty), got {C!r}")
        if self.penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {PENALTIES}, got {self.penalty!r}")
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise ValueError(f"fit_intercept must be True or False, got {self.fit_intercept!r}")
        if not (isinstance(self.tol, numbers.Real) and self.tol > 0):
            raise ValueError(f"tol must be a positive number, got {self.tol!r}")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")

    def _weights(self, y_index: np.ndarray, K: int, sample_weight) -> np.ndarray:
        n = len(y_index)
        s = np.ones(n) if sample_weight is None else np.array(sample_weight, dtype=np.float64, copy=True)
        if s.shape != (n,) or not np.isfinite(s).all() or (s < 0).any() or s.sum() <= 0:
            raise ValueError(f"sample_weight must be {n} finite non-negative numbers with a positive sum")
        cw = self.class_weight
        if cw is None:
            return s
        if isinstance(cw, str) and cw == "balanced":
            # class k weighs Σᵢ sᵢ / (K · Σ_{yᵢ = k} sᵢ)
            per_class = s.sum() / (K * np.bincount(y_index, weights=s, minlength=K))
        elif isinstance(cw, dict):
            unknown = [c for c in cw if c not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(f"class_weight names labels {unknown} that are not in y (classes: {self.classes_.tolist()})")
            per_class = np.array([float(cw.get(c, 1.0)) for c in self.classes_.tolist()])
            if not np.isfinite(per_class).all() or (per_class < 0).any():
                raise ValueError(f"class_weight values must be finite and non-negative, got {cw!r}")
        else:
            raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: weight}}, got {cw!r}")
        # sᵢ = sample weight × class weight of yᵢ
        return s * per_class[y_index]

    def fit(self, X, y, sample_weight=None) -> "LogisticRegression":
        self._check_params()
        X = check_X(X)
        y = check_y(y, X.shape[0])
        self.classes_, y_index = np.unique(y, return_inverse=True)
        K = len(self.classes_)
        if K < 2:
            raise ValueError(f"y must contain at least 2 classes, got only {self.classes_.tolist()}")
        s = self._weights(y_index, K, sample_weight)
        Xt = np.hstack([X, np.ones((X.shape[0], 1))]) if self.fit_intercept else X
        obj = Objective(Xt, y_index, K, s, float(self.C), self.penalty, bool(self.fit_intercept))
        self._check_separation(obj)
        theta, n_iter, converged = self._solve(obj)
        if not converged:
            warnings.warn(f"the solver stopped after {n_iter} iterations (max_iter={self.max_iter}, or no decrease left "
                          f"in float64) before its gradient reached tol={self.tol:g}", ConvergenceWarning, stacklevel=2)
        d = X.shape[1]
        self.coef_ = theta[:, :d].copy()
        self.intercept_ = theta[:, d].copy() if self.fit_intercept else np.zeros(obj.rows)
        self.n_iter_ = np.array([n_iter], dtype=np.int32)
        self.n_features_in_ = d
        return self

    def _check_separation(self, obj: Objective) -> None:
        """Warn when the likelihood has no maximum (no penalty, separable classes)."""
        keep = obj.s > 0
        if obj.penalty is None and separable(obj.Xt[keep], obj.yi[keep], obj.K):
            warnings.warn("the classes are linearly separable: without a penalty the likelihood has no maximum "
                          "(the coefficients grow without bound as tol → 0); use penalty='l2'", SeparationWarning,
                          stacklevel=3)

    def _solve(self, obj: Objective) -> tuple[np.ndarray, int, bool]:
        """Θ minimising f from Θ = 0: Newton (l2, None) or proximal Newton with coordinate descent (l1)."""
        return minimise(obj, np.zeros((obj.rows, obj.p)), float(self.tol), int(self.max_iter))

    def decision_function(self, X) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise ValueError("this LogisticRegression instance is not fitted yet: call fit(X, y) first")
        X = check_X(X)
        if X.shape[1] != self.coef_.shape[1]:
            raise ValueError(f"X must have {self.coef_.shape[1]} features, got {X.shape[1]}")
        # z = X Wᵀ + b
        Z = X @ self.coef_.T + self.intercept_
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict_proba(self, X) -> np.ndarray:
        Z = self.decision_function(X)
        if Z.ndim == 1:
            # P(y = classes_[1] | x) = σ(z);  P(y = classes_[0] | x) = σ(−z)
            return np.column_stack([sigmoid(-Z), sigmoid(Z)])
        # P(y = k | x) = softmax(z)_k
        return softmax(Z)

    def predict_log_proba(self, X) -> np.ndarray:
        Z = self.decision_function(X)
        if Z.ndim == 1:
            # log σ(z) = −log(1 + e^{−z})
            return np.column_stack([-log1p_exp(Z), -log1p_exp(-Z)])
        return Z - log_sum_exp(Z)[:, None]

    def predict(self, X) -> np.ndarray:
        # ŷ = classes_[argmax_k P(y = k | x)]
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
