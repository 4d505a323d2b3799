"""Mutants of the logistic regression and the logistic distribution family, a module per topic."""
