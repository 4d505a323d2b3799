"""The command line: list, check (exit 0/1/2, JSON, actionable failures whose repro line reproduces them), verify."""
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "properties", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=240, env={**__import__("os").environ, "COLUMNS": "200"})


def test_list_prints_every_invariant_with_its_statement():
    from properties.engine import get_topic

    out = cli("list", "pca").stdout
    for inv in get_topic("pca").invariants.values():
        assert inv.id in out
    assert "λ₁ ≥ λ₂ ≥ … ≥ λ_k ≥ 0" in out


def test_check_passes_for_sklearn():
    proc = cli("check", "pca", "sklearn.decomposition:PCA")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no invariant fails: 14 passed, 0 expected failures" in proc.stdout


def test_check_fails_actionably_and_the_repro_line_reproduces(tmp_path):
    report = tmp_path / "r.json"
    proc = cli("check", "pca", "tests.zoo.pca:BiasedCovariance", "--json", str(report))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "FAILED: pca.variance_is_top_eigenvalues" in out
    assert "Mismatched elements" in out and "Max absolute difference" in out
    assert "falsifying example (shrunk):" in out
    failed = [r for r in json.loads(report.read_text())["results"] if r["status"] == "failed"]
    assert [r["invariant"] for r in failed] == ["pca.variance_is_top_eigenvalues"]
    repro = failed[0]["repro"]
    assert f"reproduce: {repro}" in out
    argv = shlex.split(repro)
    assert argv[0] == "invariants"
    again = cli(*argv[1:], "--json", str(tmp_path / "again.json"))
    assert again.returncode == 1
    (rerun,) = json.loads((tmp_path / "again.json").read_text())["results"]
    assert rerun["invariant"] == failed[0]["invariant"] and rerun["example"] == failed[0]["example"]


@pytest.mark.parametrize("args, message", [
    (("check", "pca", "no_such_module:PCA"), "cannot import module"),
    (("check", "pca", "sklearn.decomposition:NoSuchPCA"), "has no attribute"),
    (("check", "pca", "sklearn.decomposition.PCA"), "module:attr"),
    (("check", "pca", "sklearn.decomposition:PCA", "--only", "pca.nope"), "unknown invariant"),
    (("check", "no_such_topic", "sklearn.decomposition:PCA"), "invalid choice"),
])
def test_usage_and_import_errors_exit_2(args, message):
    proc = cli(*args)
    assert proc.returncode == 2
    assert message in proc.stdout + proc.stderr


def test_verify_writes_the_report(tmp_path):
    proc = cli("verify", "--topic", "pca", "--out", str(tmp_path), "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ml-invariants verify" in proc.stdout
    data = json.loads((tmp_path / "verify.json").read_text())
    impls = {r["implementation"] for r in data["results"]}
    assert {"reference.pca:PCA", "sklearn.decomposition:PCA"} <= impls
    assert any(r["kind"] == "crosscheck" for r in data["results"])
    assert all(r["status"] == "passed" for r in data["results"])
    assert "| pca | `sklearn.decomposition:PCA` |" in (tmp_path / "verify.md").read_text()


def test_console_script_and_pytest_plugin_are_registered():
    from importlib.metadata import entry_points

    assert any(ep.value == "properties.cli:main" for ep in entry_points(group="console_scripts", name="invariants"))
    assert any(ep.value == "properties.pytest_plugin" for ep in entry_points(group="pytest11", name="invariants"))
