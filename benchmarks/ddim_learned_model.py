"""Data, ε-network and training for ``benchmarks/ddim_learned.py`` (DDIM's Table 1 with a learned ε).

* :class:`Mixture` - a Gaussian mixture with a known density: the 2-D ring (8 anisotropic modes, unequal weights)
  and a 16-D mixture, both from fixed seeds; exact log-density and sampling come from ``properties.oracles.gaussian``.
* :class:`ExactEps` - the exact ε*(x, t) = E[ε | x_t] of a mixture (Tweedie), in torch, for the control rows and the
  model-error diagnostic; it agrees with ``properties.oracles.gaussian.mixture_eps`` (tested).
* :class:`EpsMLP` - ε_θ(x, t): an MLP on x and a sinusoidal embedding of t (DDPM's transformer-style embedding).
* :func:`train` / :func:`load_or_train` - DDPM's simple loss ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖² (Ho et al.
  eq. 14) on T = 1000 linear β, x_t from the reference's forward process (``DDPMScheduler.add_noise``); every draw from
  one ``torch.Generator``; the weights, the loss curve and the training time are cached in a git-ignored folder under
  a hash of the training configuration (and the data, torch version and device type), so a second run skips training.
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from properties.oracles.gaussian import mixture_log_density, random_spd, sample_mixture  # noqa: E402
from reference.diffusion.ddpm import DDPMScheduler  # noqa: E402

T = 1000  # training timesteps, linear β from 1e-4 to 0.02 (the reference's defaults, as in the paper's CIFAR-10 runs)


# ------------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Mixture:
    """Σ_k w_k N(μ_k, Σ_k) with its parameters as numpy arrays (weights sum to 1)."""

    name: str
    weights: np.ndarray
    mus: np.ndarray      # (K, d)
    sigmas: np.ndarray   # (K, d, d)

    @property
    def d(self) -> int:
        return self.mus.shape[1]

    def sample(self, n: int, seed: int) -> np.ndarray:
        return sample_mixture(self.weights, list(self.mus), list(self.sigmas), n, np.random.default_rng(seed))

    def log_density(self, x: np.ndarray) -> np.ndarray:
        return mixture_log_density(x, self.weights, list(self.mus), list(self.sigmas))

    def fingerprint(self) -> str:
        arrays = (self.weights, self.mus, self.sigmas)
        return hashlib.sha256(b"".join(np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in arrays)).hexdigest()


def ring_mixture() -> Mixture:
    """8 modes on a circle of radius 1.5, each elongated along the tangent (variances 0.01 and 0.06), weights ∝ 1 … 8."""
    k = 8
    angles = 2 * np.pi * np.arange(k) / k
    mus = 1.5 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    sigmas = []
    for a in angles:
        r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        sigmas.append(r @ np.diag([0.01, 0.06]) @ r.T)
    weights = np.arange(1, k + 1, dtype=float)
    return Mixture("2-D ring", weights / weights.sum(), mus, np.stack(sigmas))


def high_dim_mixture(d: int = 16, k: int = 8, seed: int = 16) -> Mixture:
    """k modes at random points of the sphere of radius 3 in R^d, random anisotropic Σ_k (eigenvalues 0.02 … 0.2,
    a random rotation each), weights ∝ 1 … k in a random order; all from ``seed``."""
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((k, d))
    mus = 3.0 * u / np.linalg.norm(u, axis=1, keepdims=True)
    sigmas = np.stack([0.02 * np.sqrt(10.0) * random_spd(d, rng, cond=10.0) for _ in range(k)])
    weights = rng.permutation(np.arange(1, k + 1, dtype=float))
    return Mixture(f"{d}-D mixture", weights / weights.sum(), mus, sigmas)


def alphas_cumprod() -> torch.Tensor:
    """ᾱ_t of the reference's linear schedule (float64), the one the samplers use."""
    return DDPMScheduler(num_train_timesteps=T).alphas_cumprod


# ---------------------------------------------------------------------------------------- exact ε


