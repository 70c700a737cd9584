"""Side-by-side throughput and scale benchmark (issues 5 and 14): `python -m scripts.bench`."""
