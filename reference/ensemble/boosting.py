"""Second-order gradient boosting with exact greedy trees (XGBoost), the textbook way.

Chen & Guestrin, "XGBoost: A Scalable Tree Boosting System", KDD 2016, §2–3.
Friedman, "Greedy function approximation: a gradient boosting machine", 2001.

Round t adds a tree f_t to the margin ŷ: ŷ⁽ᵗ⁾ = ŷ⁽ᵗ⁻¹⁾ + η·f_t(x), ŷ⁽⁰⁾ = margin(base_score).
With gᵢ = ∂l(yᵢ, ŷ)/∂ŷ and hᵢ = ∂²l/∂ŷ² at ŷ⁽ᵗ⁻¹⁾, the second-order objective of a
tree with leaves I_j is Σ_j [G_j w_j + ½(H_j + λ) w_j²] + γT (eq. 3–4), so

    w*_j = −G_j / (H_j + λ)                                           (eq. 5)
    gain  = G_L²/(H_L+λ) + G_R²/(H_R+λ) − (G_L+G_R)²/(H_L+H_R+λ)       (eq. 7 without ½ and γ)

Conventions (the same as ``xgboost`` with ``tree_method="exact"``):

* Reported gain is xgboost's: no ½ and no γ (``gain_convention = "xgboost"``).  We chose it
  because it is the number xgboost (and LightGBM) report as a split's gain, so the trees
  of the two implementations compare number for number; the paper's ½[…] − γ follows from
  it.  ``gamma`` is xgboost's parameter: after growth, every split whose two children are
  leaves and whose gain is below γ is collapsed, bottom-up (the paper's rule ½[…] > γ
  would be a different model for the same γ).
* A split needs gain > 1e-6 (xgboost's kRtEps); both children need H ≥ min_child_weight.
  A node with H < min_child_weight (only the root can be one) has w* = 0.
* Thresholds are midpoints between consecutive distinct values; x < t goes left
  (``split_rule = "<"``); a missing value (NaN) follows the node's learned default
  direction (Algorithm 3).  Ties between equal gains go to the lowest feature index.
* ``base_score=None``: the mean of y (for the logistic loss, the mean of y as a probability;
  xgboost 3.2 does the same).  The logistic margin of base_score b is log(b / (1 − b)).
* ``precision="float32"`` computes gradients, gains, leaf weights and margins in float32
  exactly as xgboost does (X read as float32, at fit and at predict; sums of g, h in
  float64; the sigmoid and the logit with the C library's ``expf`` and ``logf``), so the
  trees agree with xgboost bit for bit; "float64" (default) is the plain mathematics.
  Where ctypes cannot load ``expf``/``logf``, numpy's float32 versions are used (a
  float32 model still, but not xgboost's last bits): ``libm_unavailable`` says so.
* ``max_depth=0`` is a single leaf per round (xgboost's exact method refuses 0, its
  "no limit").  ``BoostingClassifier`` accepts only ``objective="binary:logistic"``.
* Without subsampling a fit draws nothing random; ``random_state`` (None or an integer
  ≥ 0) seeds only ``colsample_bytree``.
* ``colsample_bytree < 1`` samples ⌊colsample_bytree·d⌋ (at least 1) features per tree with
  ``numpy.random.default_rng(random_state)``: a different stream from xgboost's.

``get_trees()`` returns one list of node dicts per round (ids in breadth-first order):
``{"id", "left", "right", "feature", "threshold", "default_left", "gain", "cover", "value"}``,
``left = right = -1`` for leaves, ``value`` = η·w* for leaves (NaN for splits), ``gain`` NaN
for leaves, ``cover`` = H (sum of hessians).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import numbers

import numpy as np

from reference.ensemble.boosting_tree import apply, grow, leaf_value, midpoint, presort, prune

OBJECTIVES = ("reg:squarederror", "binary:logistic")


# ---------------------------------------------------------------------------------------------
# float32 arithmetic as xgboost does it: the C library's expf / logf, not numpy's SIMD versions
# ---------------------------------------------------------------------------------------------
def _libm_float_function(name: str):
    """The C library's float function ``name`` (float → float) as a numpy ufunc, or None where it cannot be loaded."""
    path = ctypes.util.find_library("m") or ctypes.util.find_library("c")
    try:
        fn = getattr(ctypes.CDLL(path), name)
    except (OSError, AttributeError, TypeError):
        return None
    fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    return np.frompyfunc(fn, 1, 1)


