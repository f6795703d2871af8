"""The systemd units in deploy/ run commands PlanTable has, and the timer starts a unit that exists."""

from __future__ import annotations

import configparser
import shlex

import pytest

from plpcore.cli import build_parser
from plpcore.db import ROOT

DEPLOY = ROOT / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    unit.read(DEPLOY / name)
    return unit


@pytest.mark.parametrize("name", sorted(p.name for p in DEPLOY.glob("*.service")))
def test_each_service_runs_a_plantable_command_that_parses(name):
    argv = shlex.split(_unit(name)["Service"]["ExecStart"])
    assert argv[1:3] == ["-m", "plpcore"]
    build_parser().parse_args(argv[3:])  # a UsageError here means the unit names a command we do not have


def test_the_reminders_timer_starts_the_reminders_service_which_exists():
    timer = _unit("plantable-reminders.timer")
    assert timer["Timer"].get("Unit", "plantable-reminders.service") == "plantable-reminders.service"
    assert (DEPLOY / "plantable-reminders.service").is_file()
    assert timer["Timer"]["Persistent"] == "true"  # a run missed while the machine was off still happens
