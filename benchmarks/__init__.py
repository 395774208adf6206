"""The platform's benchmarks B1–B4: `make bench` runs benchmarks/bench.py; method and figures in benchmarks/README.md."""
