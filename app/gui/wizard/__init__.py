"""The fine-tuning wizard (pages, subprocess runner, live loss plot)."""
