"""Project rules: oracle independence and an engine without import cycles (import-linter), every topic module
registered, the generated catalogue, zoo documentation and README table are current, every topic documented."""
import re
from pathlib import Path

import pytest

from properties.engine import TopicUnavailable, get_topic, topic_names
from properties.engine.catalogue import catalogue_markdown, implementation_status

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts():
    """properties ↛ reference, reference ↛ properties (the oracles judge the reference, so they may not be
    computed by it), and the engine's modules form layers, so it has no import cycle (pyproject.toml)."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def test_every_topic_module_is_registered():
    """A module that defines ``TOPIC = Topic(`` must be an entry point of ml_invariants.topics (and vice versa)."""
    from importlib.metadata import entry_points

    registered = {ep.value.split(":")[0] for ep in entry_points(group="ml_invariants.topics")}
    defined = {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "properties").rglob("*.py")
               if re.search(r"^TOPIC = Topic\(", p.read_text(), re.M)}
    assert defined == {m for m in registered if m.startswith("properties.")}, (
        "add the topic to [project.entry-points.\"ml_invariants.topics\"] in pyproject.toml and reinstall "
        "(make install)")


def _all_topics_loadable() -> bool:
    for name in topic_names():
        try:
            topic = get_topic(name)
        except TopicUnavailable:
            return False
        if any(isinstance(v, str) for v in implementation_status(topic).values()):
            return False
    return True


def test_catalogue_is_up_to_date():
    if not _all_topics_loadable():
        pytest.skip("the catalogue is generated in the full environment (some topic or library is not installed here)")
    current = (ROOT / "docs" / "invariants.md").read_text()
    assert current == catalogue_markdown(), "docs/invariants.md is stale: run `make docs`"


def test_mutant_catalogue_is_current():
    """docs/mutants.md lists every mutant with its bug, and every catch it shows includes the declared ones
    (the measured catches come from `make docs`, which runs each mutant against the whole suite)."""
    if not _all_topics_loadable():
        pytest.skip("the zoo catalogue is generated in the full environment")
    from tests.zoo import all_mutants, documented_catches

    documented = documented_catches((ROOT / "docs" / "mutants.md").read_text())
    mutants = {str(m): m for m in all_mutants()}
    assert set(documented) == set(mutants), "docs/mutants.md is stale: run `make docs`"
    for key, m in mutants.items():
        assert set(m.catches) <= documented[key], f"{key}: declared catches missing from docs/mutants.md: run `make docs`"


def test_readme_topic_table_is_current():
    if not _all_topics_loadable():
        pytest.skip("the table is generated in the full environment")
    from properties.engine.catalogue import with_topics_table

    readme = (ROOT / "README.md").read_text()
    assert readme == with_topics_table(readme), "the README's topic table is stale: run `make docs`"


@pytest.mark.parametrize("name", topic_names())
def test_every_invariant_is_documented(name):
    try:
        topic = get_topic(name)
    except TopicUnavailable as exc:
        pytest.skip(str(exc))
    assert topic.contract.strip(), f"topic {name} has no written contract"
    for inv in topic.invariants.values():
        assert inv.statement and inv.why and inv.source, inv.id
        assert all(t.reason for t in inv.tolerances.values()), inv.id
