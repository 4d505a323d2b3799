"""Mutants of the PCA family, a module per topic."""
