"""Renderers: one registry per kind of result; CLI --format choices come from them."""
