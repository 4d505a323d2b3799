"""Mutants of the gradient boosting family, a module per topic."""
