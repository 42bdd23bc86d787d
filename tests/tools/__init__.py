"""Harnesses run by scripts and tests, not by the product: screenshots, the stall probe."""
