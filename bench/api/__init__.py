"""Benchmark of the product team's HTTP API (``python -m bench.api``)."""
