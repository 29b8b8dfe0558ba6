"""Benchmarks of the nightly pipeline (issue 8): ``python -m bench [--scale 0.1]``; see bench/README.md."""
