"""Imports every area's privacy hooks (exporters and erasure hooks) so the registries in
``privacy/registry.py`` are complete. A new area adds its module here, e.g.
``from sharewell.intros import privacy as intros_privacy``."""

from sharewell.intros import privacy as intros_privacy
from sharewell.privacy import core_hooks as privacy_core_hooks

__all__ = ["intros_privacy", "privacy_core_hooks"]
