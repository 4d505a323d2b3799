"""SOM mutants: the reference MiniSom with one bug each."""
from __future__ import annotations

import numpy as np

from reference.som.som import MiniSom
from tests.zoo import mutant


@mutant("som", bug="the winner is the argmax of the activation distance (the farthest unit)",
        catches=("som.winner_is_first_argmin", "som.sigma_to_zero_is_kmeans"))
class ArgmaxWinner(MiniSom):
    def winner(self, x):
        return divmod(int(np.argmax(self.activate(x))), self.Y)


@mutant("som", bug="the flat winner index is unravelled with the wrong grid dimension (divmod by x instead of y): "
                   "right on square grids, wrong on non-square ones",
        catches=("som.winner_is_first_argmin",))
class UnravelWithWrongDimension(MiniSom):
    def winner(self, x):
        return divmod(int(np.argmin(self.activate(x))), self.X)


@mutant("som", bug="ties go to the last minimum in row-major order (argmin over the reversed units)",
        catches=("som.winner_is_first_argmin",))
class TiesToLastUnit(MiniSom):
    def winner(self, x):
        d = self.activate(x).ravel()
        return divmod(len(d) - 1 - int(np.argmin(d[::-1])), self.Y)


@mutant("som", bug="the Chebyshev distance without the absolute value, max_k (x_k − w_k) (MiniSom 2.3.6's)",
        catches=("som.activation_distance_definition", "som.winner_is_first_argmin"))
class ChebyshevWithoutAbs(MiniSom):
    def activate(self, x):
        if self.activation_distance == "chebyshev":
            return (self._sample(x) - self._W).max(axis=-1)
        return super().activate(x)


@mutant("som", bug="the Gaussian neighbourhood grows with grid distance: exp(+‖Δ‖²/2σ²)",
        catches=("som.neighbourhood_shape", "som.update_step", "som.trained_map_topology", "som.convex_hull"))
class NeighbourhoodIncreasing(MiniSom):
    def neighborhood(self, c, sigma):
        if self.neighborhood_function == "gaussian":
            return 1.0 / super().neighborhood(c, sigma)
        return super().neighborhood(c, sigma)


@mutant("som", bug="the learning rate does not decay: η(t) = η₀ at every step",
        catches=("som.decay_schedules", "som.decay_monotone", "som.sigma_to_zero_is_kmeans"))
class LearningRateNotDecaying(MiniSom):
    def schedules(self, t, T):
        return self.learning_rate, super().schedules(t, T)[1]


@mutant("som", bug="the update is applied with the sign reversed: w ← w − η h (x − w), units flee the sample",
        catches=("som.update_step", "som.update_toward_sample", "som.convex_hull", "som.trained_map_topology",
                 "som.sigma_to_zero_is_kmeans"))
class UpdateSignReversed(MiniSom):
    def update(self, x, win, t, max_iteration):
        before = self._W.copy()
        super().update(x, win, t, max_iteration)
        self._W = 2 * before - self._W


@mutant("som", bug="train starts the decay clock at t = 1: step t uses the schedules' values at t + 1",
        catches=("som.train_is_sequence_of_updates", "som.sigma_to_zero_is_kmeans"))
class TrainClockStartsAtOne(MiniSom):
    def train(self, data, num_iteration, random_order=False):
        data = self._data(data)
        order = np.arange(num_iteration) % len(data)
        if random_order:
            self._rng.shuffle(order)
        for t, k in enumerate(order):
            self.update(data[k], self.winner(data[k]), t + 1, num_iteration)


@mutant("som", bug="the random order is shuffled by numpy's global random generator, not the map's seeded one",
        catches=("som.deterministic",))
class ShuffleWithGlobalRNG(MiniSom):
    def train(self, data, num_iteration, random_order=False):
        data = self._data(data)
        order = np.arange(num_iteration) % len(data)
        if random_order:
            np.random.shuffle(order)
        for t, k in enumerate(order):
            self.update(data[k], self.winner(data[k]), t, num_iteration)


@mutant("som", bug="the quantization error averages squared distances (the inertia), not distances",
        catches=("som.quantization_error_definition",))
class QuantizationErrorSquared(MiniSom):
    def quantization_error(self, data):
        data = self._data(data)
        return float((self._euclidean_table(data).min(axis=1) ** 2).mean())


@mutant("som", bug="the topographic error counts diagonal neighbours as not adjacent (4-neighbourhood)",
        catches=("som.topographic_error_definition",))
class TopographicFourNeighbours(MiniSom):
    def topographic_error(self, data):
        data = self._data(data)
        best2 = np.argsort(self._euclidean_table(data), axis=1, kind="stable")[:, :2]
        r0, r1 = np.divmod(best2, self.Y)
        return float(np.mean(np.abs(r0[:, 0] - r0[:, 1]) + np.abs(r1[:, 0] - r1[:, 1]) > 1))


@mutant("som", bug="no input validation: data, samples and sigma go straight into numpy",
        catches=("som.rejects_wrong_width", "som.rejects_bad_sigma", "som.rejects_nonfinite"))
class NoInputValidation(MiniSom):
    def __init__(self, x, y, input_len, sigma=1.0, **kwargs):
        super().__init__(x, y, input_len, **kwargs)
        self.sigma = sigma

    def _sample(self, x, name="x"):
        return np.asarray(x, dtype=np.float64)

    def _data(self, data):
        return np.asarray(data, dtype=np.float64)
