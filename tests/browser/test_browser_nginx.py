"""In a real browser: the deployment guide's nginx file (deploy/nginx-plantable.conf) in front of two
Streamlit servers over one PostgreSQL, on loopback. Each browser sticks to its own server by the
route cookie nginx gives it, and a live meeting edit made through one server shows through the other."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.servers import free_port
from tests.browser.test_browser_two_servers import edits_cross, two_servers  # noqa: F401 (a fixture)
from tests.conftest import ROOT, unavailable

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

SITE = ROOT / "deploy" / "nginx-plantable.conf"
UPSTREAM_HEADER = "X-PlanTable-Upstream"  # added for this test only: which server answered


def site_for(a: str, b: str, listen: int) -> str:
    """The guide's file with this test's ports, and a header naming the server that answered."""
    text = SITE.read_text(encoding="utf-8")
    ports = re.findall(r"server 127\.0\.0\.1:(\d+);", text)
    assert len(ports) == 2, "the guide's upstream lists two servers"
    text = text.replace(f"127.0.0.1:{ports[0]}", a.removeprefix("http://")).replace(
        f"127.0.0.1:{ports[1]}", b.removeprefix("http://"))
    text = text.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    return text.replace("proxy_pass http://plantable;",
                        f"add_header {UPSTREAM_HEADER} $upstream_addr always;\n        proxy_pass http://plantable;")


def main_config(prefix: Path, site: Path) -> str:
    temp = " ".join(f"{name}_temp_path {prefix / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\n"
            f"events {{}}\nhttp {{\n  access_log {prefix / 'access.log'};\n  {temp}\n  include {site};\n}}\n")


@pytest.fixture
def nginx(two_servers, tmp_path) -> Iterator[tuple[object, str, dict[str, str]]]:  # noqa: F811
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        unavailable("no nginx (apt install nginx)")
    school, (a, b) = two_servers
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = free_port()
    site = prefix / "plantable.conf"
    site.write_text(site_for(a.base, b.base, port), encoding="utf-8")
    (prefix / "nginx.conf").write_text(main_config(prefix, site), encoding="utf-8")
    process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e",
                                str(prefix / "error.log")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        routes = routes_to(base, {a.base.removeprefix("http://"): "a", b.base.removeprefix("http://"): "b"})
        yield school, base, routes
    finally:
        process.terminate()
        process.wait(timeout=10)


def routes_to(base: str, servers: dict[str, str]) -> dict[str, str]:
    """A route cookie value that nginx sends to each server, found by asking through it."""
    found: dict[str, str] = {}
    deadline = time.monotonic() + 20
    n = 0
    while len(found) < len(servers) and time.monotonic() < deadline:
        request = urllib.request.Request(f"{base}/_stcore/health", headers={"Cookie": f"plantable_route=route-{n}"})
        try:
            with urllib.request.urlopen(request, timeout=2) as reply:
                assert route_cookie(reply) == f"plantable_route=route-{n}"  # the browser's cookie is kept
                found.setdefault(servers[reply.headers[UPSTREAM_HEADER]], f"route-{n}")
            n += 1
        except OSError:  # nginx still starting
            time.sleep(0.2)
    assert set(found) == set(servers.values()), f"nginx sent every route to one server: {found}"
    return found


def route_cookie(reply) -> str:
    return next(c.split(";")[0] for c in reply.headers.get_all("Set-Cookie") if c.startswith("plantable_route="))


def test_a_new_browser_gets_a_route_cookie_and_keeps_its_server(nginx):
    _, base, _ = nginx
    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as first:
        cookie = route_cookie(first)
        assert re.fullmatch(r"plantable_route=\w{32}", cookie)
        server = first.headers[UPSTREAM_HEADER]
    for _ in range(5):
        request = urllib.request.Request(f"{base}/_stcore/health", headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=5) as again:
            assert again.headers[UPSTREAM_HEADER] == server


def test_a_meeting_edit_made_through_one_server_shows_through_the_other_behind_nginx(nginx, browser):
    school, base, routes = nginx
    cookie = {"name": "plantable_route", "url": base}
    edits_cross(browser, school, {"sam": (base, [cookie | {"value": routes["a"]}]),
                                  "tia": (base, [cookie | {"value": routes["b"]}])})
