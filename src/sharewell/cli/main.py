"""``sharewell``: serve, migrate, manage members and generate demo data.

Each command is one transaction: it commits when it finishes and changes nothing when it fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

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
mail_app = typer.Typer(help="Outgoing mail: the outbox and the queue.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
admin_app = typer.Typer(help="Site administration: who may join.", no_args_is_help=True)
oidc_app = typer.Typer(help="Sign-in providers (OpenID Connect).", no_args_is_help=True)
standing_app = typer.Typer(help="Standing: recompute, seeds, explanations.", no_args_is_help=True)
seed_app = typer.Typer(help="Seeds of the trust computation.", no_args_is_help=True)
standing_app.add_typer(seed_app, name="seed")
app.add_typer(db_app, name="db")
network_app = typer.Typer(help="The network's graph index.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(mail_app, name="mail")
app.add_typer(jobs_app, name="jobs")
app.add_typer(admin_app, name="admin")
app.add_typer(oidc_app, name="oidc")
ledger_app = typer.Typer(help="The ledger's jobs and books.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
app.add_typer(network_app, name="network")
app.add_typer(standing_app, name="standing")
search_app = typer.Typer(help="The search index.", no_args_is_help=True)
app.add_typer(search_app, name="search")
privacy_app = typer.Typer(help="Data rights: erasure and notices.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")
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
        # Uvicorn's default of 5 s replaces a worker that is still importing the app or
        # building its graph index on a busy machine, over and over.
        timeout_worker_healthcheck=settings.worker_healthcheck_seconds,
        # Only these proxies may say who the client is and whether it came over https.
        forwarded_allow_ips=settings.forwarded_allow_ips,
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
        with _phase_bar() as step:
            summary = generate(
                session, DemoOptions(members=members, seed=42), settings=settings, progress=step
            )
    console.print(summary.describe(settings.demo_password))
    console.print(summary.phase_table())


@contextmanager
def _phase_bar() -> Iterator[Callable[[str], None]]:
    """A progress bar over the demo's phases (the callback names the phase starting)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sharewell.demo.generator import PHASES

    names = [name for name, _ in PHASES]
    with Progress(
        "[progress.description]{task.description:<18}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("demo", total=len(names))

        def step(name: str) -> None:
            bar.update(task, completed=names.index(name), description=name)
            if not console.is_terminal:  # a log file gets one line per phase as it starts
                console.print(f"  {datetime.now():%H:%M:%S} {name}…")

        yield step
        bar.update(task, completed=len(names), description="done")


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
    from sharewell.accounts.service import confirm_address
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
            member.is_admin = admin
            confirm_address(session, get_settings(), member)
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


@app.command("import")
def import_contacts(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The contact file.")
    ],
    owner: Annotated[
        str, typer.Option(help="Email address or handle of the member whose book it fills.")
    ],
    format: Annotated[
        str | None,
        typer.Option("--format", help="linkedin, vcard, google or outlook (default: detect)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object with the counts.")
    ] = False,
) -> None:
    """Import a LinkedIn, vCard, Google or Outlook contact file into a member's book.

    One transaction: a refused file or an interruption leaves the book as it was.
    """
    import json

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from sharewell.contacts.importing import import_file
    from sharewell.contacts.service import default_visibility
    from sharewell.importers import ContactFormat
    from sharewell.members.service import find_member

    settings = get_settings()
    try:
        fmt = ContactFormat(format) if format else None
    except ValueError:
        raise _fail(f"Unknown format '{format}': use linkedin, vcard, google or outlook.") from None
    factory = make_session_factory(engine_for(settings))
    data = file.read_bytes()
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err_console,
            disable=as_json,
            transient=True,
        ) as progress:
            task = progress.add_task(
                f"Importing {file.name} ({len(data) / 1e6:.1f} MB)…", total=None
            )
            with session_scope(factory) as session:
                holder = find_member(session, owner)
                visibility, _ = default_visibility(session, holder)
                report = import_file(
                    session,
                    holder,
                    data,
                    filename=file.name,
                    fmt=fmt,
                    max_bytes=settings.max_upload_bytes,
                    secret_key=settings.secret_key,
                    default_visibility=visibility,
                )
                progress.update(task, description="Committing…")
    except SharewellError as exc:
        if as_json:
            console.print_json(json.dumps({"error": exc.detail}))
        raise _fail(exc.detail) from None
    if as_json:
        body = report.model_dump(include={"created", "updated", "unchanged", "possible_duplicates"})
        body["format"] = report.format
        body["errors"] = [{"line": e.line, "reason": e.reason} for e in report.errors]
        print(json.dumps(body))
        return
    console.print(
        f"[bold]{file.name}[/bold] ({report.format}): {report.created} created, {report.updated} "
        f"updated, {report.unchanged} unchanged, {report.possible_duplicates} possible duplicates."
    )
    for problem in report.errors[:50]:
        where = (
            f"card {problem.card} (line {problem.line})" if problem.card else f"line {problem.line}"
        )
        console.print(f"  [yellow]skipped[/yellow] {where}: {problem.reason}")
    if len(report.errors) > 50:
        console.print(f"  … and {len(report.errors) - 50} more (use --json for all).")


