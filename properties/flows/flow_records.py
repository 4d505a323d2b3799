"""The flow topic's implementations: the reference's modes and the libraries, with their declared support and the
narrow expected-failure records of the conventions and defects found in them."""
from __future__ import annotations

from properties.engine import Expected, Implementation

REF = "reference.flows"
ZUKO = "properties.adapters.zuko_flows"
NFLOWS = "properties.adapters.nflows_flows"
NORMFLOWS = "properties.adapters.normflows_flows"
TORCH = "properties.flows.transforms"


def _nan(ex) -> bool:
    return ex["case"] in ("nan", "inverse_nan")


def _shape(ex) -> bool:
    return ex["case"] in ("event_shape", "inverse_event_shape")


def unvalidated(library: str, shape_failure: str, shape_match: str) -> tuple[Expected, ...]:
    """The two records of a library that validates no input: NaN passes through, a wrong event shape fails late."""
    return (Expected("flow.rejects_bad_input", f"{library} does not validate values: a NaN in the input propagates "
                     f"into the output and the log-det (no error)", where="a NaN in x or in y, every d",
                     when=_nan, match="accepted"),
            Expected("flow.rejects_bad_input", f"{library} does not check the event shape: {shape_failure}",
                     where="a wrong event shape (d + 1 columns) in x or in y, every d", when=_shape, match=shape_match))


ZUKO_SHAPE = unvalidated("zuko", "with features = 1 zuko builds an elementwise transform, which broadcasts an (n, 2) "
                         "input and returns (n, 2); with d ≥ 2 the masked network's matrix product raises RuntimeError",
                         r"accepted|raised RuntimeError\(mat1 and mat2 shapes")
ZUKO_COUPLING_SHAPE = unvalidated(
    "zuko", "its coupling transform indexes the two halves by the mask and writes them into x.new_empty(x.shape), so "
    "an extra column is returned as uninitialised memory, at every d, with no error (the distribution's log_prob "
    "fails later, in the base density, with RuntimeError)", "accepted")
NFLOWS_MAF_SHAPE = unvalidated("nflows' MaskedAffineAutoregressiveTransform", "the MADE's matrix product raises "
                               "RuntimeError", r"raised RuntimeError\(mat1 and mat2 shapes")
NFLOWS_FLOW_SHAPE = unvalidated("nflows", "the coupling layer raises ValueError('Expected features = d, got d + 1.'), "
                                "which names no parameter", "does not name the parameter")
NORMFLOWS_BROADCAST = unvalidated("normflows", "the planar and radial flows broadcast their (1, d) parameters: at d = 1 "
                                  "an (n, 2) input is accepted, at d ≥ 2 the elementwise product raises RuntimeError",
                                  r"accepted|raised RuntimeError\(The size of tensor")
NORMFLOWS_FLOW_SHAPE = unvalidated("normflows", "a matrix product or an elementwise product inside its layers raises "
                                   "RuntimeError", r"raised RuntimeError\((mat1 and mat2 shapes|The size of tensor)")
TORCH_SHAPE = unvalidated("torch.distributions' transforms", "AffineTransform broadcasts loc and scale of shape (d,): "
                          "at d = 1 an (n, 2) input is accepted, at d ≥ 2 the product raises RuntimeError",
                          r"accepted|raised RuntimeError\(The size of tensor")

NORMFLOWS_FLOAT32 = ("normflows' NormalizingFlow.inverse_and_log_det and forward_and_log_det accumulate the log-det in "
                     "torch.zeros(len(x)) — the default dtype, float32 — so a float64 flow's log|det| is rounded to "
                     "float32 (relative error ~1e-7); each layer's log-det and log_prob (whose buffer takes "
                     "dtype=x.dtype) are float64.  Upstream defect in normflows 1.7.3 (core.py); no upstream issue "
                     "found")
NORMFLOWS_LOG_DET = tuple(
    Expected(inv, NORMFLOWS_FLOAT32, where="every example (the accumulation buffer is float32 whatever the input)",
             when=lambda ex: True, match="log-det.*not equal within|log_abs_det_jacobian.*not equal within")
    for inv in ("flow.log_det_brute_force", "flow.inverse_log_det_negates", "flow.composition_adds"))
