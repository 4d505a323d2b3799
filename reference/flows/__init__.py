"""Normalizing flows, continuous normalizing flows and flow matching (torch, float64)."""
