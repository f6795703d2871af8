"""The repository a newcomer clones: the README's commands are the ones CI runs."""

import re
import subprocess

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    test_command = next(c for c in readme_commands() if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci


def test_readme_starts_the_app_with_streamlit_run_after_installing_requirements():
    run = readme_commands()[0]
    assert "pip install -r requirements.lock" in run and run.endswith("streamlit run streamlit_app.py")


def windows_form(posix: str) -> str:
    """A README command as PowerShell runs it: `;` between steps, `.venv\\Scripts\\` for `.venv/bin/`."""
    return posix.replace("python3 -m venv", "py -m venv").replace(" && ", "; ").replace(".venv/bin/", ".venv\\Scripts\\")


def test_the_readme_gives_the_windows_form_of_the_start_and_test_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, tests = readme_commands()[0], next(c for c in readme_commands() if "pytest" in c)
    assert windows_form(start) in text
    assert windows_form(tests) in text


def test_the_readme_says_how_much_disk_the_install_takes():
    assert re.search(r"about \d+ MB of free disk", (ROOT / "README.md").read_text(encoding="utf-8"))


def test_real_secrets_and_the_database_are_never_committed():
    ignored = subprocess.run(
        ["git", "check-ignore", ".streamlit/secrets.toml", "data/plantable.db"],
        cwd=ROOT, capture_output=True, text=True,
    ).stdout.split()
    assert ignored == [".streamlit/secrets.toml", "data/plantable.db"]


def requirements(name: str) -> list[Requirement]:
    """The ranges a requirements file asks for, following its `-r` includes."""
    found = []
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += requirements(line[3:].strip())
        elif line:
            found.append(Requirement(line))
    return found


def pins(lock: str) -> dict[str, str]:
    lines = [x.split("#", 1)[0].strip() for x in (ROOT / lock).read_text(encoding="utf-8").splitlines()]
    pinned = [Requirement(x) for x in lines if x]
    assert all(len(r.specifier) == 1 and next(iter(r.specifier)).operator == "==" for r in pinned), lock
    return {canonicalize_name(r.name): next(iter(r.specifier)).version for r in pinned}


@pytest.mark.parametrize(("ranges", "lock"), [("requirements.txt", "requirements.lock"),
                                               ("requirements-dev.txt", "requirements-dev.lock")])
def test_the_lock_pins_every_requirement_to_a_version_its_range_allows(ranges, lock):
    pinned = pins(lock)
    for requirement in requirements(ranges):
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not in {lock}: refresh it (README, Dependencies)"
        assert requirement.specifier.contains(version, prereleases=True), f"{requirement} but {lock} has {version}"


def streamlit_config() -> dict:
    import tomllib

    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_the_app_never_shows_a_traceback_to_the_person_using_it():
    assert streamlit_config()["client"]["showErrorDetails"] == "none"


def test_the_upload_limit_is_the_importers_own_limit():
    from plpcore.imports import MAX_FILE_BYTES

    assert streamlit_config()["server"]["maxUploadSize"] * 1024 * 1024 == MAX_FILE_BYTES
