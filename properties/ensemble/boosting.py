"""Gradient boosting with second-order (XGBoost) trees: invariants of exact greedy boosting.

Contract (scikit-learn estimators with xgboost's parameter names)::

    est = Cls(n_estimators=T, max_depth=D, learning_rate=η, reg_lambda=λ, gamma=γ,
              min_child_weight=m, base_score=b or None, objective=...)   # objective: regressors only
    est.fit(X, y)                      # X (n, d) float, NaN = missing; returns self; deterministic
    est.predict(X, output_margin=True) # the margin ŷ = link(b) + Σ_t f_t(x), shape (n,)
    est.base_score_                    # b; base_score=None means ȳ (the mean label)
    objective "reg:squarederror" (link = identity) or "binary:logistic" (link(b) = log(b/(1−b)),
    y ∈ {0, 1}); a class with ``predict_proba`` (estimator "classifier") is a binary logistic
    classifier: predict_proba(X)[:, 1] = σ(ŷ); other classes return σ(ŷ) from predict(X) under
    "binary:logistic".

Option axes (declared support): ``objective`` (the two above; a classifier offers binary:logistic
only), ``estimator`` (regressor or classifier), ``regularisation`` (the optional parameters γ and
min_child_weight: where an implementation lacks one, it is never passed and the examples hold it at
its neutral value 0), ``operations`` (tree access, below).  Everything else needs only ``fit`` and
``predict(output_margin=True)``: the black-box invariants recompute what is right from the data by
brute force (``properties.oracles.boosting``).

Tree access, operation "trees" (``get_trees``)::

    est.get_trees() -> one list per round of node dicts {"id", "left", "right", "feature",
        "threshold", "default_left", "gain", "cover", "value"}: ids 0..N−1 breadth-first (a
        child's id exceeds its parent's), left = right = −1 at leaves; value = the leaf's output
        η·w* (NaN at splits); cover = H, the hessian sum of the node's training rows; gain as
        declared below (NaN at leaves).
    Cls.gain_convention = "xgboost": gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)  (no ½, no γ)
                        | "paper":   gain = ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ
    Cls.split_rule = "<": x < threshold goes left; a missing x follows default_left.
    Cls.precision = "float32" | "float64" (default "float64"): the arithmetic, from which every
        round-off tolerance below is derived (unit round-off u = 2⁻²⁴ or 2⁻⁵³).

Conventions the invariants hold every implementation to (those of the paper and of xgboost):
a split needs both children with H ≥ min_child_weight and raw gain > 1e-6; a split whose two
children are leaves is kept only if its gain reaches γ (xgboost convention) or 0 (paper);
a node with H < min_child_weight (only the root can be one) has w* = 0; max_depth = 0 is a
single leaf.  Without subsampling a fit is a function of its input: the same answer under any
global random state, for any order of the rows.

Inputs: X is drawn in float32 values (integers, multiples of 1/8, float32 numbers) and in float64
values, among them values within float32 rounding of a candidate threshold or of another value
(0.5 − 1e-12 beside {0, 1}).  The contract is the float64 one ("x < t" on the given x).  An
implementation that reads X as float32 (xgboost, by design) routes such a value as its float32
rounding: a narrow expected failure inside ``float32_hazard``'s sub-domain, nowhere else.
Tolerances are first-order round-off bounds of the declared precision (×4): every gᵢ is off by
at most 4u(t+2)(1+|ŷᵢ|+|yᵢ|) after t rounds, and sums, gains and leaf values propagate that.
Metamorphic checks skip an example whose fit hinges on a near-tie (two candidate splits with
different partitions, a gain and γ or the 1e-6 split threshold, a child's H and min_child_weight,
within round-off), decided along the brute-force fit of the data (never the implementation's
trees); the skips are reported as skipped_near_ties beside the compared count, and a run that
compares too few examples is the strategy's error (``min_compared``).

The invariants live in ``boosting_trees`` (tree access), ``boosting_margins`` (closed forms from
fit and predict) and ``boosting_metamorphic`` (refits on transformed data, determinism).
"""
from __future__ import annotations

import inspect

import numpy as np

from properties.engine import Axis, Expected, Implementation, Topic, call, expect_array
from properties.ensemble.boosting_data import float32_hazard
from properties.oracles import boosting as ob

OBJECTIVES = (ob.SQUARED, ob.LOGISTIC)
REGULARISATION = ("gamma", "min_child_weight")
_X = np.array([[0.0, 1.0], [1.0, np.nan], [2.0, 0.0], [3.0, 1.0]])
_Y = np.array([0.0, 1.0, 0.0, 1.0])


def _probe_fit(impl, **params):
    est = call(impl, n_estimators=1, max_depth=1, **params)
    call(est.fit, _X, _Y)
    return est


def _probe_objective(impl, objective):
    expect_array(call(_probe_fit(impl, objective=objective).predict, _X, output_margin=True), name="margin")


def _probe_estimator(impl, kind):
    if kind == "classifier":
        expect_array(call(_probe_fit(impl).predict_proba, _X), name="predict_proba")
    else:
        _probe_objective(impl, ob.SQUARED)


def _probe_operation(impl, operation):
    call(_probe_fit(impl).get_trees)


def _probe_parameter(impl, name):
    _probe_fit(impl, **{name: 0.5})


