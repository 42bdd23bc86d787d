"""``python -m app`` runs the ``wenda`` command."""

from app.cli import entry_point

entry_point()
