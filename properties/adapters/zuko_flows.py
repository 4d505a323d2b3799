"""zuko's flows, transforms and continuous flow, speaking the flow and cnf contracts.

What the adapters change, and nothing else:

* **the constructor** ``Cls(features=d, seed=s)``: zuko's own class, built with torch's global generator seeded by
  ``s`` inside ``torch.random.fork_rng`` (the caller's random state is left alone), with two hidden layers of 16
  units instead of zuko's default 64 (size only: the same architecture) and 2 transforms (1 for NSF), converted to
  float64 with ``.double()``;
* **what is returned**: for ``MAF``, ``RealNVP`` and ``NSF`` zuko's ``NormalizingFlow`` distribution ``flow()``
  (its ``transform`` maps data to base, ``log_prob``, ``sample``) — zuko's own objects, unwrapped; ``NSF`` has one
  transform (splines are the slowest to differentiate; one layer exercises all of their code);
* ``FFJ`` (the cnf contract) is ``zuko.transforms.FreeFormJacobianTransform`` with ``atol = rtol = 1e-10`` (zuko's
  defaults, 1e-6 / 1e-5, solve to about 1e-6, coarser than a float64 check can judge); Hutchinson probes are zuko's
  (Gaussian, ``torch.randn_like``), so ``noise`` other than ``"gaussian"`` raises.

zuko's conventions, verified by the invariants rather than assumed: ``log_prob(x) = base.log_prob(z) + ladj`` with
``z, ladj = transform.call_and_ladj(x)``; its affine maps soft-clip the log-scale a ↦ a/(1 + |a/log 1e-3|), which is
part of the map (the log-det is of the clipped map, so no check sees a difference); the continuous flow's
``call_and_ladj`` returns the forward log|det| = +∫ tr ∂f/∂z dt.
"""
from __future__ import annotations

import zuko

from properties.flows.transforms import seeded

HIDDEN = (16, 16)
TRANSFORMS = 2


def _flow(cls, features: int, seed: int, **kwargs):
    with seeded(seed):
        flow = cls(features=features, transforms=TRANSFORMS, hidden_features=HIDDEN, **kwargs).double()
    return flow()


def MAF(features: int, seed: int = 0):
    """``zuko.flows.MAF`` (affine autoregressive transforms, orders alternating)."""
    return _flow(zuko.flows.MAF, features, seed)


def RealNVP(features: int, seed: int = 0):
    """``zuko.flows.RealNVP`` (affine coupling, checkered masks alternating)."""
    return _flow(zuko.flows.RealNVP, features, seed)


def NSF(features: int, seed: int = 0):
    """``zuko.flows.NSF`` with one transform (monotonic rational-quadratic splines on [−5, 5], identity outside;
    splines are the slowest to differentiate, and one layer exercises all of their code)."""
    with seeded(seed):
        flow = zuko.flows.NSF(features=features, transforms=1, hidden_features=HIDDEN).double()
    return flow()


def FFJ(f, t0: float = 0.0, t1: float = 1.0, exact: bool = True, noise: str = "gaussian"):
    """``zuko.transforms.FreeFormJacobianTransform(f, t0, t1, atol=1e-10, rtol=1e-10, exact=exact)``."""
    if noise != "gaussian":
        raise ValueError(f"zuko's Hutchinson probes are Gaussian (torch.randn_like); noise={noise!r} is not offered")
    return zuko.transforms.FreeFormJacobianTransform(f, t0=t0, t1=t1, atol=1e-10, rtol=1e-10, exact=exact)

