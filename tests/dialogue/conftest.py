"""Shared fixtures for dialogue tests: the bundled shop domain, loaded once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dialogue.domain import Domain, load_domain
from tests import REPO

SHOP = REPO / "assets" / "domains" / "shop"
TODAY = dt.date(2026, 3, 16)  # the reference date the shop's orders.sql was written for


@pytest.fixture(scope="session")
def shop_dir() -> Path:
    return SHOP


@pytest.fixture(scope="session")
def shop() -> Domain:
    return load_domain(SHOP)
