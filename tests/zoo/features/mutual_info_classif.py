"""mutual_info_classif mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features import univariate
from tests.zoo import mutant


@mutant("mutual_info_classif", bug="mutual information in bits (log₂) instead of nats",
        catches=("mutual_info_classif.discrete_plugin",))
def bits_not_nats(X, y, *, discrete_features=True, random_state=None):
    return univariate.mutual_info_classif(X, y, discrete_features=discrete_features) / np.log(2)


@mutant("mutual_info_classif", bug="no input validation: NaN is counted as one more code",
        catches=("mutual_info_classif.rejects_bad_input",))
def nan_as_a_code(X, y, *, discrete_features=True, random_state=None):
    X = np.nan_to_num(np.asarray(X, dtype=np.float64), nan=-12345.0)
    return univariate.mutual_info_classif(X, y, discrete_features=discrete_features)
