"""The self-organizing map (Kohonen), online training, with MiniSom's API.

Kohonen, *Self-Organizing Maps* (3rd ed., 2001), ch. 3; Kohonen, "Essentials of the self-organizing map",
Neural Networks 37 (2013).  A map of X × Y units on a rectangular grid, unit i at grid position r_i = (i₀, i₁),
each with a codebook vector w_i ∈ ℝ^d.  For a sample x:

    c = argmin_i d(x, w_i)                              (winner, best-matching unit; first in row-major order)
    w_i(t+1) = w_i(t) + α(t) h_ci(t) [x − w_i(t)]       (update)

with the learning rate α(t) (MiniSom's η) and the neighbourhood radius σ(t) decayed over t = 0 … T−1.
Neighbourhoods h_ci (Δ = r_i − r_c on the grid):

    gaussian     exp(−Δ₀²/2σ²) · exp(−Δ₁²/2σ²)
    bubble       [|Δ₀| < σ] · [|Δ₁| < σ]
    triangle     (σ − |Δ₀|)⁺ · (σ − |Δ₁|)⁺              (peak σ² at the winner: not normalised)
    mexican_hat  exp(−‖Δ‖²/2σ²) · (1 − ‖Δ‖²/σ²)

Activation distances: Euclidean ‖x − w‖₂, Manhattan ‖x − w‖₁, Chebyshev max_k |x_k − w_k|, cosine
1 − x·w/(‖x‖‖w‖) (with x·w/(‖x‖‖w‖) := 0 when ‖x‖‖w‖ = 0).  Schedules (p₀ the initial value):

    asymptotic_decay        p₀ / (1 + t/(T/2))         (α and σ)
    inverse_decay_to_zero   α₀ C/(C + t),  C = T/100   (α)
    linear_decay_to_zero    α₀ (1 − t/T)               (α)
    inverse_decay_to_one    σ₀ / (1 + t (σ₀ − 1)/T)    (σ)
    linear_decay_to_one     σ₀ + t (1 − σ₀)/T          (σ)

Initialisation, sample order and every formula follow MiniSom 2.3.6 operation for operation, so that the same
seed gives bit-identical weights: w = RandomState(seed).rand(X, Y, d)·2 − 1, each unit scaled to unit norm;
``train`` visits x_{t mod N} for t = 0 … T−1, or, with ``random_order``, that sequence shuffled by the same
RandomState.  Quantization and topographic errors (Kohonen 2001, ch. 3; Kiviluoto 1996) use Euclidean distances;
two units are adjacent when they differ by at most one step along each grid axis (the 8 surrounding units).
"""
from __future__ import annotations

import math
import numbers

import numpy as np


# ------------------------------------------------------------------ schedules
def asymptotic_decay(p0: float, t: int, T: int) -> float:
    # p(t) = p₀ / (1 + t/(T/2))
    return p0 / (1 + t / (T / 2))


def inverse_decay_to_zero(alpha0: float, t: int, T: int) -> float:
    C = T / 100.0
    # α(t) = α₀ C / (C + t)
    return alpha0 * C / (C + t)


def linear_decay_to_zero(alpha0: float, t: int, T: int) -> float:
    # α(t) = α₀ (1 − t/T)
    return alpha0 * (1 - t / T)


def inverse_decay_to_one(sigma0: float, t: int, T: int) -> float:
    C = (sigma0 - 1) / T
    # σ(t) = σ₀ / (1 + t (σ₀ − 1)/T)
    return sigma0 / (1 + (t * C))


def linear_decay_to_one(sigma0: float, t: int, T: int) -> float:
    # σ(t) = σ₀ + t (1 − σ₀)/T
    return sigma0 + (t * (1 - sigma0) / T)


LEARNING_RATE_DECAYS = {"asymptotic_decay": asymptotic_decay, "inverse_decay_to_zero": inverse_decay_to_zero,
                        "linear_decay_to_zero": linear_decay_to_zero}
SIGMA_DECAYS = {"asymptotic_decay": asymptotic_decay, "inverse_decay_to_one": inverse_decay_to_one,
                "linear_decay_to_one": linear_decay_to_one}


