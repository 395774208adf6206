"""The platform's benchmarks B1–B4: `make bench` runs benchmarks/bench.py.

Method and figures in benchmarks/README.md."""
