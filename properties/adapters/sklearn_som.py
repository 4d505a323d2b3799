"""sklearn-som's ``SOM(m, n, dim, lr, sigma, max_iter, random_state)`` speaking MiniSom's contract.

Plug in as ``properties.adapters.sklearn_som:SklearnSOM``.

What the adapter changes, and nothing else:

- names: ``x, y, input_len, sigma, learning_rate, random_seed`` → ``m, n, dim, sigma, lr, random_state``;
  ``get_weights()`` is ``cluster_centers_`` (the (m·n, dim) codebook in row-major order, reshaped (m, n, dim));
- ``train(data, T, random_order)`` is ``fit(data, epochs=⌈T/N⌉, shuffle=random_order)`` with ``max_iter = T``:
  sklearn-som then makes T steps (one more with learning rate 0 when ⌈T/N⌉·N > T, which moves nothing),
  the sample at step t being x_{t mod N} without shuffling, and its learning rate lr·(1 − t/T) — MiniSom's
  ``linear_decay_to_zero``;
- ``winner(x)`` is the library's own best-matching-unit search ``_find_bmu`` (the routine ``step`` and
  ``predict`` use; ``predict`` itself refuses to run before ``fit``), returned as a grid position;
- ``update(x, win, 0, T)`` is one ``step(x)`` at the initial learning rate around the unit ``win`` (the instance's
  ``_find_bmu`` answers ``win`` for that one call); sklearn-som applies its learning-rate schedule only inside
  ``fit``, so ``update`` at t > 0 raises ``NotImplementedError``;
- ``activate(x)`` and ``quantization_error(data)`` read the library's ``transform`` (the Euclidean distance from
  every sample to every unit): the row of x, and the mean of each row's minimum.

Declared support (``invariants_support``): the Gaussian neighbourhood, the Euclidean distance, the linear
learning-rate decay; no σ schedule (sklearn-som keeps σ fixed), no topographic error, no ``random_weights_init``.
Other options raise ``ValueError`` here, since the library has no such parameter.  Nothing else is validated or
converted: sigma, the data and the samples reach sklearn-som as given.
"""
from __future__ import annotations

import math

import numpy as np


class SklearnSOM:
    """``SklearnSOM(x, y, input_len, sigma=1.0, learning_rate=0.5, random_seed=None, ...)``."""

    invariants_support = {
        "neighborhood_function": ["gaussian"],
        "activation_distance": ["euclidean"],
        "decay_function": ["linear_decay_to_zero"],
        "sigma_decay_function": [],
        "training_order": ["ordered", "random"],
        "operations": ["update", "activate", "quantization_error"],
        "precision": "float64",
    }

    def __init__(self, x, y, input_len, sigma=1.0, learning_rate=0.5, decay_function="linear_decay_to_zero",
                 neighborhood_function="gaussian", activation_distance="euclidean", random_seed=None,
                 sigma_decay_function=None):
        from sklearn_som.som import SOM

        for name, value, offered in (("neighborhood_function", neighborhood_function, "gaussian"),
                                     ("activation_distance", activation_distance, "euclidean"),
                                     ("decay_function", decay_function, "linear_decay_to_zero")):
            if value != offered:
                raise ValueError(f"sklearn-som offers {name}={offered!r} only, got {value!r}")
        if sigma_decay_function is not None:
            raise ValueError(f"sklearn-som keeps sigma fixed: no sigma_decay_function ({sigma_decay_function!r})")
        self._som = SOM(m=x, n=y, dim=input_len, lr=learning_rate, sigma=sigma, random_state=random_seed)
        self._shape = (x, y)

    def get_weights(self):
        return self._som.cluster_centers_

    def winner(self, x):
        return tuple(int(v) for v in np.unravel_index(self._som._find_bmu(x), self._shape))

    def update(self, x, win, t, max_iteration):
        if t != 0:
            raise NotImplementedError("sklearn-som applies its learning-rate schedule inside fit only")
        som = self._som
        flat = int(np.ravel_multi_index(tuple(win), self._shape))
        som.lr = som.initial_lr
        som._find_bmu = lambda sample: flat
        try:
            som.step(x)
        finally:
            del som._find_bmu

    def train(self, data, num_iteration, random_order=False):
        self._som.max_iter = num_iteration
        self._som.fit(data, epochs=math.ceil(num_iteration / len(data)), shuffle=random_order)

    def activate(self, x):
        return self._som.transform(np.asarray(x)[None, :])[0].reshape(self._shape)

    def quantization_error(self, data):
        return float(self._som.transform(data).min(axis=1).mean())
