"""The classroom page: students drive the journey model in a browser (see docs/teaching.md)."""
