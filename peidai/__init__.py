"""Peidai (培带): wiring, settings and the command line."""
