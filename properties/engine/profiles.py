"""Hypothesis profiles: ``ci`` (derandomized, no database, no deadline), ``dev``, ``thorough``.

The runner never loads a profile globally; it builds each invariant's settings
from the named profile, the invariant's own ``max_examples`` times the
profile's scale, and a seed derived from the invariant id.  The profiles are
also registered with Hypothesis under ``invariants-<name>`` so a project's own
``@given`` tests can use them (this repository's conftest loads ``invariants-ci``).
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Iterator

from hypothesis import HealthCheck, Phase, Verbosity, settings

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.differing_executors]


@dataclass(frozen=True)
class Profile:
    name: str
    scale: float          # multiplies each invariant's own max_examples
    derandomize: bool     # True: the seed is derived from the invariant id; False: a fresh seed, reported
    description: str


PROFILES = {
    "ci": Profile("ci", 1.0, True, "derandomized, no database, no deadline; each invariant's own example count"),
    "dev": Profile("dev", 1.0, False, "fresh random seed each run (printed in every repro line), no deadline"),
    "thorough": Profile("thorough", 20.0, True, "20x the examples, derandomized; for deep runs"),
}

ENV_VAR = "INVARIANTS_PROFILE"


def default_profile() -> str:
    name = os.environ.get(ENV_VAR, "ci")
    if name not in PROFILES:
        raise ValueError(f"{ENV_VAR} must be one of {sorted(PROFILES)}, got {name!r}")
    return name


def hypothesis_settings(profile: str, max_examples: int, *, shrink: bool = True) -> settings:
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)}, got {profile!r}")
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(
        max_examples=max_examples,
        derandomize=PROFILES[profile].derandomize,
        database=None,
        deadline=None,
        phases=phases,
        report_multiple_bugs=False,
        suppress_health_check=_SUPPRESS,
        print_blob=False,
        verbosity=Verbosity.quiet,
    )


@contextlib.contextmanager
def isolated_generation() -> Iterator[None]:
    """What Hypothesis draws depends only on the strategy and the seed, not on which modules are loaded.

    Hypothesis mixes into its draws literal constants collected from every *local* module in
    ``sys.modules`` (and caches them under ``.hypothesis/constants`` in the working directory), so the
    same seed draws different examples once other topics have been imported — a repro line would not
    reproduce.  Inside this context that pool is empty; Hypothesis' own global constants stay.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # a Hypothesis without local constants: nothing to isolate
        yield
        return
    original = providers._get_local_constants
    empty = Constants()
    providers.CONSTANTS_CACHE.cache.clear()
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def examples_for(profile: str, own: int, override: int | None = None) -> int:
    if override is not None:
        if override < 1:
            raise ValueError(f"max_examples must be >= 1, got {override}")
        return override
    return max(1, int(round(own * PROFILES[profile].scale)))


for _p in PROFILES.values():
    settings.register_profile(
        f"invariants-{_p.name}",
        derandomize=_p.derandomize,
        database=None,
        deadline=None,
        suppress_health_check=_SUPPRESS,
        max_examples=int(100 * _p.scale) if _p.name == "thorough" else 100,
    )
