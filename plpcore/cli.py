"""The command line, `python -m plpcore COMMAND`: set up, demo data, users, imports, export, backup, copy, e-mail.

Every command exits 0 when it did its job, and otherwise prints one line
`error: <reason>` on stderr and exits 1 (2 for a command line it cannot parse).
The database is --db URL, else PLP_DATABASE_URL, else .streamlit/secrets.toml, else
the SQLite file under data/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from plpcore.errors import PlanTableError


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is one `error:` line too, not usage text."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> Parser:
    common = Parser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL (default: PLP_DATABASE_URL, secrets.toml, or data/plantable.db)")
    parser = Parser(prog="python -m plpcore", description="PlanTable from the command line.", parents=[common])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    commands.add_parser("init", parents=[common], help="create the database schema, or upgrade it")

    p = commands.add_parser("setup", parents=[common], help="first run: the school and the first specialist")
    p.add_argument("--school", required=True, help="school name")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True, help="the specialist's display name")
    p.add_argument("--email")
    p.add_argument("--year", help="school year name, e.g. 2026-27 (default: the current one)")
    p.add_argument("--starts", help="first day of the school year, YYYY-MM-DD")
    p.add_argument("--ends", help="last day of the school year, YYYY-MM-DD")
    p.add_argument("--password", help="the specialist's password (default: asked for)")

    p = commands.add_parser("create-user", parents=[common], help="add an account to the school")
    p.add_argument("username")
    p.add_argument("--name", required=True, help="display name")
    p.add_argument("--kind", required=True, choices=["specialist", "teacher", "guardian", "student", "admin"])
    p.add_argument("--admin", action="store_true", help="may manage the whole school")
    p.add_argument("--email")
    p.add_argument("--password", help="initial password, changed at first sign-in (default: asked for)")

    p = commands.add_parser("reset-password", parents=[common],
                            help="set a temporary password, changed at the next sign-in")
    p.add_argument("username")
    p.add_argument("--password", help="the temporary password (default: asked for)")

    p = commands.add_parser("demo", parents=[common], help="build the demo school on an empty database")
    p.add_argument("--students", type=int, default=86, help="caseload size (default 86)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--fresh", action="store_true",
                   help="first drop the demo school this database holds (refused if it holds anything real)")

    for name, what in (("import-roster", "students, guardians, teachers and links"),
                       ("import-assessments", "assessment results")):
        p = commands.add_parser(name, parents=[common], help=f"import {what} from a CSV file")
        p.add_argument("file", type=Path)
        p.add_argument("--commit", action="store_true", help="write the changes (default: preview only)")
        p.add_argument("--as", dest="as_user", metavar="USERNAME", help="the importing specialist")
        p.add_argument("--map", action="append", default=[], metavar="'FILE COLUMN=our_column'",
                       help="map a column of the file to a PlanTable column (repeatable)")

    p = commands.add_parser("export-student", parents=[common], help="one student's whole record")
    p.add_argument("local_id", help="the school's local student id")
    p.add_argument("--format", choices=["json", "pdf"],
                   help="json or pdf (default: the --out file's suffix when it is .pdf, else json)")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help="who exports (default: the only specialist)")
    p.add_argument("-o", "--out", "--output", dest="output", metavar="FILE", type=Path,
                   help="write to this file (default: standard output; a PDF needs a file)")

    p = commands.add_parser("backup", parents=[common], help="copy the whole database to a new file")
    p.add_argument("path", type=Path)

    p = commands.add_parser("send", parents=[common], help="deliver the queued e-mail by SMTP (PLP_SMTP_URL)")
    p.add_argument("--loop", action="store_true", help="keep delivering, as a service (stop with SIGTERM)")
    p.add_argument("--every", type=float, default=30.0, metavar="SECONDS",
                   help="with --loop, how long to wait between passes when the queue is empty (default 30)")

    commands.add_parser("send-due", parents=[common],
                        help="queue today's reminders and digests (run daily; `send` delivers them)")

    p = commands.add_parser("copy-db", parents=[common],
                            help="copy the whole database into an empty one: a SQLite pilot into PostgreSQL")
    p.add_argument("--to", required=True, metavar="URL", help="the empty database to copy into")

    p = commands.add_parser("restore", parents=[common], help="replace the database with a backup")
    p.add_argument("path", type=Path)
    p.add_argument("--force", action="store_true", help="replace a database that already holds data")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args) or 0
    except UsageError as exc:
        return _fail(str(exc), 2)
    except PlanTableError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}")
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:  # never a traceback for a user; PLP_DEBUG=1 shows it
        if os.environ.get("PLP_DEBUG"):
            raise
        return _fail(_database_problem(exc))


def _fail(reason: str, code: int = 1) -> int:
    reason = " ".join(str(reason).split()) or "failed"
    print(f"error: {reason}", file=sys.stderr)
    return code


def _database_problem(exc: Exception) -> str:
    from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

    if isinstance(exc, ArgumentError):
        return f"not a database URL: {exc}"
    if isinstance(exc, DBAPIError):
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return f"database: {first}"
    if isinstance(exc, SQLAlchemyError):
        return f"database: {str(exc).splitlines()[0]}"
    return f"{type(exc).__name__}: {exc}"


# --- helpers ---------------------------------------------------------------------------------


def _database(args, *, migrate: bool = True):
    from plpcore.db import Database, database_url, init_schema

    db = Database(getattr(args, "db", None) or database_url())
    if migrate:
        init_schema(db)
    return db


def _password(given: str | None, who: str) -> str:
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise PlanTableError(f"give {who}'s password with --password (no terminal to ask on).")
    first = getpass.getpass(f"Password for {who}: ")
    if first != getpass.getpass("Again: "):
        raise PlanTableError("the two passwords differ.")
    return first


def _acting_user(db, username: str | None) -> int:
    """--as USERNAME, or the school's only specialist (or only admin) when there is just one."""
    from sqlalchemy import func, select

    from plpcore.models import AccountKind, User

    with db.read() as s:
        if username:
            user = s.scalar(select(User).where(func.lower(User.username) == username.lower()))
            if user is None or not user.active:
                raise PlanTableError(f"no active account {username!r}.")
            return user.id
        for kind in (AccountKind.SPECIALIST, AccountKind.ADMIN):
            ids = s.scalars(select(User.id).where(User.kind == kind, User.active.is_(True)).limit(2)).all()
            if len(ids) == 1:
                return ids[0]
            if ids:
                raise PlanTableError(f"several {kind} accounts: say who acts with --as USERNAME.")
    raise PlanTableError("the database has no school yet: run `python -m plpcore setup` or `python -m plpcore demo`.")


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        file_col, sep, ours = pair.rpartition("=")
        if not sep or not file_col.strip() or not ours.strip():
            raise UsageError(f"--map takes 'FILE COLUMN=our_column', not {pair!r}")
        mapping[file_col.strip()] = ours.strip()
    return mapping


