"""Repository-wide pytest configuration: deterministic Hypothesis, offline hubs, headless plots."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# xdist runs one worker per core: BLAS/OpenMP threads on top of that only oversubscribe the cores (measured: a
# tiny scikit-learn fit 6× slower with two OpenBLAS threads per worker on two cores)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from hypothesis import settings  # noqa: E402

import properties.engine.profiles  # noqa: E402,F401  (registers the invariants-* profiles)

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "invariants-ci"))
