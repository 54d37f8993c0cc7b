"""Plugs the notice to non-members into the contacts area: ``contacts.sharing`` calls its
``ON_FIRST_SHARED`` hooks with the entries that just left ``private`` (imported by
``all_models`` so every session factory has it)."""

from __future__ import annotations

from sharewell.contacts import sharing
from sharewell.privacy.service import on_first_shared

if on_first_shared not in sharing.ON_FIRST_SHARED:
    sharing.ON_FIRST_SHARED.append(on_first_shared)
