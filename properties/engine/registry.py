"""The topic registry: the ``ml_invariants.topics`` entry-point group.

Every topic — ours and a third party's — is one entry point ``name = "module:TOPIC"`` in that group
(``[project.entry-points."ml_invariants.topics"]`` in pyproject.toml).  Names are listed without
importing anything; a topic's module is imported on first use, so a core topic never pays for torch.
A module that cannot be imported because a *library* it needs is missing makes the topic unavailable
(with that reason); a broken module of ours is a bug and raises.
"""
from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points

from .records import Invariant, Topic

GROUP = "ml_invariants.topics"


class TopicUnavailable(ImportError):
    """A topic whose module (or a library it needs) cannot be imported here."""


_TOPICS: dict[str, Topic] = {}


@functools.lru_cache(maxsize=1)
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def topic_names() -> list[str]:
    """Every registered topic, in alphabetical order."""
    return sorted(set(_entry_points()) | set(_TOPICS))


def register_topic(topic: Topic) -> Topic:
    """Make a topic object known in this process (tests, notebooks); packages use the entry-point group."""
    existing = _TOPICS.get(topic.name)
    if existing is not None and existing is not topic:
        raise ValueError(f"topic {topic.name!r} is already registered")
    _TOPICS[topic.name] = topic
    return topic


def get_topic(name: str) -> Topic:
    """Import and return a topic; :class:`TopicUnavailable` says why it cannot load."""
    if name in _TOPICS:
        return _TOPICS[name]
    eps = _entry_points()
    if name not in eps:
        raise KeyError(f"unknown topic {name!r}; known topics: {', '.join(topic_names())}")
    try:
        topic = eps[name].load()
    except ImportError as exc:
        if (getattr(exc, "name", None) or "").split(".")[0] in ("properties", "reference"):
            raise  # our own module is broken or missing: a bug, never a skip
        raise TopicUnavailable(f"topic {name!r} could not be imported: {exc}") from exc
    if not isinstance(topic, Topic) or topic.name != name:
        raise TypeError(f"entry point {name!r} = {eps[name].value!r} must name a Topic called {name!r}")
    _TOPICS[name] = topic
    return topic


def topic_module(name: str) -> str:
    """The module that defines a topic (its entry point's module, or the object's for a registered one)."""
    eps = _entry_points()
    return eps[name].value.split(":")[0] if name in eps else type(_TOPICS[name]).__module__


def topic_family(name: str) -> str:
    """The family folder a topic lives in (``properties.diffusion.ddim`` → ``diffusion``)."""
    parts = topic_module(name).split(".")
    return parts[-2] if len(parts) >= 2 else parts[0]


def find_invariant(inv_id: str) -> Invariant:
    topic = get_topic(inv_id.split(".", 1)[0])
    try:
        return topic.invariants[inv_id]
    except KeyError:
        raise KeyError(f"unknown invariant {inv_id!r}; topic {topic.name!r} has: {', '.join(topic.invariants)}") from None
