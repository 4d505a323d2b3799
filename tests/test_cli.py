"""The command line: list, check (exit 0/1/2, JSON, support declarations, categories, actionable failures whose
repro line reproduces them in a fresh process), probe, verify (jobs, shards)."""
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, cwd=ROOT, prelude=""):
    """``invariants ARGS`` in a fresh process (``prelude``: Python run first in that process)."""
    code = f"{prelude}\nimport sys\nfrom properties.cli import main\nsys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_list_prints_every_invariant_with_its_statement_and_category():
    from properties.engine import get_topic

    out = cli("list", "pca").stdout
    for inv in get_topic("pca").invariants.values():
        assert inv.id in out
    assert "λ₁ ≥ λ₂ ≥ … ≥ λ_k ≥ 0" in out and "math" in out


def test_check_passes_for_sklearn_and_writes_nothing_in_the_working_directory(tmp_path):
    from properties.engine import get_topic

    proc = cli("check", "pca", "sklearn.decomposition:PCA", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    n = len(get_topic("pca").properties())
    assert f"no invariant fails: {n} passed" in proc.stdout
    assert list(tmp_path.iterdir()) == [], "check left files behind in the working directory"


# every topic that can load here, and its zoo (a topic whose library is not installed is left out, as in `verify`)
ALL_TOPICS = ("from properties.engine import TopicUnavailable, get_topic, topic_names\n"
              "import tests.zoo\n"
              "for name in topic_names():\n"
              "    try:\n        get_topic(name)\n    except TopicUnavailable:\n        continue\n"
              "    tests.zoo.load_zoo(name)\n")


def test_check_fails_actionably_and_the_repro_line_reproduces_in_a_fresh_process(tmp_path):
    report = tmp_path / "r.json"
    # found where every topic and the whole zoo are loaded, as in `verify` …
    proc = cli("check", "pca", "tests.zoo.decomposition.pca:BiasedCovariance", "--only", "pca.variance_is_top_eigenvalues",
               "--only", "pca.variance_sorted", "--json", str(report), prelude=ALL_TOPICS)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "FAILED: pca.variance_is_top_eigenvalues" in out
    assert "Mismatched elements" in out and "Max absolute difference" in out
    assert "falsifying example (shrunk):" in out
    failed = [r for r in json.loads(report.read_text())["results"] if r["status"] == "failed"]
    assert "pca.variance_is_top_eigenvalues" in [r["invariant"] for r in failed]
    first = failed[0]
    assert f"reproduce: {first['repro']}" in out
    argv = shlex.split(first["repro"])
    assert argv[0] == "invariants"
    # … reproduced where only its own topic is loaded
    again = cli(*argv[1:], "--json", str(tmp_path / "again.json"))
    assert again.returncode == 1
    (rerun,) = json.loads((tmp_path / "again.json").read_text())["results"]
    assert rerun["invariant"] == first["invariant"] and rerun["example"] == first["example"]


def test_generation_does_not_depend_on_the_topics_loaded():
    """Review finding: boosting.row_permutation_invariance compared 13 examples alone and 10 after the other
    topics were imported (Hypothesis drew their literal constants)."""
    run = ("from properties.engine import get_topic, run_invariant\n"
           "t = get_topic('boosting')\n"
           "r = run_invariant(t.invariants['boosting.row_permutation_invariance'], "
           "'reference.ensemble.boosting:BoostingClassifier', topic=t)\n"
           "print(r.details['stats'], r.example)\n")
    alone = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, cwd=ROOT, timeout=300)
    loaded = subprocess.run([sys.executable, "-c", ALL_TOPICS + "\n" + run], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert alone.returncode == loaded.returncode == 0, alone.stderr + loaded.stderr
    assert alone.stdout == loaded.stdout


def test_support_flags_and_categories():
    proc = cli("check", "pca", "sklearn.decomposition:PCA", "--support", "operations=inverse_transform",
               "--support", "precision=float64", "--category", "math")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "explained_variance_ratio_} not checked" in proc.stdout
    assert "skipped pca.ratio_of_total_variance" in proc.stdout
    assert "precision: float64" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (("check", "pca", "no_such_module:PCA"), "cannot import module"),
    (("check", "pca", "sklearn.decomposition:NoSuchPCA"), "has no attribute"),
    (("check", "pca", "sklearn.decomposition.PCA"), "module:attr"),
    (("check", "pca", "sklearn.decomposition:PCA", "--only", "pca.nope"), "unknown invariant"),
    (("check", "pca", "sklearn.decomposition:PCA", "--support", "nope=1"), "unknown axis"),
    (("check", "pca", "sklearn.decomposition:PCA", "--support", "operations=fly"), "not in the contract's domain"),
    (("check", "pca", "sklearn.decomposition:PCA", "--support", "precision=float16"), "precision"),
    (("check", "no_such_topic", "sklearn.decomposition:PCA"), "invalid choice"),
    (("verify", "--shard", "3/2"), "--shard"),
])
def test_usage_and_import_errors_exit_2(args, message):
    proc = cli(*args)
    assert proc.returncode == 2
    assert message in proc.stdout + proc.stderr


