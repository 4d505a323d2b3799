"""xgboost's exact greedy booster speaking the boosting contract.

``XGBRegressorExact`` / ``XGBClassifierExact`` wrap ``xgboost.XGBRegressor`` /
``xgboost.XGBClassifier`` with ``tree_method="exact"``.  What the adapter changes:

* it fixes ``tree_method="exact"`` and ``n_jobs=1`` (one thread: xgboost's float64 sums of
  g and h then run in row order, so repeated fits are identical);
* ``get_trees()`` parses ``booster.save_raw("json")`` (no pandas; read once per fit) into the contract's node
  dicts, renumbering the live nodes breadth-first (γ-pruning leaves deleted nodes behind
  in xgboost's arrays);
* ``base_score_`` is read back from the model, so ``base_score=None`` reports the value
  xgboost estimated.

It never changes xgboost's numbers.  xgboost computes in float32 (``precision = "float32"``)
and reports gains in its own convention (``gain_convention = "xgboost"``: no ½, no γ).
"""
from __future__ import annotations

import json

import numpy as np


def _float32(v) -> float:
    return float(np.float32(v))


def model_json(booster) -> dict:
    """An xgboost ``Booster``'s model as JSON (``save_raw``: no pandas needed)."""
    return json.loads(bytes(booster.save_raw("json")))


def parse_trees(model: dict) -> list[list[dict]]:
    """The contract's node dicts for every tree of a model (:func:`model_json`)."""
    out = []
    for t in model["learner"]["gradient_booster"]["model"]["trees"]:
        left, right = t["left_children"], t["right_children"]
        ids, queue = {}, [0]
        while queue:
            i = queue.pop(0)
            ids[i] = len(ids)
            if left[i] != -1:
                queue += [left[i], right[i]]
        nodes = []
        for i in ids:
            leaf = left[i] == -1
            nodes.append({
                "id": ids[i],
                "left": -1 if leaf else ids[left[i]],
                "right": -1 if leaf else ids[right[i]],
                "feature": -1 if leaf else int(t["split_indices"][i]),
                "threshold": float("nan") if leaf else _float32(t["split_conditions"][i]),
                "default_left": False if leaf else bool(t["default_left"][i]),
                "gain": float("nan") if leaf else _float32(t["loss_changes"][i]),
                "cover": _float32(t["sum_hessian"][i]),
                "value": _float32(t["split_conditions"][i]) if leaf else float("nan"),
            })
        out.append(nodes)
    return out


def _base_score(model: dict) -> float:
    return _float32(model["learner"]["learner_model_param"]["base_score"].strip("[]"))


class _XGBExact:
    gain_convention = "xgboost"
    split_rule = "<"
    precision = "float32"
    _library_class = ""
    _params = ("n_estimators", "max_depth", "learning_rate", "reg_lambda", "gamma", "min_child_weight",
               "base_score", "objective", "colsample_bytree", "random_state", "n_jobs")

    def __init__(self, n_estimators=100, max_depth=6, learning_rate=0.3, reg_lambda=1.0, gamma=0.0,
                 min_child_weight=1.0, base_score=None, objective=None, colsample_bytree=1.0, random_state=0,
                 n_jobs=1, **kwargs):
        self.n_estimators, self.max_depth, self.learning_rate = n_estimators, max_depth, learning_rate
        self.reg_lambda, self.gamma, self.min_child_weight = reg_lambda, gamma, min_child_weight
        self.base_score, self.objective = base_score, objective
        self.colsample_bytree, self.random_state, self.n_jobs = colsample_bytree, random_state, n_jobs
        self.kwargs = kwargs

    def get_params(self, deep: bool = True) -> dict:
        return {**{p: getattr(self, p) for p in self._params}, **self.kwargs}

    def _model(self):
        import xgboost

        params = {p: getattr(self, p) for p in self._params if getattr(self, p) is not None}
        return getattr(xgboost, self._library_class)(tree_method="exact", **params, **self.kwargs)

    def fit(self, X, y):
        self.model_ = self._model()
        self.model_.fit(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64))
        self.n_features_in_ = np.asarray(X).shape[1]
        self._json = model_json(self.model_.get_booster())           # read once: base_score_ and the trees
        self.base_score_ = _base_score(self._json)
        return self

    def predict(self, X, output_margin: bool = False) -> np.ndarray:
        return np.asarray(self.model_.predict(np.asarray(X, dtype=np.float64), output_margin=output_margin))

    def get_trees(self) -> list[list[dict]]:
        if self.n_estimators == 0:
            return []
        return parse_trees(self._json)


class XGBRegressorExact(_XGBExact):
    """``xgboost.XGBRegressor(tree_method="exact")``; ``objective`` defaults to reg:squarederror."""

    _library_class = "XGBRegressor"


class XGBClassifierExact(_XGBExact):
    """``xgboost.XGBClassifier(tree_method="exact")``; ``objective`` defaults to binary:logistic."""

    _library_class = "XGBClassifier"

    def fit(self, X, y):
        super().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        return np.asarray(self.model_.predict_proba(np.asarray(X, dtype=np.float64)))
