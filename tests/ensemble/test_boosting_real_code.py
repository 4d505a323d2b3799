"""Boosting as real code comes (issue 17): a booster written from scratch with the contract's ``fit`` and
``predict`` only (``tests/realcode/boosting_blackbox.py``) is judged by every invariant that needs no tree
access, and one without γ is judged with γ held at its neutral value, never failed for lacking it.  The
black-box mutants (``tests/zoo/ensemble/boosting.py``, ``…BlackBox``) show those invariants catch uphill leaves, γ
ignored, min_child_weight ignored or tested on the row count, a gain without its parent term, missing values
always sent left, the hessian p and a tree one level too deep — with tree access absent."""
import json
import sys

import pytest

from properties.cli import main

BOOSTER = "tests.realcode.boosting_blackbox:ExactGreedyBooster"
WITHOUT_GAMMA = "tests.realcode.boosting_blackbox:ExactGreedyBoosterWithoutGamma"
#: examples per invariant here (the CI profile's own counts run in `invariants check`; the point is what runs)
FEW = "3"


@pytest.fixture
def invariants(capsys, monkeypatch):
    """``invariants ARGS`` in this process: (exit status, what it printed)."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # main() puts the working directory on sys.path

    def run(*args):
        status = main(list(args))
        return status, capsys.readouterr().out

    return run


def test_a_booster_without_tree_access_is_judged_by_at_least_11_invariants(invariants, tmp_path):
    status, out = invariants("check", "boosting", BOOSTER, "--max-examples", FEW, "--json", str(tmp_path / "r.json"))
    assert status == 0, out
    results = json.loads((tmp_path / "r.json").read_text())["results"]
    ran = [r["invariant"] for r in results if r["status"] != "skipped"]
    assert len(ran) >= 11, ran
    assert all(r["status"] == "passed" for r in results if r["status"] != "skipped"), out
    skipped = {r["invariant"]: r["reason"] for r in results if r["status"] == "skipped"}
    assert all("needs operations ∋ {trees}" in why for why in skipped.values()), skipped
    assert "operations ∈ {trees} not checked: detected unsupported" in out


def test_a_booster_without_gamma_is_never_failed_for_lacking_it(invariants):
    """γ is not passed to it (its constructor would raise TypeError) and the examples hold γ at 0; the γ-only
    checks are skipped and the report says γ was not covered."""
    status, out = invariants("check", "boosting", WITHOUT_GAMMA, "--max-examples", FEW,
                             "--only", "boosting.split_iff_gain_pays", "--only", "boosting.objective_never_increases",
                             "--only", "boosting.logistic_one_leaf_newton_step", "--only", "boosting.gamma_pruning")
    assert status == 0, out
    assert "regularisation ∈ {gamma} not checked: detected unsupported" in out
    assert "skipped boosting.gamma_pruning: needs" in out
    for runs in ("split_iff_gain_pays", "objective_never_increases", "logistic_one_leaf_newton_step"):
        assert f"boosting.{runs} " in out and f"skipped boosting.{runs}" not in out


def test_probe_finds_no_tree_access_and_no_gamma(invariants):
    status, out = invariants("probe", "boosting", WITHOUT_GAMMA)
    assert status == 0, out
    declaration = out[out.index("[support]"):]
    assert 'regularisation = ["min_child_weight"]' in declaration and "operations = []" in declaration, declaration