def test_support_file(tmp_path):
    f = tmp_path / "support.toml"
    f.write_text('[support]\noperations = ["inverse_transform"]\nprecision = "float64"\n')
    proc = cli("check", "pca", "sklearn.decomposition:PCA", "--support-file", str(f), "--only",
               "pca.ratio_of_total_variance")
    assert proc.returncode == 0 and "skipped" in proc.stdout


def test_probe_prints_a_declaration_to_review():
    proc = cli("probe", "pca", "sklearn.decomposition:PCA")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '[support]\noperations = ["inverse_transform", "explained_variance_ratio_"]' in proc.stdout


def test_help_states_the_time_rule():
    out = cli("check", "--help").stdout
    assert "once the implementation has hung" in " ".join(out.split())


def _comparable(path: Path) -> list:
    return [{k: v for k, v in r.items() if k != "seconds"} for r in json.loads(path.read_text())["results"]]


def test_verify_writes_the_report_and_jobs_do_not_change_it(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    few = ("--only", "pca.variance_sorted", "--only", "pca.mean_is_column_mean", "--only", "pca.crosscheck.sklearn")
    proc = cli("verify", "--topic", "pca", *few, "--out", str(one), "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ml-invariants verify" in proc.stdout
    data = json.loads((one / "verify.json").read_text())
    impls = {r["implementation"] for r in data["results"]}
    assert {"reference.decomposition.pca:PCA", "sklearn.decomposition:PCA"} <= impls
    assert {r["category"] for r in data["results"]} == {"math", "crosscheck"}
    assert all(r["status"] == "passed" for r in data["results"])
    assert "| pca | `sklearn.decomposition:PCA` | math |" in (one / "verify.md").read_text()
    proc = cli("verify", "--topic", "pca", *few, "--out", str(two), "--no-progress", "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _comparable(one / "verify.json") == _comparable(two / "verify.json")


def test_verify_shards_partition_the_jobs(tmp_path):
    full = []
    for k in (1, 2):
        proc = cli("verify", "--topic", "pca", "--only", "pca.variance_sorted", "--only", "pca.mean_is_column_mean",
                   "--out", str(tmp_path / str(k)), "--no-progress", "--shard", f"{k}/2")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        full += [(r["invariant"], r["implementation"]) for r in _comparable(tmp_path / str(k) / "verify.json")]
    assert len(full) == len(set(full)) == 2 * 3  # two invariants × three implementations, each exactly once


def test_console_script_pytest_plugin_and_topics_are_registered():
    from importlib.metadata import entry_points

    assert any(ep.value == "properties.cli:main" for ep in entry_points(group="console_scripts", name="invariants"))
    assert any(ep.value == "properties.pytest_plugin" for ep in entry_points(group="pytest11", name="invariants"))
    assert {ep.name for ep in entry_points(group="ml_invariants.topics")} >= {"pca", "kdtree"}
