"""`python -m plpcore`, run as a real process: each command's work, and one-line errors on bad input."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from plpcore.db import Database
from plpcore.models import Base, Student
from tests.conftest import make_school, pdf_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ACCOUNT_LINE = re.compile(r"^(specialist|admin|teacher|guardian|student) [A-Za-z0-9._@-]+ \S{8,}$")


def plpcore(*args, db_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PLP_DATABASE_URL=f"sqlite:///{db_path}", PYTHONPATH=str(ROOT))
    env.pop("PLP_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "plpcore", *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)


def row_counts(path: Path) -> dict[str, int]:
    db = Database(f"sqlite:///{path}")
    try:
        with db.engine.connect() as conn:
            return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def school_file(sqlite_template, tmp_path_factory) -> Path:
    """The small school (Sam's Ana 1001, Pat's Ben 1002) in an SQLite file the commands can open."""
    path = tmp_path_factory.mktemp("cli") / "school.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    make_school(db)
    db.dispose()
    return path


# --- bad input: one line, non-zero, nothing written ---------------------------------------------------

# One refusal per command, each run as its own `python -m plpcore` process.
BAD_INPUT = {
    "an unknown command": (["frobnicate"], "empty"),
    "init with a database URL that is not one": (["--db", "nonsense", "init"], "empty"),
    "setup with a short password": (["setup", "--school", "Lincoln", "--username", "sam", "--name", "Sam",
                                     "--password", "short"], "empty"),
    "create-user on an empty database": (["create-user", "tia", "--name", "Tia", "--kind", "teacher",
                                          "--password", "correct horse"], "empty"),
    "demo on a database with a real school": (["demo"], "school"),
    "import-roster of a file with bad rows": (["import-roster", SAMPLES / "roster-bad.csv", "--as", "sam",
                                               "--commit"], "school"),
    "import-assessments of a file missing its columns": (["import-assessments", SAMPLES / "roster.csv",
                                                           "--as", "sam"], "school"),
    "export-student of another caseload's student": (["export-student", "1002", "--as", "sam"], "school"),
    "backup over an existing file": (["backup", SAMPLES / "roster.csv"], "school"),
    "restore onto a database that holds data": (["restore", "{template}"], "school"),
}

# More refusals, through the same entry point in this process (a process start each would be slow).
MORE_BAD_INPUT = {
    "setup on a school that is set up": ["setup", "--school", "Lincoln", "--username", "sam2", "--name", "Sam",
                                         "--password", "correct horse"],
    "create-user with a taken username": ["create-user", "TIA", "--name", "Tia", "--kind", "teacher",
                                          "--password", "correct horse"],
    "create-user with an unknown kind": ["create-user", "x1", "--name", "X", "--kind", "wizard"],
    "create-user with no password and no terminal": ["create-user", "newbie", "--name", "N", "--kind", "teacher"],
    "create-user with a bad username": ["create-user", "no spaces", "--name", "N", "--kind", "teacher",
                                        "--password", "correct horse"],
    "demo with no students": ["demo", "--students", "0"],
    "demo with a caseload that is not a number": ["demo", "--students", "many"],
    "import-roster of a missing file": ["import-roster", "missing.csv", "--as", "sam"],
    "import-roster as an unknown user": ["import-roster", SAMPLES / "roster.csv", "--as", "nobody"],
    "import-roster with two specialists and no --as": ["import-roster", SAMPLES / "roster.csv"],
    "import-roster by a teacher": ["import-roster", SAMPLES / "roster.csv", "--as", "tia"],
    "import-roster with a malformed --map": ["import-roster", SAMPLES / "roster.csv", "--as", "sam", "--map", "x"],
    "import-roster mapping to an unknown column": ["import-roster", SAMPLES / "roster.csv", "--as", "sam", "--map",
                                                   "grade=shoe_size"],
    "import-assessments with rows for unknown students": ["import-assessments", SAMPLES / "assessments.csv",
                                                          "--as", "sam", "--commit"],
    "export-student of an unknown id": ["export-student", "9999", "--as", "sam"],
    "export-student in an unknown format": ["export-student", "1001", "--format", "docx"],
    "export-student into a missing folder": ["export-student", "1001", "--as", "sam", "-o",
                                             ROOT / "no-such-folder" / "a.json"],
    "export-student as a PDF with no file to write it to": ["export-student", "1001", "--as", "sam", "--format", "pdf"],
    "backup into a missing folder": ["backup", ROOT / "no-such-folder" / "b.db"],
    "reset-password of an unknown account": ["reset-password", "nobody", "--password", "correct horse"],
    "reset-password with a short password": ["reset-password", "sam", "--password", "short"],
    "restore of a missing file": ["restore", "missing.backup"],
    "restore of a file that is not a backup": ["restore", SAMPLES / "roster.csv", "--force"],
}


def without_audit(counts: dict[str, int]) -> dict[str, int]:
    """Row counts apart from the audit trail (a refused action is audited: that write is the point)."""
    return {table: n for table, n in counts.items() if table != "audit_event"}


@pytest.fixture(scope="module")
def bad_runs(school_file, sqlite_template, tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Every process-level bad-input case, run side by side."""
    before = without_audit(row_counts(school_file))
    empty = tmp_path_factory.mktemp("empty")

    def run(item):
        name, (args, database) = item
        path = school_file if database == "school" else empty / f"{abs(hash(name))}.db"
        args = [str(a).replace("{template}", str(sqlite_template)) for a in args]
        return name, plpcore(*args, db_path=path)

    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(pool.map(run, BAD_INPUT.items()))
    runs["(school unchanged)"] = without_audit(row_counts(school_file)) == before
    return runs


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_prints_one_error_line_and_exits_non_zero(bad_runs, case):
    done = bad_runs[case]

    assert done.returncode != 0
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: "), done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("case", MORE_BAD_INPUT)
def test_more_bad_input_prints_one_error_line_and_returns_non_zero(school_file, tmp_path, capsys, case):
    from plpcore.cli import main

    path = tmp_path / "school.db"
    shutil.copy(school_file, path)
    before = without_audit(row_counts(path))

    code = main(["--db", f"sqlite:///{path}", *map(str, MORE_BAD_INPUT[case])])

    err = capsys.readouterr().err
    assert code != 0
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert without_audit(row_counts(path)) == before


