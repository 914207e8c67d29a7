"""Benchmarks: never part of the test run. ``make bench`` runs the engine benchmark."""
