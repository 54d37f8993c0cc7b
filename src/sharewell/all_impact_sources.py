"""Imports every module that registers impact sources for standing (like ``all_jobs`` for
jobs). Each area whose events are impacts adds its module here; see docs/standing.md."""

from sharewell.insights import impacts as insights_impacts
from sharewell.intros import impacts as intros_impacts

__all__ = ["insights_impacts", "intros_impacts"]
