"""Hypothesis profiles: ``ci`` (derandomized, no database, no deadline), ``dev``, ``thorough``.

The runner never loads a profile globally; it builds each invariant's settings
from the named profile, the invariant's own ``max_examples`` times the
profile's scale, and a seed derived from the invariant id.  The profiles are
also registered with Hypothesis under ``invariants-<name>`` so a project's own
``@given`` tests can use them (this repository's conftest loads ``invariants-ci``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

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