@app.command()
def demo(
    members: Annotated[int, typer.Option(help="How many members to generate.")] = 2000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same network.")
    ] = 42,
    connections_per_member: Annotated[
        int, typer.Option(help="Average connections per member (heavy-tailed).")
    ] = 20,
    contacts_per_member: Annotated[
        int, typer.Option(help="Average contact-book size (heavy-tailed; ~60% shared).")
    ] = 30,
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
            options = DemoOptions(
                members=members,
                seed=seed,
                connections_per_member=connections_per_member,
                contacts_per_member=contacts_per_member,
            )
            with _phase_bar() as step:
                summary = generate(session, options, settings=settings, progress=step)
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print(summary.describe(settings.demo_password))
    console.print(summary.phase_table())


def _factory() -> sessionmaker[Session]:
    return make_session_factory(engine_for(get_settings()))


# --- mail -------------------------------------------------------------------------------------


@mail_app.command("outbox")
def mail_outbox(
    status: Annotated[
        str | None, typer.Option(help="Only this status: outbox, queued, sent or failed.")
    ] = None,
    to: Annotated[str | None, typer.Option(help="Only messages to this address.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many, newest first.")] = 10,
) -> None:
    """Print recent outgoing mail with its text (links included), newest first."""
    from sharewell.mail.queries import list_messages

    try:
        with session_scope(_factory()) as session:
            messages = list_messages(session, status=status, to=to, limit=limit)
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    if not messages:
        console.print("No messages.")
    for m in reversed(messages):
        console.rule(f"#{m.id} {m.status} · {m.created_at:%Y-%m-%d %H:%M} UTC")
        console.print(f"To: {m.to}\nSubject: {m.subject}\n", markup=False, highlight=False)
        console.print(m.body, markup=False, highlight=False)
        if m.last_error:
            console.print(f"(attempts {m.attempts}, last error: {m.last_error})", markup=False)


@mail_app.command("retry")
def mail_retry() -> None:
    """Queue failed messages again, with a fresh set of attempts."""
    from sharewell.db import utcnow
    from sharewell.mail.service import retry_failed

    with session_scope(_factory()) as session:
        n = retry_failed(session, utcnow())
    console.print(f"{n} message(s) queued again.")


@mail_app.command("send-test")
def mail_send_test(
    to: Annotated[str, typer.Option(help="Where to send the test message.")],
) -> None:
    """Queue a test message and deliver it now (SMTP when configured, else the outbox)."""
    from sharewell.jobs.runner import run_due
    from sharewell.mail import service as mail

    settings = get_settings()
    factory = _factory()
    try:
        with session_scope(factory) as session:
            mail.queue(session, settings, to=to, subject="Sharewell test message",
                       body="This is a test message from Sharewell.\n", kind="test")  # fmt: skip
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    if settings.smtp_host:
        for result in run_due(factory, settings, only=["mail.deliver"], force=True):
            console.print(f"{result.name}: {result.status} — {result.detail}")
    else:
        console.print("No SMTP server configured: the message is in `sharewell mail outbox`.")


# --- jobs -------------------------------------------------------------------------------------


