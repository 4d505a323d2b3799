"""Closed-form and brute-force oracles.

Everything here computes what is *right* from first principles (closed-form
Gaussian algebra, brute force, eigendecompositions of the sample covariance) and
never from ``reference/``: the reference implementation is one of the things
the oracles judge.
"""
