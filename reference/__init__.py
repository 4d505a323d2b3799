"""Minimal, readable reference implementations, one module per topic.

float64, the paper's symbols as names, the equation above the line that
computes it.  Nothing here imports ``properties`` (the oracles must stay
independent of what they judge).
"""