_EXPF, _LOGF = _libm_float_function("expf"), _libm_float_function("logf")


def libm_unavailable() -> str | None:
    """Why the float32 mode cannot repeat xgboost bit for bit here (None when it can): the sigmoid and the logit
    need the C library's expf and logf; without them numpy's float32 versions are used, which differ in the last
    bit on about 40% of inputs (a float32 model still, but not xgboost's)."""
    missing = [name for name, fn in (("expf", _EXPF), ("logf", _LOGF)) if fn is None]
    if not missing:
        return None
    return (f"the C library's {' and '.join(missing)} could not be loaded through ctypes, so the float32 mode falls "
            f"back to numpy's float32 exp/log, which differ from them in the last bit on ~40% of inputs")


def _c_float_fn(fn, fallback, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    if fn is None:                                   # no C library found: numpy's float32 version (libm_unavailable)
        return fallback(x).astype(np.float32)
    values, inverse = np.unique(x, return_inverse=True)   # margins repeat a lot: call expf once per value
    return fn(values).astype(np.float32)[inverse.reshape(x.shape)]


def sigmoid(margin: np.ndarray, f32: bool) -> np.ndarray:
    """p = 1 / (1 + e^(−ŷ))."""
    if f32:
        # xgboost common::Sigmoid: 1 / (expf(min(−x, 88.7)) + 1 + 1e-16), all in float32
        e = _c_float_fn(_EXPF, np.exp, np.minimum(-np.asarray(margin, np.float32), np.float32(88.7)))
        return (np.float32(1.0) / ((e + np.float32(1.0)) + np.float32(1e-16))).astype(np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * margin))      # = 1/(1 + e^(−ŷ)) without overflow


def base_margin(base_score: float, objective: str, f32: bool) -> float:
    if objective == "reg:squarederror":
        return float(np.float32(base_score)) if f32 else float(base_score)
    if f32:
        # xgboost ProbToMargin: −logf(1/b − 1) in float32
        b = np.float32(base_score)
        return float(-_c_float_fn(_LOGF, np.log, np.array([np.float32(1.0) / b - np.float32(1.0)]))[0])
    # logit: ŷ⁽⁰⁾ = log(b / (1 − b))
    return float(np.log(base_score / (1.0 - base_score)))


def gradients(y: np.ndarray, margin: np.ndarray, objective: str, f32: bool) -> tuple[np.ndarray, np.ndarray]:
    """gᵢ = ∂l/∂ŷᵢ and hᵢ = ∂²l/∂ŷᵢ² at the current margin."""
    if objective == "reg:squarederror":
        # l = ½(y − ŷ)²:  g = ŷ − y,  h = 1
        g = (margin.astype(np.float32) - y.astype(np.float32)).astype(np.float64) if f32 else margin - y
        return g, np.ones_like(g)
    p = sigmoid(margin, f32)
    if f32:
        p32 = p.astype(np.float32)
        g = (p32 - y.astype(np.float32)).astype(np.float64)
        h = np.maximum(p32 * (np.float32(1.0) - p32), np.float32(1e-16)).astype(np.float64)
        return g, h
    # l = −y log p − (1 − y) log(1 − p), p = σ(ŷ):  g = p − y,  h = p(1 − p)
    return p - y, p * (1.0 - p)


