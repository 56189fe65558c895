"""Benchmarks of the CDS Hooks service against a bare FastAPI baseline: `python -m bench`."""
