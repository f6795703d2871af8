"""How long a refused sign-in takes, by why it was refused: an unknown username, a wrong password,
a disabled account, an address that must wait. If one took visibly less time than another, a
stranger could tell which usernames exist (issue 18). Medians over N tries each, at the
production bcrypt work factor, both in plpcore and through the whole app's sign-in form (AppTest).

    python -m bench.sign_in [--tries 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PASSWORD = "correct horse battery"


def school(path: Path):
    """A school with a teacher who can sign in and one whose sign-in is turned off, at the real work factor."""
    from plpcore import accounts
    from plpcore.db import Database, init_schema

    db = Database(f"sqlite:///{path}")
    init_schema(db)
    admin = accounts.set_up_school(db, school_name="Bench School", year_name="2026-27", starts_on="2026-08-20",
                                   ends_on="2027-06-04", username="ada", display_name="Ada Admin", password=PASSWORD)
    accounts.create_user(db, admin, username="tia", display_name="Tia Teacher", password=PASSWORD, kind="teacher")
    tom = accounts.create_user(db, admin, username="tom", display_name="Tom Teacher", password=PASSWORD, kind="teacher")
    accounts.set_active(db, admin, tom, False)
    return db


# (why, username, password): a waiting address is one that has failed FREE_FAILURES times already.
CASES = (
    ("unknown username", "nobody-here", PASSWORD),
    ("wrong password", "tia", "not the password"),
    ("disabled account", "tom", PASSWORD),
    ("address must wait", "tia", PASSWORD),
)


def medians_ms(attempts: dict[str, Callable[[], object]], tries: int,
               before: Callable[[str], object] = lambda why: None) -> dict[str, float]:
    """The median time of each attempt, taken in turn (one of each, then again), so that the
    machine's load drifting during the run weighs on every case alike; `before` runs untimed."""
    times: dict[str, list[float]] = {why: [] for why in attempts}
    for _ in range(tries):
        for why, attempt in attempts.items():
            before(why)
            started = time.perf_counter()
            attempt()
            times[why].append((time.perf_counter() - started) * 1000)
    return {why: statistics.median(t) for why, t in times.items()}


def fresh_start(db, why: str) -> None:
    """Forget every attempt, then (for the waiting case) fail from this address until it must wait,
    so each try is refused for its own reason."""
    from sqlalchemy import delete

    from plpcore import accounts
    from plpcore.models import SignInAttempt

    with db.write() as s:
        s.execute(delete(SignInAttempt))
    if why == "address must wait":
        for _ in range(accounts.FREE_FAILURES):
            try:
                accounts.sign_in(db, "tia", "not the password", ADDRESS)
            except accounts.SignInRefused:
                pass


ADDRESS = "127.0.0.1"  # where AppTest's sessions come from (it has no client; the app takes loopback)


def in_plpcore(db, tries: int) -> dict[str, float]:
    from plpcore import accounts

    def refuse(username: str, password: str) -> None:
        try:
            accounts.sign_in(db, username, password, ADDRESS)
        except accounts.SignInRefused:
            return
        raise SystemExit(f"{username} was let in")

    return medians_ms({why: lambda u=username, p=password: refuse(u, p) for why, username, password in CASES},
                      tries, lambda why: fresh_start(db, why))


def through_the_app(db, tries: int) -> dict[str, float]:
    """The sign-in form's run, from the press to the refusal drawn."""
    from streamlit.testing.v1 import AppTest

    from bench.pages import APP

    def attempt(at: AppTest, username: str, password: str) -> None:
        next(t for t in at.text_input if t.label == "Username").input(username)
        next(t for t in at.text_input if t.label == "Password").input(password)
        next(b for b in at.button if b.label == "Sign in").click()
        at.run()
        if not at.error:
            raise SystemExit(f"{username} was let in")

    sessions = {why: AppTest.from_file(APP, default_timeout=120).run() for why, _, _ in CASES}
    return medians_ms({why: lambda at=sessions[why], u=username, p=password: attempt(at, u, p)
                       for why, username, password in CASES}, tries, lambda why: fresh_start(db, why))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sign_in", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tries", type=int, default=20, help="tries of each refusal")
    args = parser.parse_args(argv)
    if os.environ.get("PLP_BCRYPT_ROUNDS"):
        print("PLP_BCRYPT_ROUNDS is set: unset it, to measure at the production work factor", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        os.environ["PLP_DATABASE_URL"] = f"sqlite:///{path}"
        os.environ.setdefault("PLP_COOKIE_KEY", "bench-cookie-key-" + "x" * 32)
        db = school(path)
        for where, figures in (("plpcore", in_plpcore(db, args.tries)), ("app", through_the_app(db, args.tries))):
            spread = max(figures.values()) - min(figures.values())
            print(f"{where:8} " + "  ".join(f"{why}: {ms:.0f} ms" for why, ms in figures.items())
                  + f"  | spread {spread:.0f} ms")
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
