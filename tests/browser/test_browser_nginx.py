"""In a real browser: the deployment guide's nginx file (deploy/nginx-plantable.conf) in front of two
Streamlit servers over one PostgreSQL, on loopback, with a self-signed certificate in place of the
real one. Each browser sticks to its own server by the route cookie nginx gives it, and a live
meeting edit made through one server shows through the other. Plain HTTP only redirects to HTTPS,
every HTTPS response carries the hardening headers, and Streamlit's metrics are not served."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import ssl
import subprocess
import time
import urllib.error
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


def swap(text: str, old: str, new: str) -> str:
    assert old in text, f"the guide's file no longer has {old!r}: this test needs a look"
    return text.replace(old, new)


def site_for(a: str, b: str, listen: int, tls: int, cert: Path, key: Path) -> str:
    """The guide's file with this test's ports and certificate, and a header naming the server that answered."""
    text = SITE.read_text(encoding="utf-8")
    ports = re.findall(r"server 127\.0\.0\.1:(\d+);", text)
    assert len(ports) == 2, "the guide's upstream lists two servers"
    text = text.replace(f"127.0.0.1:{ports[0]}", a.removeprefix("http://")).replace(
        f"127.0.0.1:{ports[1]}", b.removeprefix("http://"))
    text = swap(text, "listen 80;", f"listen 127.0.0.1:{listen};")
    text = swap(text, "listen 443 ssl;", f"listen 127.0.0.1:{tls} ssl;")
    text = swap(text, "https://$host$request_uri", f"https://$host:{tls}$request_uri")
    text = swap(text, "/etc/ssl/plantable/fullchain.pem", str(cert))
    text = swap(text, "/etc/ssl/plantable/privkey.pem", str(key))
    # At the server level, beside the guide's own headers: a location's add_header would drop them.
    return swap(text, "    location / {", f"    add_header {UPSTREAM_HEADER} $upstream_addr always;\n\n    location / {{")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that only this test trusts: (certificate, private key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def main_config(prefix: Path, site: Path) -> str:
    temp = " ".join(f"{name}_temp_path {prefix / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\n"
            f"events {{}}\nhttp {{\n  access_log {prefix / 'access.log'};\n  {temp}\n  include {site};\n}}\n")


@dataclasses.dataclass
class Nginx:
    school: object
    base: str  # https://, the address people use
    http: str  # http://, which only redirects
    routes: dict[str, str]  # a route cookie value that reaches each server ("a", "b")
    servers: tuple[str, str]  # the two Streamlit servers, straight
    client: urllib.request.OpenerDirector  # trusts the test's certificate
    as_is: urllib.request.OpenerDirector  # the same, and does not follow redirects


@pytest.fixture
def nginx(two_servers, tmp_path) -> Iterator[Nginx]:  # noqa: F811
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        unavailable("no nginx (apt install nginx)")
    school, (a, b) = two_servers
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port, tls = free_port(), free_port()
    site = prefix / "plantable.conf"
    cert, key = self_signed(prefix)
    client, as_is = openers(cert)
    site.write_text(site_for(a.base, b.base, port, tls, cert, key), encoding="utf-8")
    (prefix / "nginx.conf").write_text(main_config(prefix, site), encoding="utf-8")
    process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e",
                                str(prefix / "error.log")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"https://127.0.0.1:{tls}"
    try:
        routes = routes_to(client, base, {a.base.removeprefix("http://"): "a", b.base.removeprefix("http://"): "b"},
                           process)
        yield Nginx(school, base, f"http://127.0.0.1:{port}", routes, (a.base, b.base), client, as_is)
    finally:
        process.terminate()
        process.wait(timeout=10)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is answered as it is, as an HTTPError with its Location


def openers(cert: Path) -> tuple[urllib.request.OpenerDirector, urllib.request.OpenerDirector]:
    """Clients that trust this test's certificate (and no other): one follows redirects, one does not."""
    https = urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=str(cert)))
    return urllib.request.build_opener(https), urllib.request.build_opener(https, _NoRedirects)