# --- commands --------------------------------------------------------------------------------


def cmd_init(args) -> None:
    db = _database(args)
    print(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")


def cmd_setup(args) -> None:
    from plpcore import accounts
    from plpcore.demo import _school_year

    db = _database(args)
    name, starts, ends = _school_year(dt.date.today())
    password = _password(args.password, args.username)
    accounts.set_up_school(db, school_name=args.school, year_name=args.year or name, starts_on=args.starts or starts,
                           ends_on=args.ends or ends, username=args.username, display_name=args.name,
                           password=password, email=args.email)
    print(f"school {args.school!r} is set up; sign in as {args.username}")


def cmd_create_user(args) -> None:
    from plpcore import accounts

    db = _database(args)
    if accounts.is_empty(db):
        raise PlanTableError("the database has no school yet: run `python -m plpcore setup` or "
                             "`python -m plpcore demo` first.")
    password = _password(args.password, args.username)
    accounts.create_user(db, None, username=args.username, display_name=args.name, password=password, kind=args.kind,
                         email=args.email, is_admin=args.admin)
    print(f"created {args.kind} {args.username} (must change the password at first sign-in)")


def cmd_reset_password(args) -> None:
    from plpcore import accounts

    db = _database(args)
    accounts.reset_password_on_the_server(db, args.username, _password(args.password, args.username))
    print(f"{args.username} has a temporary password, to change at the next sign-in; their other sign-ins ended")


def cmd_demo(args) -> None:
    from plpcore import accounts, demo

    db = _database(args)
    if args.fresh and not accounts.is_empty(db):
        demo.drop_school(db)
    school = demo.build_school(db, students=args.students, seed=args.seed)
    print(f"# demo school: {school.students} students on {school.accounts[0][1]}'s caseload; every account of a "
          "role shares that role's password", file=sys.stderr)
    for role, username, password in school.accounts:
        print(f"{role} {username} {password}")


def _import(args, preview_fn, commit_fn) -> int:
    db = _database(args)
    actor = _acting_user(db, args.as_user)
    preview = preview_fn(db, actor, args.file, _mapping(args.map) or None)
    print(f"{args.file}: {preview.summary()}")
    if preview.ignored:
        print(f"ignored columns: {', '.join(preview.ignored)}")
    for _, row in preview.frame().iterrows():
        where = f"line {row['line']}"
        print(f"{row['action']:<9} {where:<10} {row['student_id']}  {row['detail']}".rstrip())
    if preview.rejected:
        raise PlanTableError(f"{len(preview.rejected)} line(s) rejected; nothing imported.")
    if not args.commit:
        print("preview only: run again with --commit to import")
        return 0
    result = commit_fn(db, actor, preview)
    print(f"imported: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")
    if result.new_accounts:
        print("new accounts (role username password) — hand these out; each is changed at first sign-in:")
        for role, username, _name, password in result.new_accounts:
            print(f"{role} {username} {password}")
    if result.invitations:
        if result.mail_waiting:
            print("invited by e-mail, which is not set up yet: the e-mails wait; share each link by hand "
                  "(it works once, for 7 days):")
        else:
            print("invited by e-mail to choose their own password:")
        for invitation in result.invitations:
            print(f"{invitation.username} {invitation.email}" + (f" {invitation.link}" if result.mail_waiting else ""))
    return 0


def cmd_import_roster(args) -> int:
    from plpcore import imports

    return _import(args, imports.preview_roster, imports.commit_roster)


def cmd_import_assessments(args) -> int:
    from plpcore import imports

    return _import(args, imports.preview_assessments, imports.commit_assessments)


def cmd_export_student(args) -> None:
    from plpcore import documents, export
    from plpcore.db import private_empty_file

    pdf = args.format == "pdf" if args.format else args.output is not None and args.output.suffix.lower() == ".pdf"
    if pdf and args.output is None:
        raise UsageError("a PDF is written to a file: add --out FILE.pdf")
    db = _database(args)
    actor = _acting_user(db, args.as_user)
    student_id = export.find_student(db, actor, args.local_id)
    if args.output is None:
        sys.stdout.write(export.student_record_json(db, actor, student_id) + "\n")
        return
    data = (documents.student_record_pdf(export.student_record(db, actor, student_id)) if pdf
            else (export.student_record_json(db, actor, student_id) + "\n").encode("utf-8"))
    private_empty_file(args.output)  # a whole student record: readable by its owner only
    args.output.write_bytes(data)
    print(f"wrote {args.output}", file=sys.stderr)


def cmd_backup(args) -> None:
    from plpcore import backup

    db = _database(args, migrate=False)
    path = backup.backup(db, args.path)
    rows, checksum = backup.contents(db)
    print(f"backup written to {path}: {rows} rows, checksum {checksum}")


def cmd_restore(args) -> None:
    from plpcore import backup

    db = _database(args, migrate=False)
    backup.restore(db, args.path, force=args.force)
    rows, checksum = backup.contents(db)
    print(f"restored from {args.path}: {rows} rows, checksum {checksum}")


def cmd_copy_db(args) -> None:
    from plpcore import backup
    from plpcore.db import Database

    read, written = backup.copy_database(_database(args, migrate=False), Database(args.to))
    print(f"copied from: {read[0]} rows, checksum {read[1]}")
    print(f"copied to:   {written[0]} rows, checksum {written[1]}")
    if read != written:
        raise PlanTableError("the copy differs from the database it was made from; do not use it.")


def cmd_send(args) -> None:
    import signal
    import time

    from plpcore import outbox

    settings = outbox.smtp_settings()
    if settings is None:
        raise PlanTableError("e-mail is not set up: set PLP_SMTP_URL or [smtp] url in .streamlit/secrets.toml "
                             "(see docs/deploy.md). Messages stay queued until then.")
    db = _database(args)
    stopping = False

    def stop(_signum, _frame) -> None:  # SIGTERM from systemd: finish the message in hand, then stop
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    while True:
        counts = outbox.send(db, settings, should_stop=lambda: stopping)
        print(f"sent {counts['sent']}, to retry {counts['retry']}, failed {counts['failed']}", flush=True)
        if not args.loop or stopping:
            return
        if counts["sent"] == 0:
            for _ in range(max(1, round(args.every * 10))):
                if stopping:
                    return
                time.sleep(0.1)


def cmd_send_due(args) -> None:
    from plpcore import reminders

    counts = reminders.send_due(_database(args))
    print(f"queued {counts['messages']} reminder e-mails ({counts['items']} reminders)")


COMMANDS = {
    "init": cmd_init,
    "setup": cmd_setup,
    "create-user": cmd_create_user,
    "reset-password": cmd_reset_password,
    "demo": cmd_demo,
    "import-roster": cmd_import_roster,
    "import-assessments": cmd_import_assessments,
    "export-student": cmd_export_student,
    "backup": cmd_backup,
    "copy-db": cmd_copy_db,
    "restore": cmd_restore,
    "send": cmd_send,
    "send-due": cmd_send_due,
}
