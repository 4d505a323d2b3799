"""nflows' transforms and flow, speaking the flow contract.

What the adapters change, and nothing else:

* **the constructor** ``Cls(features=d, seed=s)``: nflows' own classes, built with torch's global generator seeded by
  ``s`` inside ``torch.random.fork_rng``, converted to float64 with ``.double()``; ``LULinear`` with
  ``identity_init=False`` (nflows' default starts at the identity map, on which every check holds trivially);
  conditioner networks are nflows' ``ResidualNet`` with 16 hidden units and one block;
* **the API**: an nflows transform is a module whose ``forward(inputs)`` and ``inverse(inputs)`` return
  ``(outputs, logabsdet)``, forward being the data → noise direction; it is wrapped in a ``torch`` ``Transform``
  (:class:`properties.flows.transforms.PairTransform`) whose maps and both log-dets are nflows' own;
* ``Flow`` is ``nflows.flows.Flow(CompositeTransform([affine coupling, LU, MAF, additive coupling]),
  StandardNormal([d]))``: ``transform`` is the wrapped composite, ``log_prob`` nflows' own, ``sample(sample_shape)``
  nflows' ``sample(num_samples)`` reshaped.
"""
from __future__ import annotations

import math

import torch
from nflows import distributions, flows, transforms
from nflows.nn.nets import ResidualNet

from properties.flows.transforms import PairTransform, seeded


def _net(inputs: int, outputs: int):
    return ResidualNet(inputs, outputs, hidden_features=16, num_blocks=1)


def _wrap(module) -> PairTransform:
    return PairTransform(module.forward, module.inverse, module=module)


def _parts(features: int):
    mask = torch.arange(features) % 2 == 0
    return [transforms.AffineCouplingTransform(mask=mask, transform_net_create_fn=_net),
            transforms.LULinear(features, identity_init=False),
            transforms.MaskedAffineAutoregressiveTransform(features, hidden_features=16),
            transforms.AdditiveCouplingTransform(mask=~mask if features > 1 else mask, transform_net_create_fn=_net)]


def MAF(features: int, seed: int = 0) -> PairTransform:
    """``nflows.transforms.MaskedAffineAutoregressiveTransform`` (one MADE, natural order)."""
    with seeded(seed):
        module = transforms.MaskedAffineAutoregressiveTransform(features, hidden_features=16).double()
    return _wrap(module)


def LULinear(features: int, seed: int = 0) -> PairTransform:
    """``nflows.transforms.LULinear(features, identity_init=False)``."""
    with seeded(seed):
        module = transforms.LULinear(features, identity_init=False).double()
    return _wrap(module)


def AffineCoupling(features: int, seed: int = 0) -> PairTransform:
    """``nflows.transforms.AffineCouplingTransform`` (even coordinates transformed)."""
    with seeded(seed):
        module = _parts(features)[0].double()
    return _wrap(module)


class Flow:
    """``nflows.flows.Flow`` over a composite of four nflows transforms and a standard normal base."""

    def __init__(self, features: int, seed: int = 0) -> None:
        with seeded(seed):
            composite = transforms.CompositeTransform(_parts(features))
            self.flow = flows.Flow(composite, distributions.StandardNormal([features])).double()
        self.features = features
        self.transform = _wrap(self.flow._transform)

    def log_prob(self, x):
        return self.flow.log_prob(x)

    def sample(self, sample_shape=torch.Size()):
        shape = tuple(sample_shape)
        return self.flow.sample(math.prod(shape)).reshape(*shape, self.features)
