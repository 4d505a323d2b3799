"""Thin adapters that make established libraries speak a topic's contract.

Each adapter changes only what the contract requires (a parameter name, a shape
convention, a setting such as diffusers' ``clip_sample=False``) and says so in
its docstring; it never fixes a library's numbers.
"""
