"""Mutants of the normalizing flows, CNFs, flow matching family, a module per topic."""
