"""In a real browser: school sign-in (st.login, OIDC) against a real OpenID Connect provider on loopback
(panva's oidc-provider, tests/oidc/provider.mjs). A teacher signs in with it and sees only her students;
an identity that reaches no account, or whose e-mail is not verified, is refused and linked to nothing;
signing out ends both sessions; and behind the deployment guide's nginx file, a second server with the
same cookie secret accepts the session.

The provider listens on 127.0.0.2, so its cookies are not the app's (a browser keeps cookies by host,
not by port)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import func, select

from bench.driving import (
    body,
    click_until,
    fresh,
    open_app,
    settle,
    sign_in_form,
    sign_out,
    sign_out_button,
    wait_for_session_cookie,
)
from bench.servers import Server, free_port, start_server
from plpcore import accounts
from plpcore.db import Database
from plpcore.models import Identity
from tests.browser.accessibility import blocking, summary, violations
from tests.browser.conftest import ARTIFACTS, copy_of_demo
from tests.browser.test_browser_app import account, all_students, expected_students, names_in
from tests.browser.test_browser_nginx import UPSTREAM_HEADER, main_config, openers, routes_to, self_signed, site_for
from tests.conftest import ROOT, unavailable

pytestmark = pytest.mark.browser

OIDC = ROOT / "tests" / "oidc"
PROVIDER_HOST = "127.0.0.2"
CLIENT_ID, CLIENT_SECRET = "plantable", "loopback-test-client-secret"
COOKIE_SECRET = "browser-tier-oidc-cookie-secret-0123456789-abcdef"  # loopback test servers only
PROVIDER_LABEL = "Cedar Ridge Schools"
SIGN_IN_WITH = f"Sign in with {PROVIDER_LABEL}"
REFUSED = "Ask your school's specialist to add you."
PHONE = {"width": 390, "height": 844}


@dataclasses.dataclass
class OidcProvider:
    issuer: str
    config: Path

    def add(self, login: str, email: str, *, verified: bool = True, name: str | None = None) -> None:
        """A person the provider knows: its login (the subject) and the claims it vouches for."""
        config = json.loads(self.config.read_text(encoding="utf-8"))
        config["accounts"][login] = {"email": email, "email_verified": verified, "name": name or login}
        self.config.write_text(json.dumps(config), encoding="utf-8")

    def allow(self, redirect_uri: str) -> None:
        """One more redirect URI for the app's client (loopback http ones on any port need none)."""
        config = json.loads(self.config.read_text(encoding="utf-8"))
        config.setdefault("redirect_uris", []).append(redirect_uri)
        self.config.write_text(json.dumps(config), encoding="utf-8")


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory) -> Iterator[OidcProvider]:
    node = shutil.which("node")
    if node is None:
        unavailable("no Node.js for the test OpenID provider (apt install nodejs npm)")
    if not (OIDC / "node_modules" / "oidc-provider").is_dir():
        unavailable("the test OpenID provider is not installed (npm ci --prefix tests/oidc)")
    folder = tmp_path_factory.mktemp("oidc")
    port = _free_port(PROVIDER_HOST)
    config = folder / "provider.json"
    config.write_text(json.dumps({"host": PROVIDER_HOST, "port": port, "client_id": CLIENT_ID,
                                  "client_secret": CLIENT_SECRET, "accounts": {}}), encoding="utf-8")
    log = folder / "provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen([node, str(OIDC / "provider.mjs"), str(config)], cwd=OIDC, stdout=out,
                                   stderr=subprocess.STDOUT)
    issuer = f"http://{PROVIDER_HOST}:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2) as reply:
                assert json.load(reply)["issuer"] == issuer
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the test OpenID provider did not start:\n{log.read_text()}") from None
            time.sleep(0.2)
    yield OidcProvider(issuer, config)
    process.terminate()
    process.wait(timeout=10)


def secrets_file(folder: Path, provider: OidcProvider, redirect_uri: str = "http://127.0.0.1:{port}/oauth2callback",
                 cookie_secret: str = COOKIE_SECRET) -> Path:
    """A server's .streamlit/secrets.toml with the [auth] blocks of docs/deploy.md, for the loopback provider.

    `{port}` in the redirect URI is the server's own port (Streamlit fills it in)."""
    path = folder / "secrets.toml"
    path.write_text(
        f'[auth]\nredirect_uri = "{redirect_uri}"\ncookie_secret = "{cookie_secret}"\n\n'
        f'[auth.district]\ndisplay_name = "{PROVIDER_LABEL}"\nclient_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"\n'
        # The test provider knows the standard prompts only (Streamlit asks for select_account).
        'client_kwargs = { prompt = "login" }\n',
        encoding="utf-8",
    )
    return path


