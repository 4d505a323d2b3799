"""The family's two showcases: `invariants check` on a scikit-learn transformer exits 0 (the generic
tests/test_topics.py runs every other scikit-learn class of the family through the engine), and the iris
walk-through runs as one script with every invariant holding."""
import runpy
import sys
from pathlib import Path

from properties.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_cli_checks_standard_scaler(capsys):
    """`invariants check standard_scaler sklearn.preprocessing:StandardScaler` — the console script's entry point,
    called in this process (a second interpreter would import scikit-learn and Hypothesis again)."""
    rc = main(["check", "standard_scaler", "sklearn.preprocessing:StandardScaler", "--max-examples", "4"])
    out = capsys.readouterr().out
    assert rc == 0, out[-3000:]
    assert "no invariant fails" in out


def test_iris_walkthrough(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["iris_features.py"])
    try:
        runpy.run_path(str(ROOT / "examples" / "iris_features.py"), run_name="__main__")
    except SystemExit as exc:
        assert exc.code == 0, capsys.readouterr().out[-3000:]
    out = capsys.readouterr().out
    assert "all invariants hold on iris" in out
    for shape in ("(150, 4)", "(151, 4)", "(150, 15)", "(150, 3)", "(150, 2)", "(150, 1)"):
        assert f"output shape {shape}" in out
