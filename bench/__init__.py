"""Figures, not tests: DynamoDB round trips per request and cold-start import cost.

Run with `make bench` (or `.venv/bin/python -m bench.run`); see docs/bench.md. Nothing here is
packaged into Lambda, and nothing here imports from tests/.
"""
