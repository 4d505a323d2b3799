"""pytest plugin (registered by the ``pytest11`` entry point ``invariants``).

Adds ``--invariants-profile {ci,dev,thorough}``, which sets the profile every
invariant run in that session uses (the ``INVARIANTS_PROFILE`` variable does the
same outside pytest), and a header line naming it.
"""
from __future__ import annotations

import os

from .engine import profiles


def pytest_addoption(parser):
    group = parser.getgroup("invariants")
    group.addoption("--invariants-profile", choices=sorted(profiles.PROFILES), default=None,
                    help="hypothesis profile for ml-invariants checks (default: $INVARIANTS_PROFILE or 'ci')")


def pytest_configure(config):
    chosen = config.getoption("--invariants-profile", default=None)
    if chosen:
        os.environ[profiles.ENV_VAR] = chosen  # inherited by xdist workers started after this point


def pytest_report_header(config):
    return f"ml-invariants profile: {profiles.default_profile()}"
