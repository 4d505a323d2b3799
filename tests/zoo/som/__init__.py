"""Mutants of the self-organizing maps family, a module per topic."""