class TrustingBrowser:
    """The browser, opening contexts that accept this test's self-signed certificate."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **options):
        return self._browser.new_context(ignore_https_errors=True, **options)


def routes_to(client: urllib.request.OpenerDirector, base: str, servers: dict[str, str],
              nginx: subprocess.Popen) -> dict[str, str]:
    """A route cookie value that nginx sends to each server, found by asking through it."""
    found: dict[str, str] = {}
    deadline = time.monotonic() + 20
    n = 0
    while len(found) < len(servers) and time.monotonic() < deadline:
        if nginx.poll() is not None:  # it could not start (a port taken since it was chosen): say so, not "no route"
            output = nginx.stdout.read().decode(errors="replace") if nginx.stdout else ""
            raise AssertionError(f"nginx exited with {nginx.returncode}: {output}")
        request = urllib.request.Request(f"{base}/_stcore/health", headers={"Cookie": f"plantable_route=route-{n}"})
        try:
            with client.open(request, timeout=2) as reply:
                assert route_cookie(reply) == f"plantable_route=route-{n}"  # the browser's cookie is kept
                found.setdefault(servers[reply.headers[UPSTREAM_HEADER]], f"route-{n}")
            n += 1
        except OSError:  # nginx still starting
            time.sleep(0.2)
    assert found, "no health check came back through nginx in 20 s"
    assert set(found) == set(servers.values()), f"nginx sent every route to one server: {found}"
    return found


def route_cookie(reply) -> str:
    return next(c.split(";")[0] for c in reply.headers.get_all("Set-Cookie") if c.startswith("plantable_route="))


def test_a_new_browser_gets_a_route_cookie_and_keeps_its_server(nginx):
    with nginx.client.open(f"{nginx.base}/_stcore/health", timeout=5) as first:
        cookie = route_cookie(first)
        assert re.fullmatch(r"plantable_route=\w{32}", cookie)
        server = first.headers[UPSTREAM_HEADER]
    for _ in range(5):
        request = urllib.request.Request(f"{nginx.base}/_stcore/health", headers={"Cookie": cookie})
        with nginx.client.open(request, timeout=5) as again:
            assert again.headers[UPSTREAM_HEADER] == server


def test_a_meeting_edit_made_through_one_server_shows_through_the_other_behind_nginx(nginx, browser):
    cookie = {"name": "plantable_route", "url": nginx.base}
    edits_cross(TrustingBrowser(browser), nginx.school, {"sam": (nginx.base, [cookie | {"value": nginx.routes["a"]}]),
                                                         "tia": (nginx.base, [cookie | {"value": nginx.routes["b"]}])})


def test_a_browser_sent_to_plain_http_lands_on_the_same_address_over_https(nginx, browser):
    context = TrustingBrowser(browser).new_context()
    try:
        reply = context.new_page().goto(f"{nginx.http}/plan?student=1")
        assert reply is not None and reply.url == f"{nginx.base}/plan?student=1"
        plain = reply.request.redirected_from
        assert plain is not None and plain.url == f"{nginx.http}/plan?student=1"
        answer = plain.response()
        assert answer is not None and answer.status == 301
        assert answer.header_value("set-cookie") is None  # nothing to steal on plain HTTP
    finally:
        context.close()


def test_the_app_over_https_comes_with_the_hardening_headers_and_a_secure_route_cookie(nginx):
    with nginx.client.open(f"{nginx.base}/", timeout=5) as page:
        headers = page.headers
        assert b"<html" in page.read().lower()  # the app itself, through nginx
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(headers["Strict-Transport-Security"].removeprefix("max-age=").split(";")[0]) >= 180 * 24 * 3600
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    route = next(c for c in headers.get_all("Set-Cookie") if c.startswith("plantable_route="))
    assert {"Secure", "HttpOnly"} <= {part.strip() for part in route.split(";")}


def test_streamlits_metrics_are_refused_through_nginx(nginx):
    with urllib.request.urlopen(f"{nginx.servers[0]}/_stcore/metrics", timeout=5) as straight:
        assert straight.status == 200  # each server has them, on loopback
    for path in ("/_stcore/metrics", "//_stcore/metrics", "/_stcore/%6Detrics", "/_stcore/metrics/"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            nginx.client.open(f"{nginx.base}{path}", timeout=5)
        assert refused.value.code in (403, 404), path
        assert b"cache_memory" not in refused.value.read(), path
