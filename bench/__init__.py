"""Benchmarks, run from the project root with `python -m bench.<name>` (see bench/README.md)."""