class ExactEps:
    """ε*(x, t) = −√(1 − ᾱ_t) ∇ log q_t(x) for a mixture: q_t = Σ_k w_k N(√ᾱ_t μ_k, ᾱ_t Σ_k + (1 − ᾱ_t) I).

    Torch, float64, on ``device``; the components' inverses and log-determinants at all T timesteps are computed once.
    """

    def __init__(self, mixture: Mixture, device: str = "cpu"):
        self.alpha_bar = alphas_cumprod()
        ab = self.alpha_bar.numpy()[:, None, None, None]
        # C_k(t) = ᾱ_t Σ_k + (1 − ᾱ_t) I,  m_k(t) = √ᾱ_t μ_k
        cov = ab * mixture.sigmas[None] + (1 - ab) * np.eye(mixture.d)
        as_tensor = lambda a: torch.tensor(a, dtype=torch.float64, device=device)  # noqa: E731
        self.m = as_tensor(np.sqrt(ab[..., 0]) * mixture.mus[None])     # (T, K, d)
        self.cinv = as_tensor(np.linalg.inv(cov))                         # (T, K, d, d)
        self.logdet = as_tensor(np.linalg.slogdet(cov)[1])                # (T, K)
        self.log_w = as_tensor(np.log(mixture.weights))

    def __call__(self, x: torch.Tensor, t: int) -> torch.Tensor:
        t = int(t)
        diff = x[:, None, :] - self.m[t][None]                  # (n, K, d)
        sol = torch.einsum("nkd,kde->nke", diff, self.cinv[t])  # C_k⁻¹ (x − m_k)
        # responsibilities r_k(x) ∝ w_k N(x; m_k, C_k)
        logits = self.log_w - 0.5 * (diff * sol).sum(-1) - 0.5 * self.logdet[t]
        r = torch.softmax(logits, dim=1)
        # ε* = √(1 − ᾱ) Σ_k r_k C_k⁻¹ (x − m_k)
        return (1 - float(self.alpha_bar[t])) ** 0.5 * torch.einsum("nk,nkd->nd", r, sol)

    def rows(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """ε*(x_i, t_i) for each row i, a timestep per row (the same formula as ``__call__``, batched over t)."""
        t = t.to(self.m.device)
        diff = x[:, None, :] - self.m[t]                          # (n, K, d)
        sol = torch.einsum("nkd,nkde->nke", diff, self.cinv[t])   # C_k⁻¹ (x − m_k)
        # responsibilities r_k(x) ∝ w_k N(x; m_k, C_k)
        logits = self.log_w - 0.5 * (diff * sol).sum(-1) - 0.5 * self.logdet[t]
        r = torch.softmax(logits, dim=1)
        # ε* = √(1 − ᾱ) Σ_k r_k C_k⁻¹ (x − m_k)
        scale = (1 - self.alpha_bar.to(x.device)[t]).sqrt()[:, None]
        return scale * torch.einsum("nk,nkd->nd", r, sol)


# ------------------------------------------------------------------------------------------ network


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """[sin(t ω_j), cos(t ω_j)], ω_j = 10000^(−j / (dim/2)) (Vaswani et al.; DDPM's timestep embedding), rows of t."""
    half = dim // 2
    omega = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    angle = t.to(torch.float32)[:, None] * omega[None]
    return torch.cat([torch.sin(angle), torch.cos(angle)], dim=1)


class EpsMLP(torch.nn.Module):
    """ε_θ(x, t) = W_out h_L,  h_1 = SiLU(W_x x + W_t emb(t) + b),  h_{l+1} = SiLU(W_l h_l + b_l)  (float32).

    The layers are built uninitialised (``skip_init``) and drawn from ``generator``: no global RNG.
    """

    def __init__(self, d: int, width: int, depth: int, emb_dim: int, generator: torch.Generator):
        super().__init__()
        lin = torch.nn.utils.skip_init
        self.emb_dim = emb_dim
        self.x_in = lin(torch.nn.Linear, d, width)
        self.t_in = lin(torch.nn.Linear, emb_dim, width, bias=False)
        self.hidden = torch.nn.ModuleList(lin(torch.nn.Linear, width, width) for _ in range(depth - 1))
        self.out = lin(torch.nn.Linear, width, d)
        # torch's default Linear init, U(−1/√fan_in, 1/√fan_in), with the first layer seen as one layer on [x, emb]
        fan_in = [(self.x_in, d + emb_dim), (self.t_in, d + emb_dim), (self.out, width)]
        fan_in += [(layer, width) for layer in self.hidden]
        with torch.no_grad():
            for layer, fan in fan_in:
                for p in layer.parameters():
                    p.copy_((2 * torch.rand(p.shape, generator=generator) - 1) / math.sqrt(fan))

    def forward(self, x: torch.Tensor, t) -> torch.Tensor:
        t = torch.as_tensor(t, device=x.device).reshape(-1)
        h = torch.nn.functional.silu(self.x_in(x) + self.t_in(time_embedding(t, self.emb_dim)))
        for layer in self.hidden:
            h = torch.nn.functional.silu(layer(h))
        return self.out(h)


# ----------------------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainConfig:
    width: int = 64
    depth: int = 3
    emb_dim: int = 32
    steps: int = 15_000
    batch: int = 512
    lr: float = 2e-3
    n_train: int = 20_000
    seed: int = 0
    snapshots: tuple = ()  # steps after which the weights are also kept (a less trained network, same run)

    def key(self, mixture: Mixture, device: str) -> str:
        """The cache key: this configuration, the data, T and β, the torch version and the device type."""
        blob = json.dumps({"config": asdict(self), "data": mixture.fingerprint(), "T": T, "beta": [1e-4, 0.02, "linear"],
                           "torch": torch.__version__, "device": torch.device(device).type}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def network(self, d: int, state: dict | None = None, device: str = "cpu") -> EpsMLP:
        model = EpsMLP(d, self.width, self.depth, self.emb_dim, torch.Generator().manual_seed(self.seed)).to(device)
        if state is not None:
            model.load_state_dict(state)
        return model.eval()


def train(mixture: Mixture, cfg: TrainConfig, device: str = "cpu") -> tuple[EpsMLP, dict]:
    """DDPM's simple loss (Ho et al. eq. 14, Algorithm 1) with Adam and a cosine learning-rate decay.

    Returns the network (eval mode) and ``{"loss": per-step losses, "seconds": wall time, "snapshots": {step:
    state_dict}}``.
    """
    g = torch.Generator().manual_seed(cfg.seed)
    model = EpsMLP(mixture.d, cfg.width, cfg.depth, cfg.emb_dim, g).to(device)
    x0 = torch.tensor(mixture.sample(cfg.n_train, cfg.seed + 1), dtype=torch.float32)
    forward = DDPMScheduler(num_train_timesteps=T)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 0.5 * (1 + math.cos(math.pi * k / cfg.steps)))
    losses, snapshots = np.empty(cfg.steps), {}
    started = time.perf_counter()
    for k in range(cfg.steps):
        idx = torch.randint(0, cfg.n_train, (cfg.batch,), generator=g)
        t = torch.randint(0, T, (cfg.batch,), generator=g)
        eps = torch.randn(cfg.batch, mixture.d, generator=g)
        # x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε                                    (Ho et al. eq. 4, the reference's add_noise)
        x_t = forward.add_noise(x0[idx], eps, t)
        # L_simple = ‖ε − ε_θ(x_t, t)‖²                                   (Ho et al. eq. 14)
        loss = ((model(x_t.to(device), t.to(device)) - eps.to(device)) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses[k] = loss.detach().item()
        if k + 1 in cfg.snapshots:
            snapshots[k + 1] = {name: v.detach().clone() for name, v in model.state_dict().items()}
    model.eval()
    return model, {"loss": losses, "seconds": time.perf_counter() - started, "snapshots": snapshots}


def load_or_train(mixture: Mixture, cfg: TrainConfig, cache_dir: Path, device: str = "cpu"):
    """(model, info, cached): the weights from ``cache_dir/<key>.pt`` when present, else trained and saved there."""
    path = Path(cache_dir) / f"ddim_learned-{cfg.key(mixture, device)}.pt"
    if path.exists():
        blob = torch.load(path, map_location=device, weights_only=True)
        info = {"loss": blob["loss"].cpu().numpy(), "seconds": float(blob["seconds"]),
                "snapshots": {int(k): v for k, v in blob["snapshots"].items()}}
        return cfg.network(mixture.d, blob["state"], device), info, True
    model, info = train(mixture, cfg, device)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save({"state": model.state_dict(), "loss": torch.from_numpy(info["loss"]), "seconds": info["seconds"],
                "snapshots": {str(k): v for k, v in info["snapshots"].items()}, "config": asdict(cfg)}, tmp)
    tmp.replace(path)
    return model, info, False


def model_error(model: torch.nn.Module, exact: ExactEps, mixture: Mixture, timesteps, n: int, seed: int,
                device: str = "cpu") -> dict[int, float]:
    """E‖ε_θ(x_t, t) − ε*(x_t, t)‖² / d on q(x_t) at each timestep (the model's own error; 0 for the exact ε)."""
    g = torch.Generator().manual_seed(seed)
    x0 = torch.tensor(mixture.sample(n, seed), dtype=torch.float64)
    out = {}
    with torch.inference_mode():
        for t in timesteps:
            ab = float(exact.alpha_bar[t])
            eps = torch.randn(x0.shape, generator=g, dtype=torch.float64)
            x_t = (ab ** 0.5 * x0 + (1 - ab) ** 0.5 * eps).to(device)
            diff = model(x_t.float(), int(t)).double() - exact(x_t, int(t))
            out[int(t)] = float((diff ** 2).mean())
    return out


def simple_loss_floor(exact: ExactEps, mixture: Mixture, n: int, seed: int, device: str = "cpu") -> float:
    """min_θ L_simple = E‖ε − ε*(x_t, t)‖² / d with t uniform (Monte Carlo, n draws): the loss an exact ε scores."""
    g = torch.Generator().manual_seed(seed)
    x0 = torch.tensor(mixture.sample(n, seed), dtype=torch.float64)
    t = torch.randint(0, T, (n,), generator=g)
    eps = torch.randn(x0.shape, generator=g, dtype=torch.float64)
    ab = exact.alpha_bar[t][:, None]
    x_t = (ab.sqrt() * x0 + (1 - ab).sqrt() * eps).to(device)
    total = 0.0
    for rows in torch.split(torch.arange(n), 1000):
        total += float(((exact.rows(x_t[rows.to(device)], t[rows]) - eps[rows].to(device)) ** 2).sum())
    return total / (n * mixture.d)