def test_refused_commands_write_nothing_to_the_database(bad_runs):
    assert bad_runs["(school unchanged)"] is True


def test_demo_refuses_a_database_with_a_real_school_and_says_why(bad_runs):
    done = bad_runs["demo on a database with a real school"]

    assert done.returncode == 1 and "real school" in done.stderr and done.stdout == ""


def test_a_bad_roster_lists_every_bad_line_and_imports_nothing(bad_runs):
    done = bad_runs["import-roster of a file with bad rows"]

    assert [int(n) for n in re.findall(r"^reject\s+line (\d+)", done.stdout, re.M)] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert done.stderr == "error: 8 line(s) rejected; nothing imported.\n"


def test_create_user_on_an_empty_database_says_to_set_up_first(bad_runs):
    assert "setup" in bad_runs["create-user on an empty database"].stderr


# --- the commands doing their work -----------------------------------------------------------


def test_demo_fresh_replaces_a_loaded_demo_school_with_a_new_one(tmp_path):
    first = plpcore("demo", "--students", "5", db_path=tmp_path / "demo.db")
    again = plpcore("demo", "--fresh", "--students", "7", db_path=tmp_path / "demo.db")

    assert again.returncode == 0, again.stderr
    assert row_counts(tmp_path / "demo.db")["student"] == 7
    assert first.stdout.split() != again.stdout.split()  # new made-up passwords


