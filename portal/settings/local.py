"""Quick-start settings: `make run` on a fresh machine, nothing else installed."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "insecure-local-development-key-never-use-in-production")
os.environ.setdefault("PORTAL_ALLOW_DEMO", "true")

from .base import *  # noqa: E402,F403
