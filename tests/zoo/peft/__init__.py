"""Mutants of the parameter-efficient fine-tuning family, a module per topic."""