# ---------------------------------------------------------------------------------------------
# input checking
# ---------------------------------------------------------------------------------------------
def check_X(X, n_features: int | None = None) -> np.ndarray:
    """A float64 copy of a 2-D array; NaN marks a missing value, ±inf is refused."""
    X = np.array(X, dtype=np.float64, copy=True)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-dimensional (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be non-empty, got shape {X.shape}")
    if np.isinf(X).any():
        raise ValueError(f"X must not contain infinite values, got {int(np.isinf(X).sum())}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"X has {X.shape[1]} features, but the model was fitted with {n_features} features")
    return X


def check_y(y, n: int, objective: str) -> np.ndarray:
    y = np.array(y, dtype=np.float64, copy=True)
    if y.ndim != 1 or y.size != n:
        raise ValueError(f"y must be 1-dimensional with {n} entries (one per row of X), got shape {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError(f"y must be finite, got {int((~np.isfinite(y)).sum())} NaN/inf labels")
    if objective == "binary:logistic":
        bad = np.unique(y[(y != 0) & (y != 1)])
        if bad.size:
            raise ValueError(f"y must hold binary labels 0 and 1 for binary:logistic, got {bad[:5].tolist()}")
    return y


def _check_number(name: str, value, *, low: float | None = None, low_open: bool = False, high: float | None = None,
                  integer: bool = False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not np.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite {'integer' if integer else 'number'}, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low:g}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high:g}, got {value!r}")


# ---------------------------------------------------------------------------------------------
# the estimators
# ---------------------------------------------------------------------------------------------
class _Booster:
    """Shared fit/predict; the subclasses fix the objective."""

    _default_objective = "reg:squarederror"
    _objectives = OBJECTIVES
    gain_convention = "xgboost"     # reported gain: G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)
    split_rule = "<"                # x < threshold goes left; NaN follows default_left
    _params = ("n_estimators", "max_depth", "learning_rate", "reg_lambda", "gamma", "min_child_weight",
               "base_score", "objective", "colsample_bytree", "random_state", "precision")

    def __init__(self, n_estimators=100, max_depth=6, learning_rate=0.3, reg_lambda=1.0, gamma=0.0,
                 min_child_weight=1.0, base_score=None, objective=None, colsample_bytree=1.0, random_state=0,
                 precision="float64"):
        self.n_estimators, self.max_depth, self.learning_rate = n_estimators, max_depth, learning_rate
        self.reg_lambda, self.gamma, self.min_child_weight = reg_lambda, gamma, min_child_weight
        self.base_score, self.objective = base_score, objective
        self.colsample_bytree, self.random_state, self.precision = colsample_bytree, random_state, precision

    def get_params(self, deep: bool = True) -> dict:
        return {p: getattr(self, p) for p in self._params}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._params:
                raise ValueError(f"unknown parameter {k!r}; valid: {', '.join(self._params)}")
            setattr(self, k, v)
        return self

    # ---- parameters -------------------------------------------------------------------------
    def _validate(self) -> None:
        _check_number("n_estimators", self.n_estimators, low=0, integer=True)
        _check_number("max_depth", self.max_depth, low=0, integer=True)
        _check_number("learning_rate", self.learning_rate, low=0)
        _check_number("reg_lambda", self.reg_lambda, low=0)
        _check_number("gamma", self.gamma, low=0)
        _check_number("min_child_weight", self.min_child_weight, low=0)
        _check_number("colsample_bytree", self.colsample_bytree, low=0, low_open=True, high=1)
        if self.objective_ not in self._objectives:
            raise ValueError(f"objective must be one of {self._objectives} for {type(self).__name__}, "
                             f"got {self.objective_!r}")
        if self.random_state is not None and (isinstance(self.random_state, bool)
                                              or not isinstance(self.random_state, numbers.Integral)
                                              or self.random_state < 0):
            raise ValueError(f"random_state must be None or a non-negative integer, got {self.random_state!r}")
        if self.precision not in ("float64", "float32"):
            raise ValueError(f"precision must be 'float64' or 'float32', got {self.precision!r}")
        if self.base_score is not None:
            _check_number("base_score", self.base_score)
            if self.objective_ == "binary:logistic" and not 0 < self.base_score < 1:
                raise ValueError(f"base_score must be in (0, 1) for binary:logistic, got {self.base_score!r}")

    @property
    def libm_unavailable(self) -> str | None:
        """None where the float32 mode repeats xgboost bit for bit, else why not (see :func:`libm_unavailable`)."""
        return libm_unavailable() if self._f32 else "the float64 mode is not xgboost's arithmetic"

    @property
    def objective_(self) -> str:
        return self.objective or self._default_objective

    @property
    def _f32(self) -> bool:
        return self.precision == "float32"

    def _p(self, value: float) -> float:
        """A parameter as the arithmetic sees it (xgboost stores its parameters as float32)."""
        return float(np.float32(value)) if self._f32 else float(value)

    # ---- the formulas (one method each, so a variant can change exactly one) -----------------
    def _gradients(self, y, margin):
        return gradients(y, margin, self.objective_, self._f32)

    def _gain_term(self, G, H):
        """G² / (H + λ), 0 for an empty node (H ≤ 0)."""
        lam = self._p(self.reg_lambda)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self._f32:
                # xgboost: Sqr(G) / (H + λ) with both operands rounded to float32, divided in float32
                term = (G * G).astype(np.float32) / (H + lam).astype(np.float32)
                return np.where(H > 0, term, np.float32(0.0)).astype(np.float32)
            if lam > 0:                      # H ≥ 0, so H + λ > 0 and an empty node scores 0²/λ = 0
                return G * G / (H + lam)
            return np.divide(G * G, H, out=np.zeros(np.broadcast(G, H).shape), where=H > 0)

    def _leaf_weight(self, G, H):
        """w* = −G / (H + λ); 0 when H < min_child_weight (xgboost's CalcWeight)."""
        lam, mcw = self._p(self.reg_lambda), self._p(self.min_child_weight)
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where((H < mcw) | (H <= 0), 0.0, -G / (H + lam))
        return w.astype(np.float32).astype(np.float64) if self._f32 else w

    def _child_ok(self, H, count):
        """A child must carry hessian weight H ≥ min_child_weight."""
        return H >= self._p(self.min_child_weight)

    def _parent_term(self, G, H):
        """The parent's G²/(H + λ), subtracted in the gain."""
        return self._gain_term(G, H)

    def _feature_scan_order(self, features: np.ndarray) -> np.ndarray:
        """The order in which features are scanned: ties go to the first (xgboost: ascending index)."""
        return features

    def _goes_left(self, x, threshold):
        return x < threshold

    def _threshold(self, lo, hi, forward: bool):
        return midpoint(lo, hi, forward, self._f32)

    def _scan_forward(self, has_missing: np.ndarray, constant: np.ndarray) -> np.ndarray:
        """Which features also try "missing values go right" (xgboost: those with missing values)."""
        return has_missing & ~constant

    def _should_prune(self, gain: float) -> bool:
        """Collapse a split (both children leaves) whose gain is below γ."""
        if self._f32:
            return bool(np.float32(gain) < np.float32(self.gamma))
        return gain < self.gamma

    def _shrinkage(self, round_index: int) -> float:
        """η of round t (the same every round)."""
        return self.learning_rate

    def _base_score(self, y: np.ndarray) -> float:
        if self.base_score is not None:
            return self._p(self.base_score)
        if self.objective_ == "binary:logistic" and (y.min() == y.max()):
            raise ValueError("y must contain both classes 0 and 1 to estimate base_score (or pass base_score)")
        if self._f32:
            # xgboost's SampleMean: Σᵢ (yᵢ / n) added in row order in float64, stored as float32
            return self._p(float(np.cumsum(y / y.size)[-1]))
        # base_score = ȳ
        return float(np.mean(y))

    def _initial_margin(self) -> float:
        return base_margin(self.base_score_, self.objective_, self._f32)

    def _add(self, margin: np.ndarray, update: np.ndarray) -> np.ndarray:
        if self._f32:
            return (margin.astype(np.float32) + update.astype(np.float32)).astype(np.float64)
        return margin + update

    # ---- fit / predict ------------------------------------------------------------------------
    def fit(self, X, y):
        self._validate()
        X = check_X(X)
        y = check_y(y, X.shape[0], self.objective_)
        if self._f32:                                   # xgboost reads its inputs as float32
            X, y = X.astype(np.float32).astype(np.float64), y.astype(np.float32).astype(np.float64)
        n, d = X.shape
        self.n_features_in_ = d
        self.base_score_ = self._base_score(y)
        self.base_margin_ = self._initial_margin()
        order = presort(X)
        present = ~np.isnan(X)
        has_missing = ~present.all(axis=0)
        with np.errstate(invalid="ignore"):
            constant = np.nanmax(np.where(present, X, -np.inf), axis=0) == np.nanmin(np.where(present, X, np.inf), axis=0)
        forward = self._scan_forward(has_missing, constant)
        rng = np.random.default_rng(self.random_state)
        margin = np.full(n, self.base_margin_)
        self._trees = []
        for t in range(self.n_estimators):
            g, h = self._gradients(y, margin)
            features = np.arange(d)
            if self.colsample_bytree < 1:
                k = max(1, int(self.colsample_bytree * d))
                features = np.sort(rng.choice(d, size=k, replace=False))
            features = self._feature_scan_order(features)
            tree = grow(X, order[features], g, h, self, max_depth=self.max_depth, features=features,
                        forward_ok=forward[features], f32=self._f32)
            eta = self._shrinkage(t)
            for i in range(len(tree.parent)):
                if tree.is_leaf(i):
                    tree.value[i] = leaf_value(tree.weight[i], eta, self._f32)
            prune(tree, self._should_prune, eta, self._f32)
            arrays = tree.arrays()
            self._trees.append((tree, arrays))
            margin = self._add(margin, arrays["value"][apply(arrays, X, self._goes_left)])
        return self

    def _check_fitted(self):
        if not hasattr(self, "_trees"):
            raise ValueError("this estimator is not fitted yet: call fit(X, y) first")

    def _margin(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_X(X, self.n_features_in_)
        if self._f32:
            X = X.astype(np.float32).astype(np.float64)
        margin = np.full(X.shape[0], self.base_margin_)
        for _, arrays in self._trees:
            margin = self._add(margin, arrays["value"][apply(arrays, X, self._goes_left)])
        return margin

    def get_trees(self) -> list[list[dict]]:
        """Every round's tree as node dicts, ids in breadth-first order (see the module docstring)."""
        self._check_fitted()
        out = []
        for tree, _ in self._trees:
            ids, queue = {}, [0]
            while queue:                       # breadth-first renumbering of the live nodes
                i = queue.pop(0)
                ids[i] = len(ids)
                if not tree.is_leaf(i):
                    queue += [tree.left[i], tree.right[i]]
            nodes = []
            for i in ids:
                leaf = tree.is_leaf(i)
                cover = float(np.float32(tree.H[i])) if self._f32 else tree.H[i]
                nodes.append({"id": ids[i], "left": -1 if leaf else ids[tree.left[i]],
                              "right": -1 if leaf else ids[tree.right[i]],
                              "feature": -1 if leaf else tree.feature[i],
                              "threshold": float("nan") if leaf else tree.threshold[i],
                              "default_left": False if leaf else bool(tree.default_left[i]),
                              "gain": float("nan") if leaf else tree.gain[i], "cover": cover,
                              "value": tree.value[i] if leaf else float("nan")})
            out.append(nodes)
        return out


class BoostingRegressor(_Booster):
    """Boosting regressor (default ``objective="reg:squarederror"``).

    ``predict`` returns the margin for squared error and σ(margin) for ``binary:logistic``
    (as ``xgboost.XGBRegressor`` does); ``output_margin=True`` always returns the margin.
    """

    def predict(self, X, output_margin: bool = False) -> np.ndarray:
        margin = self._margin(X)
        if output_margin or self.objective_ == "reg:squarederror":
            return margin
        return sigmoid(margin, self._f32)


class BoostingClassifier(_Booster):
    """Binary logistic boosting (``objective="binary:logistic"``) on labels 0 and 1."""

    _default_objective = "binary:logistic"
    _objectives = ("binary:logistic",)

    def fit(self, X, y):
        super().fit(X, y)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X) -> np.ndarray:
        p = sigmoid(self._margin(X), self._f32)
        return np.column_stack([1.0 - p, p])

    def predict(self, X, output_margin: bool = False) -> np.ndarray:
        margin = self._margin(X)
        if output_margin:
            return margin
        return (sigmoid(margin, self._f32) > 0.5).astype(np.int64)
