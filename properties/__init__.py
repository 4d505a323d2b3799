"""ml-invariants: mathematical invariants of ML methods as property-based checks.

Entry points over one registry:

* ``invariants`` / ``python -m properties`` — ``list``, ``check``, ``verify``;
* :func:`properties.testing.parametrize_with_invariants` — the pytest helper;
* :func:`properties.engine.run_topic` and friends — typed results in Python.

Importing this package is cheap: topics (and torch) load on demand.
"""
__version__ = "0.1.0"
