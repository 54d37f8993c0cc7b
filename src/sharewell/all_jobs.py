"""Imports every area's ``tasks`` module so the job registry is complete. Each area that
declares jobs adds its ``tasks`` module here."""

from sharewell.accounts import tasks as accounts_tasks
from sharewell.intros import tasks as intros_tasks
from sharewell.mail import tasks as mail_tasks
from sharewell.network import tasks as network_tasks
from sharewell.privacy import tasks as privacy_tasks
from sharewell.search import tasks as search_tasks
from sharewell.standing import tasks as standing_tasks

__all__ = [
    "accounts_tasks",
    "intros_tasks",
    "mail_tasks",
    "network_tasks",
    "privacy_tasks",
    "search_tasks",
    "standing_tasks",
]
