"""Benchmarks: figures to report, not tests. See the README's "Benchmarks" section."""
