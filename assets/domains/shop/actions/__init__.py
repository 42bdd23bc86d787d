"""The Lumen & Loom shop's actions: orders, returns and exchanges, stock.

Wenda imports this package when it loads the domain (``actions = ["actions"]`` in
domain.toml); importing the modules below registers their ``@action`` functions under the
names forms.toml uses. Facts come only from the order database (orders.sql); each action
returns the fields and the ``situation`` promised in the contract at the top of forms.toml.
"""

from . import orders, returns, stock

__all__ = ["orders", "returns", "stock"]