@jobs_app.command("list")
def jobs_list() -> None:
    """Every job, its schedule and its last run."""
    import sharewell.all_jobs  # noqa: F401
    from sharewell.jobs.queries import list_jobs

    with session_scope(_factory()) as session:
        jobs = list_jobs(session)
    for j in jobs:
        due = f"{j.due_at:%Y-%m-%d %H:%M:%S}" if j.due_at else "now"
        console.print(
            f"{j.name:<18} every {j.interval_seconds:>5}s  last: {j.last_status:<8} "
            f"runs: {j.runs:<5} next: {due}  {j.description}",
            markup=False, highlight=False,
        )  # fmt: skip


@jobs_app.command("run-once")
def jobs_run_once(
    job: Annotated[
        list[str] | None, typer.Option("--job", help="Only this job (repeatable).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Run the chosen jobs even if not due yet.")] = False,
) -> None:
    """Run every due job once (or the named ones) and exit: for cron or a test."""
    from sharewell.jobs.runner import run_due

    try:
        results = run_due(_factory(), get_settings(), only=job or None, force=force)
    except KeyError as exc:
        raise _fail(f"{exc.args[0]}; see `sharewell jobs list`.") from None
    for r in results:
        console.print(f"{r.name}: {r.status} — {r.detail}", markup=False, highlight=False)
    if any(r.status == "error" for r in results):
        raise typer.Exit(code=1)


@jobs_app.command("worker")
def jobs_worker(
    poll: Annotated[float | None, typer.Option(help="Seconds between looks for due jobs.")] = None,
) -> None:
    """Run due jobs until stopped (Ctrl-C): for servers started with
    SHAREWELL_JOBS_IN_PROCESS=false. Any number of workers may run: each job runs on one."""
    import time

    from sharewell.jobs.runner import new_holder, run_due

    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    factory, holder = _factory(), new_holder()
    console.print(f"jobs worker {holder} started")
    try:
        while True:
            run_due(factory, settings, holder=holder)
            time.sleep(poll or settings.jobs_poll_seconds)
    except KeyboardInterrupt:
        console.print("stopped")


# --- administration ---------------------------------------------------------------------------


@admin_app.command("registration")
def admin_registration(
    mode: Annotated[
        str | None, typer.Option(help="open, invite (invitation links only) or domains.")
    ] = None,
    domains: Annotated[
        str | None, typer.Option(help="Mail domains for the domains mode, comma separated.")
    ] = None,
    invite_cap: Annotated[
        int | None, typer.Option(help="How many invitations each member may create.")
    ] = None,
) -> None:
    """Show or change who may join (holds for sign-in with other providers too)."""
    from sharewell.accounts import service

    try:
        with session_scope(_factory()) as session:
            if mode is None and domains is None and invite_cap is None:
                reg = service.get_registration(session)
            else:
                reg = service.set_registration(
                    session, mode=mode, domains=[domains] if domains is not None else None,
                    invite_cap=invite_cap,
                )  # fmt: skip
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print(
        f"mode: {reg.mode}\ndomains: {', '.join(reg.domains) or '-'}\n"
        f"invitations per member: {reg.invite_cap}",
        markup=False,
    )


@admin_app.command("invite")
def admin_invite() -> None:
    """Create an invitation link (single use, 14 days; no cap for administrators)."""
    from sharewell.accounts import service

    settings = get_settings()
    with session_scope(_factory()) as session:
        _, code = service.create_invitation(session, settings, None)
    console.print(service.invitation_link(settings, code), markup=False, highlight=False)


@oidc_app.command("add")
def oidc_add(
    slug: Annotated[str, typer.Option(help="Short name used in URLs, e.g. google.")],
    name: Annotated[str, typer.Option(help="Shown on the sign-in button.")],
    issuer: Annotated[str, typer.Option(help="Issuer URL, e.g. https://accounts.google.com.")],
    client_id: Annotated[str, typer.Option(help="Client id registered at the provider.")],
    client_secret: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="Client secret.")
    ],
    trusted_for_email: Annotated[
        bool, typer.Option(help="Link sign-ins to members by the provider's verified address.")
    ] = False,
) -> None:
    """Add an OpenID Connect provider; prints the callback URL to register at the provider."""
    from sharewell.accounts import queries, service
    from sharewell.accounts.schemas import ProviderIn

    settings = get_settings()
    try:
        with session_scope(_factory()) as session:
            provider = service.add_provider(
                session,
                ProviderIn(slug=slug, name=name, issuer=issuer, client_id=client_id,
                           client_secret=client_secret, trusted_for_email=trusted_for_email),
            )  # fmt: skip
            callback = queries.redirect_uri(settings, provider.slug)
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Added {slug}. Register this callback at the provider: {callback}", markup=False)


