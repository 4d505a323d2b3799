"""normflows' flows, speaking the flow contract.

What the adapters change, and nothing else:

* **the constructor** ``Cls(features=d, seed=s)``: normflows' own classes, built with torch's global generator
  seeded by ``s`` inside ``torch.random.fork_rng``, converted to float64 with ``.double()``; RealNVP's scale and
  shift networks are normflows' ``MLP([d, 16, d], init_zeros=False)`` (the default zero initialisation starts at the
  identity map, on which every check holds trivially);
* **the API**: a normflows flow is a module whose ``forward(z)`` maps base → data and returns ``(z', log_det)``,
  and ``inverse`` the other way; it is wrapped in a ``torch`` ``Transform``
  (:class:`properties.flows.transforms.PairTransform`) whose maps and log-dets are normflows' own.  ``Planar`` and
  ``Radial`` have no inverse in normflows (``inverse`` raises ``NotImplementedError``): their transform is
  normflows' ``forward`` and they declare no ``inverse``; ``Planar`` exposes normflows' raw parameters ``u``, ``w``,
  ``b`` (the constraint ŵᵀû > −1 is applied inside normflows' ``forward``);
* ``RealNVPFlow`` is ``normflows.NormalizingFlow(DiagGaussian(d, trainable=False), [MaskedAffineFlow(b),
  MaskedAffineFlow(1 − b), MaskedAffineAutoregressive(d, 16)])``: its ``transform`` (data → base) is normflows'
  ``inverse_and_log_det``, its inverse ``forward_and_log_det``, ``log_prob`` normflows' own, and
  ``sample(sample_shape)`` the samples of normflows' ``sample(num_samples)`` reshaped.
"""
from __future__ import annotations

import math

import normflows as nf
import torch

from properties.flows.transforms import PairTransform, seeded


def Planar(features: int, seed: int = 0) -> PairTransform:
    """``normflows.flows.Planar((d,), act="tanh")``."""
    with seeded(seed):
        module = nf.flows.Planar((features,), act="tanh").double()
    return PairTransform(module.forward, module.inverse, module=module, u=module.u, w=module.w, b=module.b)


def Radial(features: int, seed: int = 0) -> PairTransform:
    """``normflows.flows.Radial((d,))``."""
    with seeded(seed):
        module = nf.flows.Radial((features,)).double()
    return PairTransform(module.forward, module.inverse, module=module)


class RealNVPFlow:
    """A normflows ``NormalizingFlow``: two masked affine (RealNVP) layers with complementary masks and a MAF layer."""

    def __init__(self, features: int, seed: int = 0) -> None:
        d = features
        b = (torch.arange(d) % 2 == 1).to(torch.float64)
        with seeded(seed):
            layers = [nf.flows.MaskedAffineFlow(m, nf.nets.MLP([d, 16, d], init_zeros=False),
                                                nf.nets.MLP([d, 16, d], init_zeros=False)) for m in (b, 1 - b)]
            layers.append(nf.flows.MaskedAffineAutoregressive(d, 16))
            self.model = nf.NormalizingFlow(q0=nf.distributions.DiagGaussian(d, trainable=False), flows=layers).double()
        self.features = d
        self.transform = PairTransform(self.model.inverse_and_log_det, self.model.forward_and_log_det, module=self.model)

    def log_prob(self, x):
        return self.model.log_prob(x)

    def sample(self, sample_shape=torch.Size()):
        shape = tuple(sample_shape)
        x, _ = self.model.sample(math.prod(shape))
        return x.reshape(*shape, self.features)

