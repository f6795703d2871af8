"""The repository a newcomer clones: the README's commands are the ones CI runs."""

import re
import subprocess

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
    assert "pip install -r requirements.txt" in run and run.endswith("streamlit run streamlit_app.py")


def test_real_secrets_and_the_database_are_never_committed():
    ignored = subprocess.run(
        ["git", "check-ignore", ".streamlit/secrets.toml", "data/plantable.db"],
        cwd=ROOT, capture_output=True, text=True,
    ).stdout.split()
    assert ignored == [".streamlit/secrets.toml", "data/plantable.db"]
