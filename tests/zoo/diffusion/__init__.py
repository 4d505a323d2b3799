"""Mutants of the diffusion: DDPM, DDIM, SDEs, guidance family, a module per topic."""