def test_demo_fresh_refuses_a_database_with_a_real_school_and_leaves_it_whole(school_file, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(school_file, path)
    before = row_counts(path)
    done = plpcore("demo", "--fresh", db_path=path)
    assert done.returncode == 1 and "real school" in done.stderr
    assert without_audit(row_counts(path)) == without_audit(before)


def test_a_second_demo_without_fresh_says_how_to_start_over(tmp_path):
    plpcore("demo", "--students", "3", db_path=tmp_path / "demo.db")
    again = plpcore("demo", "--students", "3", db_path=tmp_path / "demo.db")
    assert again.returncode == 1 and "demo --fresh" in again.stderr


def test_demo_builds_the_school_and_prints_the_accounts(tmp_path):
    done = plpcore("demo", db_path=tmp_path / "demo.db")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines and all(ACCOUNT_LINE.match(line) for line in lines)
    assert {line.split()[0] for line in lines} == {"specialist", "admin", "teacher", "guardian", "student"}
    assert row_counts(tmp_path / "demo.db")["student"] == 86


def run_main(capsys, *args) -> tuple[int, str]:
    from plpcore.cli import main

    code = main([str(a) for a in args])
    return code, capsys.readouterr().out


def test_setup_then_a_roster_preview_then_commit_then_again_changes_nothing(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'plantable.db'}"
    setup = run_main(capsys, "--db", url, "setup", "--school", "Lincoln Elementary", "--username", "sam", "--name",
                     "Sam Rivera", "--password", "correct horse")
    preview = run_main(capsys, "--db", url, "import-roster", SAMPLES / "roster.csv")
    after_preview = row_counts(tmp_path / "plantable.db")["student"]
    commit = run_main(capsys, "--db", url, "import-roster", SAMPLES / "roster.csv", "--commit")
    again = run_main(capsys, "--db", url, "import-roster", SAMPLES / "roster.csv", "--commit")

    assert (setup[0], preview[0], commit[0], again[0]) == (0, 0, 0, 0)
    assert "10 to create" in preview[1] and after_preview == 0
    assert "imported: 10 created, 0 updated, 0 unchanged" in commit[1]
    assert re.search(r"^guardian marie\.dangelo \S+$", commit[1], re.M)  # no address: an initial password
    # an address, and no SMTP set up: the welcome link to share by hand, and no password
    assert re.search(r"^rosa\.garcia rosa\.garcia@example\.net http://\S+/welcome\?token=\S+$", commit[1], re.M)
    assert "imported: 0 created, 0 updated, 10 unchanged" in again[1]
    assert row_counts(tmp_path / "plantable.db")["student"] == 10


def test_create_user_adds_an_account(school_file, tmp_path, capsys):
    path = tmp_path / "copy.db"
    shutil.copy(school_file, path)

    code, _ = run_main(capsys, "--db", f"sqlite:///{path}", "create-user", "Nia.Walker", "--name", "Nia Walker",
                       "--kind", "teacher", "--password", "correct horse")

    assert code == 0
    assert row_counts(path)["app_user"] == row_counts(school_file)["app_user"] + 1


def test_reset_password_sets_a_temporary_password_that_must_be_changed_and_audits_it(school_file, tmp_path, capsys):
    from plpcore import accounts
    from plpcore.models import AuditEvent, User

    path = tmp_path / "copy.db"
    shutil.copy(school_file, path)
    code, out = run_main(capsys, "--db", f"sqlite:///{path}", "reset-password", "SAM", "--password", "a new horse")

    assert code == 0 and "temporary password" in out
    db = Database(f"sqlite:///{path}")
    try:
        user_id = accounts.sign_in(db, "sam", "a new horse")
        with db.read() as s:
            user = s.get_one(User, user_id)
            event = s.scalars(select(AuditEvent).where(AuditEvent.action == "reset password")).one_or_none()
            assert user.must_change_password
            assert event is not None and (event.action, event.entity_id, event.actor_id) == ("reset password", user_id, None)
    finally:
        db.dispose()


def test_export_student_writes_the_whole_record_as_json(school_file, tmp_path, capsys):
    out = tmp_path / "ana.json"

    code, _ = run_main(capsys, "--db", f"sqlite:///{school_file}", "export-student", "1001", "--format", "json",
                       "--as", "sam", "-o", out)

    assert code == 0
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["student"]["first_name"] == "Ana"
    assert record["plans"][0]["goals"][0]["statement"] == "Ana: finish the 6th-grade math unit"


def test_export_student_as_a_pdf_writes_the_record_to_the_out_file(school_file, tmp_path, capsys):
    out = tmp_path / "ana-record"

    code, _ = run_main(capsys, "--db", f"sqlite:///{school_file}", "export-student", "1001", "--format", "pdf",
                       "--as", "sam", "--out", out)

    assert code == 0
    assert "Student record — Ana Lopez" in pdf_text(out.read_bytes())


def test_export_student_to_a_pdf_file_writes_a_pdf_without_being_told_the_format(school_file, tmp_path, capsys):
    out = tmp_path / "ana.PDF"

    code, _ = run_main(capsys, "--db", f"sqlite:///{school_file}", "export-student", "1001", "--as", "sam",
                       "--out", out)

    assert code == 0
    assert out.read_bytes().startswith(b"%PDF-")


def test_export_student_as_a_pdf_of_an_unknown_id_exits_1_with_a_reason_and_writes_no_file(school_file, tmp_path):
    out = tmp_path / "nobody.pdf"

    done = plpcore("export-student", "9999", "--format", "pdf", "--as", "sam", "--out", out, db_path=school_file)

    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: Not found"), done.stderr
    assert not out.exists()


def test_backup_then_restore_into_an_empty_database_keeps_every_row(school_file, tmp_path):
    copy = tmp_path / "plantable.backup"
    restored = tmp_path / "restored.db"

    made = plpcore("backup", copy, db_path=school_file)
    back = plpcore("restore", copy, db_path=restored)

    assert (made.returncode, back.returncode) == (0, 0), made.stderr + back.stderr
    assert row_counts(restored) == row_counts(school_file)
    # Both commands print the rows and the content checksum, so a person can compare them.
    assert made.stdout.split(": ", 1)[1] == back.stdout.split(": ", 1)[1]
    assert "checksum" in back.stdout
    with Database(f"sqlite:///{restored}").read() as s:
        assert s.scalar(select(Student.first_name).where(Student.local_id == "1001")) == "Ana"
