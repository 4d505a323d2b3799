"""FunctionTransformer mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.stateless import FunctionTransformer
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("function_transformer", FunctionTransformer, fit_transform="defaults")


@mutant("function_transformer", bug="log1p computed as log(1 + x): the relative precision near 0 is lost",
        catches=("function_transformer.applies_func",))
class LogOfOnePlus(FunctionTransformer):
    def transform(self, X):
        return np.log(1.0 + self._checked(X))


@mutant("function_transformer", bug="inverse by exp instead of expm1 (the −1 forgotten)",
        catches=("function_transformer.inverse_round_trip",))
class ExpInverse(FunctionTransformer):
    def inverse_transform(self, Z):
        return np.exp(np.asarray(Z, dtype=np.float64))
