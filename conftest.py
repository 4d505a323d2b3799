"""Repository-wide pytest configuration: deterministic Hypothesis, offline hubs, headless plots."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import settings  # noqa: E402

import properties.engine.profiles  # noqa: E402,F401  (registers the invariants-* profiles)

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "invariants-ci"))