@oidc_app.command("list")
def oidc_list() -> None:
    """The configured providers (secrets are not shown)."""
    from sharewell.accounts import queries

    with session_scope(_factory()) as session:
        providers = queries.list_providers(session, get_settings())
    if not providers:
        console.print("No providers.")
    for p in providers:
        console.print(
            f"{p.slug:<12} {p.name:<16} {p.issuer}  client={p.client_id} "
            f"trusted_for_email={p.trusted_for_email} enabled={p.enabled}",
            markup=False, highlight=False,
        )  # fmt: skip


@oidc_app.command("remove")
def oidc_remove(slug: Annotated[str, typer.Argument(help="The provider's short name.")]) -> None:
    """Remove a provider and every sign-in linked through it."""
    from sharewell.accounts import service

    try:
        with session_scope(_factory()) as session:
            service.remove_provider(session, slug)
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Removed {slug}.")


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


@network_app.command("rebuild")
def network_rebuild(
    snapshot: Annotated[
        bool, typer.Option(help="Write the memory-mapped snapshot under the data folder.")
    ] = False,
    terms: Annotated[bool, typer.Option(help="Recompute every filter term first.")] = False,
) -> None:
    """Rebuild the graph index from the tables (optionally write the snapshot workers load)."""
    import time

    from sharewell.migrations import upgrade
    from sharewell.network import terms as network_terms
    from sharewell.network.index import build_index, snapshot_dir

    settings = get_settings()
    engine = engine_for(settings)
    upgrade(engine)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        if terms:
            started = time.perf_counter()
            n_contacts, n_members = network_terms.rebuild_all(session)
            console.print(
                f"Terms of {n_contacts:,} contacts and {n_members:,} members recomputed in "
                f"{time.perf_counter() - started:.1f} s."
            )
        started = time.perf_counter()
        index = build_index(session)
        took = time.perf_counter() - started
    console.print(
        f"Graph index: {index.n - 1:,} member ids, {index.entry_count // 2:,} connections, "
        f"{index.memory_bytes() / 2**20:.1f} MiB, built in {took:.2f} s "
        f"(change log at seq {index.applied_seq})."
    )
    if snapshot:
        path = index.save(snapshot_dir(settings))
        console.print(f"Snapshot written to {path}; workers load it at start.")


# --- standing ---------------------------------------------------------------------------------


@standing_app.command("recompute")
def standing_recompute() -> None:
    """Recompute standing now from every impact source (one transaction)."""
    from sharewell.db import utcnow
    from sharewell.standing import service

    settings = get_settings()
    try:
        with session_scope(_factory()) as session:
            summary = service.recompute(session, settings, utcnow(), trigger="cli")
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Standing recomputed: {summary.describe()}", markup=False, highlight=False)
    if summary.dropped.get("self") or summary.dropped.get("inactive"):
        console.print(
            f"  left out: {summary.dropped.get('self', 0)} self-impacts, "
            f"{summary.dropped.get('inactive', 0)} touching suspended members",
            markup=False, highlight=False,
        )  # fmt: skip
    if summary.default_seeds:
        console.print(
            "  no administrators or marked seeds: the documented default seeds were used "
            "(add some with `sharewell standing seed add`)",
            markup=False, highlight=False,
        )  # fmt: skip


@seed_app.command("add")
def standing_seed_add(who: Annotated[str, typer.Argument(help="Email address or handle.")]) -> None:
    """Mark a member as a seed (pre-trusted) of the standing computation."""
    from sharewell.standing import service

    try:
        with session_scope(_factory()) as session:
            handle = service.add_seed(session, who).handle
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print(f"@{handle} is a seed; it counts from the next recompute.")


