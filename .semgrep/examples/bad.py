# Examples the rules must flag (the line after each `ruleid`) and leave alone (after `ok`);
# make security checks both with .semgrep/check_examples.py.
# ruff: noqa
import logging

from markupsafe import Markup
from sqlalchemy import text

log = logging.getLogger(__name__)


def queries(conn, name, value):
    # ruleid: sql-built-from-strings
    conn.execute(text(f"SELECT * FROM contacts WHERE name = '{name}'"))
    # ruleid: sql-built-from-strings
    conn.execute(text("SELECT * FROM contacts WHERE name = '" + name + "'"))
    # ruleid: sql-built-from-strings
    conn.execute("DELETE FROM contacts WHERE id = %s" % value)
    # ok: sql-built-from-strings
    conn.execute(text("SELECT * FROM contacts WHERE name = :name"), {"name": name})


def logging_calls(contact, member):
    # ruleid: contact-details-in-logs
    log.info("imported %s", contact.email)
    # ruleid: contact-details-in-logs
    log.warning(f"could not match {contact.full_name}")
    # ruleid: contact-details-in-logs
    logging.error("note: %s", contact.notes)
    # ok: contact-details-in-logs
    log.info("imported contact %s", contact.public_id)


def markup(value):
    # ruleid: markup-from-a-variable
    return Markup(value)


def constant_markup():
    # ok: markup-from-a-variable
    return Markup("<br>")
