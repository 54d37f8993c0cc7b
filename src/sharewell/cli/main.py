"""``sharewell``: serve, migrate, manage members and generate demo data.

Each command is one transaction: it commits when it finishes and changes nothing when it fails.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from sharewell.config import get_settings
from sharewell.db import engine_for, make_session_factory, session_scope
from sharewell.errors import SharewellError

app = typer.Typer(
    help="Sharewell: a professional sharing network you can host yourself.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Create and manage members.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
ledger_app = typer.Typer(help="The ledger's jobs and books.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
console = Console()
err_console = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (use PostgreSQL for >1).")] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations first.")] = True,
    demo_if_empty: Annotated[
        int,
        typer.Option(help="Generate this many demo members when the database is empty (0: never)."),
    ] = 0,
) -> None:
    """Run the web server (pages, API at /api/v1, docs at /docs)."""
    import uvicorn

    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    engine = engine_for(settings)
    if migrate:
        from sharewell.migrations import upgrade

        upgrade(engine)
    if demo_if_empty:
        _demo_if_empty(engine, demo_if_empty)
    if workers > 1 and engine.dialect.name == "sqlite":
        err_console.print(
            "[yellow]note:[/yellow] several workers on SQLite serialise writes; use PostgreSQL."
        )
    engine.dispose()
    console.print(f"Sharewell on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "sharewell.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,  # our middleware logs one line per request, without query strings
        proxy_headers=True,
    )


def _demo_if_empty(engine: object, members: int) -> None:
    from sharewell.demo.generator import DemoOptions, generate
    from sharewell.members.queries import member_count

    factory = make_session_factory(engine)  # type: ignore[arg-type]
    with session_scope(factory) as session:
        if member_count(session) > 0:
            return
        settings = get_settings()
        console.print(f"Empty database: generating a demo network of {members} members…")
        summary = generate(session, DemoOptions(members=members, seed=42), settings=settings)
    console.print(summary.describe(settings.demo_password))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "heads") -> None:
    """Apply database migrations (creates the SQLite file on first run)."""
    from sharewell.migrations import upgrade

    settings = get_settings()
    upgrade(engine_for(settings), revision)
    console.print("Database is up to date.")


@db_app.command("status")
def db_status() -> None:
    """Show whether the database has every migration this version needs."""
    from sharewell.migrations import current_heads

    applied, heads = current_heads(engine_for(get_settings()))
    console.print(f"applied: {sorted(applied) or 'none'}\ncode:    {sorted(heads)}")
    if applied != heads:
        raise typer.Exit(code=1)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Sign-in address.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters."
        ),
    ],
    handle: Annotated[
        str | None, typer.Option(help="Public handle (default: from the name).")
    ] = None,
    admin: Annotated[bool, typer.Option(help="Make this member an administrator.")] = False,
) -> None:
    """Create a member (the address counts as verified: an administrator vouched for it)."""
    from sharewell.db import utcnow
    from sharewell.members import service
    from sharewell.members.schemas import SignUpIn

    factory = make_session_factory(engine_for(get_settings()))
    try:
        with session_scope(factory) as session:
            member = service.sign_up(
                session, SignUpIn(email=email, password=password, display_name=name, handle=handle)
            )
            if member is None:
                raise _fail(f"{email} already has an account.")
            member.email_verified_at = utcnow()
            member.is_admin = admin
            handle_out = member.handle
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    except ValueError as exc:  # pydantic validation (e.g. a malformed address)
        raise _fail(str(exc)) from None
    console.print(f"Created @{handle_out}{' (admin)' if admin else ''}.")


def _set_flag(who: str, flag: str, value: bool) -> str:
    from sharewell.members import service

    factory = make_session_factory(engine_for(get_settings()))
    try:
        with session_scope(factory) as session:
            if flag == "admin":
                member = service.set_admin(session, who, value)
            else:
                member = service.set_suspended(session, who, value)
            return member.handle
    except SharewellError as exc:
        raise _fail(exc.detail) from None


@user_app.command("set-admin")
def user_set_admin(
    who: Annotated[str, typer.Argument(help="Email address or handle.")],
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Take admin rights away instead.")
    ] = False,
) -> None:
    """Give (or with --revoke, take) administrator rights."""
    handle = _set_flag(who, "admin", not revoke)
    console.print(f"@{handle} is {'no longer ' if revoke else ''}an administrator.")


@user_app.command("suspend")
def user_suspend(
    who: Annotated[str, typer.Argument(help="Email address or handle.")],
    restore: Annotated[
        bool, typer.Option("--restore", help="Lift the suspension instead.")
    ] = False,
) -> None:
    """Suspend a member (ends their sessions and tokens, hides their profile), or restore them."""
    handle = _set_flag(who, "suspend", not restore)
    console.print(f"@{handle} is {'restored' if restore else 'suspended'}.")


@app.command()
def demo(
    members: Annotated[int, typer.Option(help="How many members to generate.")] = 2000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same network.")
    ] = 42,
) -> None:
    """Generate a deterministic demo network (all demo members share SHAREWELL_DEMO_PASSWORD)."""
    from sharewell.demo.generator import DemoOptions, generate
    from sharewell.migrations import upgrade

    settings = get_settings()
    engine = engine_for(settings)
    upgrade(engine)
    factory = make_session_factory(engine)
    try:
        with session_scope(factory) as session:
            summary = generate(session, DemoOptions(members=members, seed=seed), settings=settings)
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print(summary.describe(settings.demo_password))


def _when(now: str | None) -> datetime | None:
    if now is None:
        return None
    try:
        parsed = datetime.fromisoformat(now)
    except ValueError:
        raise _fail(
            f"--now must be ISO-8601, e.g. 2025-01-31T00:00:00+00:00 (got {now!r})"
        ) from None
    if parsed.tzinfo is None:
        raise _fail("--now needs a time zone, e.g. 2025-01-31T00:00:00+00:00")
    return parsed


NOW_OPTION = typer.Option(help="Act as if it were this time (ISO-8601 with zone; default: now).")


@ledger_app.command("release-due")
def ledger_release_due(now: Annotated[str | None, NOW_OPTION] = None) -> None:
    """Pay out split pledges whose guarantee window has ended (safe to run any number of times)."""
    from sharewell.ledger import service

    when = _when(now)
    with session_scope(make_session_factory(engine_for(get_settings()))) as session:
        result = service.release_due(session, when)
    console.print(f"Paid out {result.done} split(s); {result.skipped} changed meanwhile.")


@ledger_app.command("expire-attribution")
def ledger_expire_attribution(now: Annotated[str | None, NOW_OPTION] = None) -> None:
    """Return escrowed pledges whose attribution window ended without a hire (idempotent)."""
    from sharewell.ledger import service

    when = _when(now)
    with session_scope(make_session_factory(engine_for(get_settings()))) as session:
        result = service.expire_attribution(session, when)
    console.print(f"Returned {result.done} pledge(s); {result.skipped} changed meanwhile.")


@ledger_app.command("reconcile")
def ledger_reconcile() -> None:
    """Check the books: minted = escrow + pending + held, and every cross-check (exit 1 if not)."""
    from sharewell.ledger import queries

    with session_scope(make_session_factory(engine_for(get_settings()))) as session:
        rec = queries.reconcile(session)
    console.print(
        f"minted {rec.minted} = escrow {rec.in_escrow} + pending {rec.pending} "
        f"+ held {rec.held_by_members}\n"
        f"transactions {rec.transactions}, entries {rec.entries}, "
        f"unbalanced {rec.unbalanced_transactions}, caches ok {rec.cached_balances_match_entries}, "
        f"escrow ok {rec.escrow_matches_pledges}, pending ok {rec.pending_matches_splits}"
    )
    if not rec.reconciles:
        raise _fail("the books do not balance")
    console.print("The books balance.")


if __name__ == "__main__":  # pragma: no cover
    app()