# ------------------------------------------------------------------ distances (x: (d,), W: (..., d))
def euclidean(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    # d(x, w) = ‖x − w‖₂ = √(Σ_k (x_k − w_k)²)
    return np.linalg.norm(x - W, axis=-1)


def manhattan(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    # d(x, w) = ‖x − w‖₁ = Σ_k |x_k − w_k|
    return np.linalg.norm(x - W, ord=1, axis=-1)


def chebyshev(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    # d(x, w) = ‖x − w‖_∞ = max_k |x_k − w_k|
    return np.abs(x - W).max(axis=-1)


def cosine(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(W, axis=-1) * np.linalg.norm(x)
    dots = (W * x).sum(axis=-1)
    # d(x, w) = 1 − x·w / (‖x‖‖w‖), the similarity taken as 0 where ‖x‖‖w‖ = 0
    similarity = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    return 1 - similarity


DISTANCES = {"euclidean": euclidean, "cosine": cosine, "manhattan": manhattan, "chebyshev": chebyshev}
NEIGHBORHOODS = ("gaussian", "mexican_hat", "bubble", "triangle")


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _choice(value, options, name: str) -> str:
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value


class MiniSom:
    """``MiniSom(x, y, input_len, sigma=1.0, learning_rate=0.5, decay_function="asymptotic_decay",
    neighborhood_function="gaussian", activation_distance="euclidean", random_seed=None,
    sigma_decay_function="asymptotic_decay")``: an X × Y rectangular map of ``input_len``-dimensional units."""

    invariants_support = {"precision": "float64"}

    def __init__(self, x, y, input_len, sigma=1.0, learning_rate=0.5, decay_function="asymptotic_decay",
                 neighborhood_function="gaussian", activation_distance="euclidean", random_seed=None,
                 sigma_decay_function="asymptotic_decay"):
        self.X, self.Y = _positive_int(x, "x"), _positive_int(y, "y")
        self.d = _positive_int(input_len, "input_len")
        if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or not math.isfinite(sigma) or sigma <= 0:
            raise ValueError(f"sigma must be a finite number > 0, got {sigma!r}")
        if (isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real)
                or not math.isfinite(learning_rate) or learning_rate < 0):
            raise ValueError(f"learning_rate must be a finite number >= 0, got {learning_rate!r}")
        self.sigma, self.learning_rate = float(sigma), float(learning_rate)
        self.decay_function = _choice(decay_function, LEARNING_RATE_DECAYS, "decay_function")
        self.sigma_decay_function = _choice(sigma_decay_function, SIGMA_DECAYS, "sigma_decay_function")
        self.neighborhood_function = _choice(neighborhood_function, NEIGHBORHOODS, "neighborhood_function")
        self.activation_distance = _choice(activation_distance, DISTANCES, "activation_distance")
        self._rng = np.random.RandomState(random_seed)
        # w_i ~ U[−1, 1)^d, then w_i ← w_i / ‖w_i‖
        W = self._rng.rand(self.X, self.Y, self.d) * 2 - 1
        self._W = W / np.linalg.norm(W, axis=-1, keepdims=True)
        self._grid0, self._grid1 = np.arange(self.X), np.arange(self.Y)

    # -------------------------------------------------------------- input checks
    def _sample(self, x, name: str = "x") -> np.ndarray:
        x = np.array(x, dtype=np.float64, copy=True)
        if x.shape != (self.d,):
            raise ValueError(f"{name} must have shape (input_len,) = ({self.d},), got {x.shape}")
        if not np.isfinite(x).all():
            raise ValueError(f"{name} must be finite, got {x.tolist()}")
        return x

    def _data(self, data) -> np.ndarray:
        data = np.array(data, dtype=np.float64, copy=True)
        if data.ndim != 2 or data.shape[0] == 0:
            raise ValueError(f"data must be a non-empty 2-D array (n_samples, input_len), got shape {data.shape}")
        if data.shape[1] != self.d:
            raise ValueError(f"data has {data.shape[1]} columns but input_len = {self.d}")
        if not np.isfinite(data).all():
            raise ValueError(f"data must be finite, got {int((~np.isfinite(data)).sum())} NaN/inf entries")
        return data

    def _position(self, win) -> tuple[int, int]:
        try:
            c0, c1 = (int(v) for v in win)
        except (TypeError, ValueError):
            raise ValueError(f"win must be a grid position (i, j), got {win!r}") from None
        if not (0 <= c0 < self.X and 0 <= c1 < self.Y):
            raise ValueError(f"win must lie on the {self.X} × {self.Y} grid, got {win!r}")
        return c0, c1

    # -------------------------------------------------------------- the map
    def get_weights(self) -> np.ndarray:
        """The codebook, shape (x, y, input_len) (a copy)."""
        return self._W.copy()

    def activate(self, x) -> np.ndarray:
        """d(x, w_i) for every unit, shape (x, y)."""
        return DISTANCES[self.activation_distance](self._sample(x), self._W)

    def winner(self, x) -> tuple[int, int]:
        # c = argmin_i d(x, w_i)  (ties: the first unit in row-major order)
        flat = int(np.argmin(self.activate(x)))
        return divmod(flat, self.Y)

    def neighborhood(self, c: tuple[int, int], sigma: float) -> np.ndarray:
        """h_ci for every unit i (shape (x, y)) around the winner c with radius σ."""
        d0, d1 = self._grid0 - c[0], self._grid1 - c[1]
        if self.neighborhood_function == "gaussian":
            two_sigma2 = 2 * sigma * sigma
            # h_ci = exp(−Δ₀²/2σ²) · exp(−Δ₁²/2σ²)
            return np.outer(np.exp(-(d0.astype(float) ** 2) / two_sigma2), np.exp(-(d1.astype(float) ** 2) / two_sigma2))
        if self.neighborhood_function == "mexican_hat":
            two_sigma2 = 2 * sigma * sigma
            p = d0[:, None].astype(float) ** 2 + d1[None, :].astype(float) ** 2
            # h_ci = exp(−‖Δ‖²/2σ²) · (1 − ‖Δ‖²/σ²)   (2/(2σ²) = 1/σ², written as MiniSom evaluates it)
            return np.exp(-p / two_sigma2) * (1 - 2 / two_sigma2 * p)
        if self.neighborhood_function == "bubble":
            # h_ci = [c₀ − σ < i₀ < c₀ + σ] · [c₁ − σ < i₁ < c₁ + σ]
            in0 = (self._grid0 > c[0] - sigma) & (self._grid0 < c[0] + sigma)
            in1 = (self._grid1 > c[1] - sigma) & (self._grid1 < c[1] + sigma)
            return np.outer(in0, in1) * 1.0
        # triangle: h_ci = (σ − |Δ₀|)⁺ · (σ − |Δ₁|)⁺
        return np.outer(np.maximum(-np.abs(d0) + sigma, 0.0), np.maximum(-np.abs(d1) + sigma, 0.0))

    def schedules(self, t: int, T: int) -> tuple[float, float]:
        """(α(t), σ(t)): the learning rate and the neighbourhood radius at step t of T."""
        return (LEARNING_RATE_DECAYS[self.decay_function](self.learning_rate, t, T),
                SIGMA_DECAYS[self.sigma_decay_function](self.sigma, t, T))

    def update(self, x, win, t, max_iteration) -> None:
        """One step of Kohonen's rule at time t of T = ``max_iteration``, around the winner ``win``."""
        x, c = self._sample(x), self._position(win)
        T = _positive_int(max_iteration, "max_iteration")
        if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 0:
            raise ValueError(f"t must be an integer >= 0, got {t!r}")
        alpha, sigma = self.schedules(t, T)
        h = self.neighborhood(c, sigma) * alpha
        # w_i(t+1) = w_i(t) + α(t) h_ci(t) [x − w_i(t)]
        self._W = self._W + h[:, :, None] * (x - self._W)

    def train(self, data, num_iteration, random_order=False) -> None:
        """T = ``num_iteration`` updates; at step t the sample x_{t mod N} (shuffled sequence if ``random_order``)."""
        data = self._data(data)
        T = _positive_int(num_iteration, "num_iteration")
        order = np.arange(T) % len(data)
        if random_order:
            self._rng.shuffle(order)
        for t, k in enumerate(order):
            self.update(data[k], self.winner(data[k]), t, T)

    def random_weights_init(self, data) -> None:
        """w_i ← a data row drawn (with replacement) by the map's RandomState, units in row-major order."""
        data = self._data(data)
        W = self._W.copy()
        for i in range(self.X):
            for j in range(self.Y):
                W[i, j] = data[self._rng.randint(len(data))]
        self._W = W

    # -------------------------------------------------------------- quality
    def _euclidean_table(self, data: np.ndarray) -> np.ndarray:
        # D_nk = ‖x_n − w_k‖₂ over the units k in row-major order
        return np.linalg.norm(data[:, None, :] - self._W.reshape(1, -1, self.d), axis=-1)

    def quantization_error(self, data) -> float:
        data = self._data(data)
        # QE = (1/N) Σ_n min_k ‖x_n − w_k‖₂
        return float(self._euclidean_table(data).min(axis=1).mean())

    def topographic_error(self, data) -> float:
        data = self._data(data)
        if self.X * self.Y < 2:
            raise ValueError("the topographic error needs at least two units (x * y >= 2)")
        best2 = np.argsort(self._euclidean_table(data), axis=1, kind="stable")[:, :2]
        r0, r1 = np.divmod(best2, self.Y)
        # TE = (1/N) Σ_n [first and second best units are not adjacent: max(|Δ₀|, |Δ₁|) > 1]
        return float(np.mean(np.maximum(np.abs(r0[:, 0] - r0[:, 1]), np.abs(r1[:, 0] - r1[:, 1])) > 1))