@seed_app.command("remove")
def standing_seed_remove(
    who: Annotated[str, typer.Argument(help="Email address or handle.")],
) -> None:
    """Unmark a seed (administrators stay seeds while they are administrators)."""
    from sharewell.standing import service

    try:
        with session_scope(_factory()) as session:
            member, was = service.remove_seed(session, who)
            handle, admin = member.handle, member.is_admin
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    if not was:
        console.print(f"@{handle} was not marked as a seed.")
    else:
        console.print(f"@{handle} is no longer marked as a seed.")
    if admin:
        console.print(f"@{handle} is an administrator, and administrators are always seeds.")


@seed_app.command("list")
def standing_seed_list() -> None:
    """The seeds: administrators and members marked as seeds."""
    from sharewell.standing import queries

    with session_scope(_factory()) as session:
        seeds = queries.seeds(session)
    if not seeds:
        console.print("No seeds: recomputes use the documented default (see docs/standing.md).")
    for s in seeds:
        why = ", ".join(w for w, on in (("administrator", s.admin), ("marked", s.marked)) if on)
        console.print(f"@{s.handle:<28} {s.display_name}  ({why})", markup=False, highlight=False)


@standing_app.command("show")
def standing_show(who: Annotated[str, typer.Argument(help="Email address or handle.")]) -> None:
    """A member's standing, rank, go-to topics and the explanation in words."""
    from sharewell.db import utcnow
    from sharewell.members.service import find_member
    from sharewell.standing import queries

    settings = get_settings()
    try:
        with session_scope(_factory()) as session:
            member = find_member(session, who)
            info = queries.my_standing(
                session, member, days=settings.standing_history_days, now=utcnow()
            )
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    if info.rank is None:
        console.print(f"@{info.handle}: no standing yet.", markup=False)
    else:
        console.print(
            f"@{info.handle}: rank {info.rank:,} of {info.members:,} (top {info.top_percent} %), "
            f"level {info.level:.2f} (1.00 = average), score {info.score:.6f}",
            markup=False, highlight=False,
        )  # fmt: skip
    if info.go_to:
        console.print("go-to for: " + ", ".join(t.label for t in info.go_to), markup=False)
    console.print(info.explanation.text, markup=False, highlight=False)


intros_app = typer.Typer(help="Introductions: expiry, disputes, digests.", no_args_is_help=True)
app.add_typer(intros_app, name="intros")


@intros_app.command("expire")
def intros_expire(now: Annotated[str | None, NOW_OPTION] = None) -> None:
    """Expire open introduction requests whose time ran out and return their pledges."""
    from sharewell.intros import service

    settings = get_settings()
    with session_scope(make_session_factory(engine_for(settings))) as session:
        done = service.expire_due(session, settings, _when(now))
    console.print(f"Expired {done} introduction request(s).")


@intros_app.command("disputes")
def intros_disputes(now: Annotated[str | None, NOW_OPTION] = None) -> None:
    """Turn hires/deals the requester left unconfirmed too long into disputes for admins."""
    from sharewell.intros import service

    settings = get_settings()
    with session_scope(make_session_factory(engine_for(settings))) as session:
        done = service.mark_disputes(session, settings, _when(now))
    console.print(f"{done} outcome(s) now in dispute.")


@search_app.command("reindex")
def search_reindex(
    vectors: Annotated[
        bool, typer.Option(help="Also encode every profile, insight and comment (semantic extra).")
    ] = False,
) -> None:
    """Rebuild the search documents, the full-text index and the typo vocabulary."""
    import time

    from sharewell.migrations import upgrade
    from sharewell.search import indexing, semantic

    settings = get_settings()
    engine = engine_for(settings)
    upgrade(engine)
    if vectors and not semantic.configure(True, settings.search_semantic_model):
        raise _fail(f"--vectors needs the semantic extra: {semantic.INSTALL_HINT}")
    if not vectors:
        semantic.configure(False)
    factory = make_session_factory(engine)
    started = time.perf_counter()
    with session_scope(factory) as session:
        counts = indexing.rebuild_all(session)
        encoded = semantic.build_vectors(session) if vectors else 0
    took = time.perf_counter() - started
    console.print(
        "Search index rebuilt: "
        + ", ".join(f"{n:,} {kind}s" for kind, n in counts.items())
        + (f", {encoded:,} vectors" if vectors else "")
        + f" in {took:.1f} s."
    )


# --- data rights, backup and restore (docs/privacy.md, docs/operations.md) -------------------