def _detect_parameters(impl) -> list[str]:
    """The optional parameters the constructor names (all of them behind **kwargs or an opaque signature)."""
    try:
        params = inspect.signature(getattr(impl, "__wrapped__", impl)).parameters
    except (TypeError, ValueError):
        return list(REGULARISATION)
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return list(REGULARISATION)
    return [name for name in REGULARISATION if name in params]


# ---------------------------------------------------------------------------------------------
# established implementations' conventions, as narrow expected-failure records
# ---------------------------------------------------------------------------------------------
XGB_ZERO_ROUNDS = ("xgboost 3.2 estimates base_score during the first boosting round: with n_estimators=0 and "
                   "base_score=None it keeps the default 0.5 (not ȳ), and under binary:logistic it uses 0.5 itself as "
                   "the margin, so predict_proba gives σ(0.5) ≈ 0.62 while base_score is 0.5")
XGB_FLOAT32 = ("xgboost reads X as float32 (a DMatrix stores float32; float64 input is cast — by design: dmlc/xgboost "
               "#6572, treelite #363), at fit and at predict: a float64 value whose float32 rounding lands on a "
               "threshold goes right where the contract's x < t sends it left (x = 0.49999999999899997 beside {0, 1}, "
               "threshold 0.5), and distinct values that collide in float32 cannot be split apart")
REF_FLOAT32 = ("the reference's float32 mode repeats xgboost's arithmetic, its float32 reading of X included (the "
               "mode exists to agree with xgboost bit for bit)")
FLOAT32_WHERE = ("some float64 value of X or X_new rounds in float32 onto a candidate threshold of its column "
                 "(a float32 midpoint of two of its values, or a value), or two distinct values of a training "
                 "column collide in float32")
#: invariants whose oracle routes the given float64 X, or scores its candidate splits: where the float32 reading can
#: change a verdict (a split between two values that collide in float32 pays in float64 and cannot be made)
FLOAT32_ROUTED = ("boosting.leaf_value_is_newton_step", "boosting.gain_and_cover_formula",
                  "boosting.min_child_weight_respected", "boosting.exact_greedy_optimal",
                  "boosting.predict_matches_trees", "boosting.monotone_feature_transform",
                  "boosting.objective_never_increases", "boosting.split_iff_gain_pays")


def _float32_reading(reason: str) -> tuple[Expected, ...]:
    """Not strict: the sub-domain names every float64 value that *could* meet a threshold, and only the examples
    whose trees use that threshold fail (tests/ensemble/test_boosting.py pins one that does)."""
    return tuple(Expected(i, reason, where=FLOAT32_WHERE, when=float32_hazard, strict=False) for i in FLOAT32_ROUTED)


def _xgboost_records() -> tuple[Expected, ...]:
    zero_rounds = Expected("boosting.base_score_default_is_mean", XGB_ZERO_ROUNDS,
                           where="n_estimators = 0 with base_score = None (any data)",
                           when=lambda ex: ex["rounds"] == 0, match=r"n_estimators=0")
    return (zero_rounds,) + _float32_reading(XGB_FLOAT32)


TOPIC = Topic(
    name="boosting",
    title="XGBoost-style second-order gradient boosting (exact greedy)",
    contract=__doc__,
    reference="reference.ensemble.boosting:BoostingRegressor",
    implementations=[
        Implementation("reference.ensemble.boosting:BoostingClassifier", note="reference"),
        Implementation('reference.ensemble.boosting:BoostingRegressor(precision="float32")', precision="float32",
                       expected=_float32_reading(REF_FLOAT32), note="the reference in xgboost's float32 arithmetic"),
        Implementation('reference.ensemble.boosting:BoostingClassifier(precision="float32")', precision="float32",
                       expected=_float32_reading(REF_FLOAT32), note="the reference classifier in xgboost's float32 arithmetic"),
        Implementation("properties.adapters.xgb:XGBRegressorExact", requires=("xgboost",), expected=_xgboost_records()),
        Implementation("properties.adapters.xgb:XGBClassifierExact", requires=("xgboost",), expected=_xgboost_records()),
    ],
    axes=(Axis("objective", OBJECTIVES, "the training loss: squared error or binary logistic", probe=_probe_objective,
               detect=lambda impl: [ob.LOGISTIC] if hasattr(impl, "predict_proba") else list(OBJECTIVES)),
          Axis("estimator", ("regressor", "classifier"), "a regressor (objective parameter) or a binary logistic "
               "classifier (predict_proba)", probe=_probe_estimator,
               detect=lambda impl: ["classifier"] if hasattr(impl, "predict_proba") else ["regressor"]),
          Axis("regularisation", REGULARISATION, "the optional parameters γ (gamma) and min_child_weight; an "
               "implementation without one is fitted with it at its neutral value 0", probe=_probe_parameter,
               detect=_detect_parameters),
          Axis("operations", ("trees",), "tree access: get_trees() in the contract's node format", probe=_probe_operation,
               detect=lambda impl: ["trees"] if callable(getattr(impl, "get_trees", None)) else [])),
)

SOURCE = "Chen & Guestrin, XGBoost: A Scalable Tree Boosting System (KDD 2016), §2.2–3.4"

# the invariants register themselves on TOPIC when imported (they import TOPIC from here)
from properties.ensemble import boosting_margins, boosting_metamorphic, boosting_trees  # noqa: E402,F401
