"""Evaluation commands: each scores the pipeline against a shared corpus and returns a report."""
