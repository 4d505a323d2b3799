"""Mutants of the nearest neighbours family, a module per topic."""
