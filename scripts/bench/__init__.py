"""Side-by-side throughput and scale benchmark (issue 5): `python -m scripts.bench`."""
