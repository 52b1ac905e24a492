"""Tagging: tokenizer, value grammar, measurements, windows, context and NER wiring."""