@app.command("export")
def export_member(
    member: Annotated[str, typer.Option("--member", help="Email address or handle.")],
    out: Annotated[Path, typer.Option("--out", help="The zip file to write.")],
) -> None:
    """Write everything Sharewell holds about a member to a zip (JSON and vCard)."""
    from sharewell.members.service import find_member
    from sharewell.privacy import service

    if out.exists():
        raise _fail(f"{out} exists already; choose another file name.")
    settings = get_settings()
    try:
        with session_scope(make_session_factory(engine_for(settings))) as session:
            data, _ = service.export_archive(session, settings, find_member(session, member))
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    out.write_bytes(data)
    console.print(f"Wrote {out} ({len(data):,} bytes).")


@app.command("backup")
def backup_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: <data dir>/backups/…).")
    ] = None,
) -> None:
    """Back up the database while the server runs (SQLite online backup, or pg_dump -Fc)."""
    from sharewell import backup

    settings = get_settings()
    url = settings.effective_database_url
    target = out or settings.data_dir / "backups" / backup.default_name(url)
    try:
        written = backup.backup(url, target)
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Backup written to {written} ({written.stat().st_size:,} bytes).")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by `sharewell backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace a database that already holds members.")
    ] = False,
) -> None:
    """Replace the configured database with a backup (stop the server first)."""
    from sharewell import backup

    url = get_settings().effective_database_url
    try:
        backup.restore(url, file, overwrite=yes)
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Restored {file}. Run `sharewell db upgrade` if it came from an older version.")


@privacy_app.command("erase-member")
def privacy_erase_member(
    who: Annotated[str, typer.Argument(help="Email address or handle.")],
    content: Annotated[
        str, typer.Option(help="Their insights and comments: anonymize or remove.")
    ] = "anonymize",
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a member's account for them (an administrator acting on a request)."""
    from sharewell.members.service import find_member
    from sharewell.privacy import service

    if not yes:
        typer.confirm(f"Erase {who} for good?", abort=True)
    settings = get_settings()
    try:
        with session_scope(make_session_factory(engine_for(settings))) as session:
            counts = service.erase_member(
                session, settings, find_member(session, who), content=content
            )
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print("Erased. " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


@privacy_app.command("erase-person")
def privacy_erase_person(
    email: Annotated[str | None, typer.Option(help="Their email address.")] = None,
    phone: Annotated[str | None, typer.Option(help="Their phone number.")] = None,
    linkedin: Annotated[str | None, typer.Option(help="Their LinkedIn profile URL.")] = None,
) -> None:
    """Delete every contact matching a non-member's identifier from every book (and opt them
    out); only the keyed hash stays."""
    from sharewell.privacy import service

    given = [(k, v) for k, v in (("email", email), ("phone", phone), ("linkedin", linkedin)) if v]
    if len(given) != 1:
        raise _fail("Give exactly one of --email, --phone or --linkedin.")
    settings = get_settings()
    try:
        with session_scope(make_session_factory(engine_for(settings))) as session:
            n = service.erase_person(session, settings, given[0][0], given[0][1])
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Erased {n} contact(s); the identifier is opted out.")


@privacy_app.command("notices")
def privacy_notices(
    require: Annotated[
        bool | None, typer.Option("--require/--no-require", help="Require notices or not.")
    ] = None,
    template: Annotated[
        Path | None, typer.Option(help="A text file with the new notice template.")
    ] = None,
    reset_template: Annotated[bool, typer.Option(help="Go back to the default template.")] = False,
) -> None:
    """Show or change the notice to non-members: required or not, and its template."""
    from sharewell.privacy import service

    settings = get_settings()
    try:
        with session_scope(make_session_factory(engine_for(settings))) as session:
            policy = service.set_notice_policy(
                session,
                required=require,
                reset_template=reset_template,
                template=template.read_text() if template else None,
            )
    except SharewellError as exc:
        raise _fail(exc.detail) from None
    console.print(
        f"Notices are {'required' if policy.required else 'up to each holder'}; "
        f"template: {'default' if policy.is_default else 'custom'}.\n"
    )
    console.print(policy.template, markup=False, highlight=False)


if __name__ == "__main__":  # pragma: no cover
    app()