def start_sso_server(db_url: str, secrets: Path, log: Path) -> Server:
    return start_server(db_url, log, env={"STREAMLIT_SECRETS_FILES": str(secrets)})


@pytest.fixture
def sso_demo(demo, oidc_provider, tmp_path) -> Iterator[tuple[Server, Database]]:
    """A private copy of the demo school, and a server over it whose secrets name the loopback provider."""
    url = copy_of_demo(demo, tmp_path / "sso-demo.db")
    server = start_sso_server(url, secrets_file(tmp_path, oidc_provider), tmp_path / "streamlit.log")
    db = Database(url)
    yield server, db
    server.stop()
    db.dispose()


def teacher(demo, oidc_provider, *, verified: bool = True) -> tuple[str, str]:
    """The demo's teacher, known to the provider by her school address: (login at the provider, username)."""
    username = account(demo, "teacher")[0]
    user = accounts.user_by_name(demo.db, username)
    assert user is not None and user.email
    login = f"{username}-{'verified' if verified else 'unverified'}"
    oidc_provider.add(login, user.email.upper() if verified else user.email, verified=verified, name=user.display_name)
    return login, username


def school_sign_in(page, login: str) -> None:
    """Press "Sign in with …", sign in on the provider's own page, and come back to the app."""
    to_provider(page)
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any password: the test provider takes any")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url("http://127.0.0.1:*/**")
    page.locator('[data-testid="stApp"]').wait_for()
    settle(page)


def to_provider(page) -> None:
    """Press "Sign in with …" until the provider's login page opens (a press during a rerun can be lost)."""
    login = page.locator('input[name="login"]')
    for attempt in range(3):
        if not login.count():
            fresh(page).get_by_role("button", name=SIGN_IN_WITH).click()
        try:
            login.wait_for(timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


def identity_count(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Identity.id))) or 0


def identity_claims(cookie_value: str) -> dict:
    """What st.user holds, read from its cookie (signed with the cookie secret, itsdangerous-style)."""
    from itsdangerous import URLSafeTimedSerializer

    return json.loads(URLSafeTimedSerializer(COOKIE_SECRET, salt="_streamlit_user").loads(cookie_value.strip('"')))


def password_sign_in(page, username: str, password: str) -> None:
    """bench.driving.sign_in, with the form's own button named exactly: "Sign in with …" is beside it here."""
    sign_in_form(page).fill(username)
    fresh(page).get_by_role("textbox", name="Password").fill(password)
    click_until(page, fresh(page).get_by_role("button", name="Sign in", exact=True), sign_out_button(page))
    wait_for_session_cookie(page)


def st_user_cookie(page) -> bool:
    return any(c["name"].startswith("_streamlit_user") for c in page.context.cookies())


# --- the tests --------------------------------------------------------------------------------------