NFLOWS_SAMPLE = (Expected("flow.sample_distribution",
                          "nflows' StandardNormal._sample draws torch.randn(num_samples, *shape, device=...) without a "
                          "dtype, i.e. in torch's default float32, so Flow.sample of a float64 flow raises RuntimeError "
                          "in the first layer (mat1 and mat2 must have the same dtype); log_prob works.  Upstream defect, "
                          "still in nflows' master (distributions/normal.py); no upstream issue found",
                          where="every example", when=lambda ex: True, match="same dtype"),)

NORMFLOWS_OVERFLOW = (Expected(
    "flow.composition_adds",
    "normflows' MaskedAffineFlow scales by an unbounded exp(s(x)) (no clamp; zuko soft-clips its log-scale), and the "
    "adapter initialises its networks at random rather than at zero (an identity flow would test nothing): at some "
    "seeds t₁ is expansive enough that t₂ ∘ t₁ ∘ R ∘ t₁ leaves float range for |x| ≤ 3 (seen only in the thorough "
    "profile: at seed 167, t₁(R t₁(x)) reaches 652 and t₂ returns inf and NaN)",
    where="compositions whose intermediate values overflow t₂'s exp-scale (not predictable from the example: matched "
          "by the failure)", when=lambda ex: True, match=r"NaN value|inf value", strict=False),)

IMPLEMENTATIONS = [
    # the reference's modes (the topic's reference is reference.flows.flow:Flow)
    Implementation(f"{REF}.coupling:AffineCoupling", precision="float64", note="RealNVP, odd coordinates kept"),
    Implementation(f"{REF}.coupling:AdditiveCoupling", precision="float64", note="NICE"),
    Implementation(f"{REF}.planar:Planar", precision="float64"),
    Implementation(f"{REF}.planar:Radial", precision="float64"),
    Implementation(f"{REF}.linear:LULinear", precision="float64", note="Glow's invertible 1×1 (LU)"),
    Implementation(f"{REF}.autoregressive:MAF", precision="float64", note="MAF with MADE masks"),
    Implementation(f'{REF}.flow:Compose(parts=("affine", "sigmoid"))', precision="float64"),
    # zuko
    Implementation(f"{ZUKO}:MAF", requires=("zuko",), precision="float64", expected=ZUKO_SHAPE,
                   support={"operations": ["inverse", "distribution"], "structure": []}),
    Implementation(f"{ZUKO}:RealNVP", requires=("zuko",), precision="float64", expected=ZUKO_COUPLING_SHAPE,
                   support={"operations": ["inverse", "distribution"], "structure": []}),
    Implementation(f"{ZUKO}:NSF", requires=("zuko",), precision="float64", expected=ZUKO_SHAPE,
                   support={"operations": ["inverse", "distribution"], "structure": []}),
    # nflows
    Implementation(f"{NFLOWS}:MAF", requires=("nflows",), precision="float64", expected=NFLOWS_MAF_SHAPE,
                   support={"operations": ["inverse"], "structure": ["triangular"]}),
    Implementation(f"{NFLOWS}:Flow", requires=("nflows",), precision="float64",
                   expected=NFLOWS_FLOW_SHAPE + NFLOWS_SAMPLE,
                   support={"operations": ["inverse", "distribution"], "structure": []}),
    # normflows
    Implementation(f"{NORMFLOWS}:Planar", requires=("normflows",), precision="float64", expected=NORMFLOWS_BROADCAST,
                   support={"operations": [], "structure": ["planar"]},
                   note="normflows' planar flow (tanh) has no inverse"),
    Implementation(f"{NORMFLOWS}:Radial", requires=("normflows",), precision="float64", expected=NORMFLOWS_BROADCAST,
                   support={"operations": [], "structure": []}, note="normflows' radial flow has no inverse"),
    Implementation(f"{NORMFLOWS}:RealNVPFlow", requires=("normflows",), precision="float64",
                   expected=NORMFLOWS_FLOW_SHAPE + NORMFLOWS_LOG_DET + NORMFLOWS_OVERFLOW,
                   support={"operations": ["inverse", "distribution"], "structure": []}),
    # torch's own transforms
    Implementation(f"{TORCH}:AffineThenSigmoid", requires=("torch",), precision="float64", expected=TORCH_SHAPE,
                   support={"operations": ["inverse"], "structure": ["triangular"]}),
]
