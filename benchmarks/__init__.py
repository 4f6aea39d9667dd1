"""Scripts that print performance figures; run them with `python -m benchmarks.NAME`."""