def test_the_sign_in_page_offers_the_school_sign_in_beside_the_password_form(demo, sso_demo, browser):
    server, _ = sso_demo
    ARTIFACTS.mkdir(exist_ok=True)
    for name, viewport in (("laptop", {"width": 1366, "height": 900}), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        try:
            page = context.new_page()
            open_app(page, server.base)
            sign_in_form(page).wait_for()
            fresh(page).get_by_role("button", name=SIGN_IN_WITH).wait_for()
            page.screenshot(path=str(ARTIFACTS / f"sign-in-sso-{name}.png"), full_page=True)
            assert [summary(v) for v in blocking(violations(page))] == []
        finally:
            context.close()


def test_a_teacher_signs_in_with_the_school_provider_and_sees_only_her_students(demo, sso_demo, oidc_provider, page):
    server, db = sso_demo
    login, username = teacher(demo, oidc_provider)
    mine, everyone = expected_students(demo, "teacher"), all_students(demo)
    open_app(page, server.base)
    school_sign_in(page, login)
    sign_out_button(page).wait_for()
    assert username.lower() in body(page).lower() or accounts.user_by_name(db, username).display_name in body(page)
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Open a student's plan")
    click_until(page, picker.get_by_role("button", name="Open"), page.get_by_role("option").first)
    assert set(page.get_by_role("option").all_inner_texts()) == mine
    page.keyboard.press("Escape")
    assert names_in(body(page), everyone - mine) == set()
    with db.read() as s:
        [(user_id, issuer)] = s.execute(select(Identity.user_id, Identity.issuer)).all()
    assert (user_id, issuer) == (accounts.user_by_name(db, username).id, oidc_provider.issuer)

    page.reload()  # a new session: st.user comes back from its cookie, and plpcore accepts it again
    settle(page)
    sign_out_button(page).wait_for()


def test_an_identity_that_matches_no_account_is_refused_and_gets_no_account(demo, sso_demo, oidc_provider, page):
    server, db = sso_demo
    oidc_provider.add("stranger", "stranger@cedarridge.example", name="Stranger Danger")
    open_app(page, server.base)
    school_sign_in(page, "stranger")
    fresh(page).get_by_text(REFUSED).wait_for()
    assert sign_out_button(page).count() == 0
    sign_in_form(page).wait_for()
    assert names_in(body(page), all_students(demo)) == set()
    assert identity_count(db) == 0
    assert accounts.user_by_name(db, "stranger") is None


def test_an_identity_whose_email_is_not_verified_is_refused_and_not_linked(demo, sso_demo, oidc_provider, page):
    server, db = sso_demo
    login, _ = teacher(demo, oidc_provider, verified=False)
    open_app(page, server.base)
    school_sign_in(page, login)
    fresh(page).get_by_text(REFUSED).wait_for()
    assert sign_out_button(page).count() == 0
    assert names_in(body(page), all_students(demo)) == set()
    assert identity_count(db) == 0


def test_signing_out_ends_the_school_sign_in_too(demo, sso_demo, oidc_provider, page):
    server, _ = sso_demo
    login, _ = teacher(demo, oidc_provider)
    open_app(page, server.base)
    school_sign_in(page, login)
    sign_out_button(page).wait_for()
    assert st_user_cookie(page)

    # PlanTable's Sign out ends st.login's session, and st.logout the provider's (its end-session page).
    with page.expect_request(lambda r: r.url.startswith(f"{oidc_provider.issuer}/session/end/confirm")):
        sign_out_button(page).click()
    page.wait_for_url(f"{server.base}/**")  # back from the provider's sign-out
    open_app(page, server.base)
    sign_in_form(page).wait_for()
    assert sign_out_button(page).count() == 0
    assert not st_user_cookie(page)  # st.user is signed out: its identity cookie is gone
    page.reload()
    settle(page)
    sign_in_form(page).wait_for()
    assert sign_out_button(page).count() == 0


def test_a_copy_of_the_school_sign_in_cookie_made_before_sign_out_signs_nobody_in(demo, sso_demo, oidc_provider,
                                                                                 browser, page):
    server, _ = sso_demo
    login, _ = teacher(demo, oidc_provider)
    open_app(page, server.base)
    school_sign_in(page, login)
    sign_out_button(page).wait_for()
    kept = [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
    claims = identity_claims(next(c["value"] for c in kept if c["name"] == "_streamlit_user"))
    assert isinstance(claims["iat"], int) and claims["iss"] == oidc_provider.issuer and claims["sub"] == login
    sign_out(page)

    replay = browser.new_context()
    try:
        replay.add_cookies(kept)  # pyright: ignore[reportArgumentType]
        other = replay.new_page()
        open_app(other, server.base)
        sign_in_form(other).wait_for()
        assert sign_out_button(other).count() == 0
        assert names_in(body(other), all_students(demo)) == set()
    finally:
        replay.close()


def test_an_admin_sees_the_school_sign_in_link_and_removes_it(demo, sso_demo, oidc_provider, browser, page):
    server, db = sso_demo
    login, username = teacher(demo, oidc_provider)
    open_app(page, server.base)
    school_sign_in(page, login)
    sign_out_button(page).wait_for()
    assert identity_count(db) == 1

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(30_000)
    try:
        admin = context.new_page()
        open_app(admin, server.base)
        password_sign_in(admin, *account(demo, "admin"))
        open_app(admin, server.base + "/admin")
        admin.get_by_role("heading", name="School sign-ins").wait_for()
        choice = fresh(admin).get_by_test_id("stSelectbox").filter(has_text="School sign-in (from the list above)")
        click_until(admin, choice.get_by_role("combobox"), admin.get_by_role("option").first)
        admin.get_by_role("option").filter(has_text=f"({username})").click()
        settle(admin)
        ARTIFACTS.mkdir(exist_ok=True)
        admin.screenshot(path=str(ARTIFACTS / "admin-school-sign-ins.png"), full_page=True)
        assert [summary(v) for v in blocking(violations(admin))] == []
        fresh(admin).get_by_role("button", name="Remove school sign-in").click()
        fresh(admin).get_by_text("School sign-in removed.").wait_for()
        assert identity_count(db) == 0
        fresh(admin).get_by_text("No one has used a school sign-in yet.").wait_for()
    finally:
        context.close()


def test_a_cookie_secret_shorter_than_32_bytes_is_refused_with_a_clear_message(demo, oidc_provider, page, tmp_path):
    url = copy_of_demo(demo, tmp_path / "short-secret.db")
    server = start_sso_server(url, secrets_file(tmp_path, oidc_provider, cookie_secret="only-twenty-bytes-ok"),
                              tmp_path / "streamlit.log")
    try:
        page.goto(server.base)
        page.get_by_text("must be at least 32 bytes long").wait_for()
        assert "cookie_secret under [auth]" in body(page)
        assert fresh(page).get_by_role("button", name=SIGN_IN_WITH).count() == 0
        assert sign_in_form(page).count() == 0
    finally:
        server.stop()


# --- behind the deployment guide's nginx file --------------------------------------------------------


@pytest.fixture
def sso_behind_nginx(demo, oidc_provider, tmp_path) -> Iterator[tuple[str, dict[str, str], Database]]:
    """deploy/nginx-plantable.conf on loopback (read as test_browser_nginx.py reads it, with its self-signed
    certificate) in front of two servers over one copy of the demo school, both with the same [auth]
    secrets: one cookie secret, and the redirect URI at nginx's https address."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        unavailable("no nginx (apt install nginx)")
    url = copy_of_demo(demo, tmp_path / "sso-demo.db")
    port, tls = free_port(), free_port()
    base = f"https://127.0.0.1:{tls}"
    oidc_provider.allow(f"{base}/oauth2callback")
    secrets = secrets_file(tmp_path, oidc_provider, redirect_uri=f"{base}/oauth2callback")
    servers = [start_sso_server(url, secrets, tmp_path / f"streamlit-{name}.log") for name in "ab"]
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    cert, key = self_signed(prefix)
    client, _ = openers(cert)
    site = prefix / "plantable.conf"
    site.write_text(site_for(servers[0].base, servers[1].base, port, tls, cert, key), encoding="utf-8")
    (prefix / "nginx.conf").write_text(main_config(prefix, site), encoding="utf-8")
    process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e",
                                str(prefix / "error.log")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    db = Database(url)
    try:
        routes = routes_to(client, base, {s.base.removeprefix("http://"): name for s, name in zip(servers, "ab", strict=True)},
                           process)
        yield base, routes, db
    finally:
        process.terminate()
        process.wait(timeout=10)
        for server in servers:
            server.stop()
        db.dispose()


def test_behind_nginx_the_other_server_with_the_same_cookie_secret_accepts_the_school_sign_in(
        demo, sso_behind_nginx, oidc_provider, browser):
    base, routes, _ = sso_behind_nginx
    login, _ = teacher(demo, oidc_provider)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, ignore_https_errors=True)
    context.set_default_timeout(30_000)
    try:
        def stick_to(server: str) -> None:
            context.add_cookies([{"name": "plantable_route", "value": routes[server], "url": base}])

        answered: list[str] = []  # which server answered each page load, by nginx's header
        page = context.new_page()
        page.on("response", lambda r: answered.append(r.headers.get(UPSTREAM_HEADER.lower(), ""))
                if r.request.resource_type == "document" and r.url.startswith(base) else None)
        stick_to("a")
        open_app(page, base)
        to_provider(page)  # server a began the sign-in (its state is in a cookie signed with the shared secret)
        stick_to("b")  # ... and server b takes the provider's answer
        answered.clear()
        page.locator('input[name="login"]').fill(login)
        page.locator('input[name="password"]').fill("any password")
        page.get_by_role("button", name="Sign-in").click()
        page.wait_for_url(f"{base}/**")
        page.locator('[data-testid="stApp"]').wait_for()
        settle(page)
        sign_out_button(page).wait_for()
        b_address = next(a for a in answered if a)
        assert all(a == b_address for a in answered if a), answered

        stick_to("a")  # the same browser, now on server a: the identity cookie signs it in there too
        answered.clear()
        page.reload()
        settle(page)
        sign_out_button(page).wait_for()
        assert answered and answered[-1] and answered[-1] != b_address, answered
    finally:
        context.close()
