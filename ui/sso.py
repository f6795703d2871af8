"""School sign-in (OIDC) with st.login: the providers in secrets, their buttons, and whom st.user signs in.

Streamlit keeps the provider's identity in its own signed cookie (st.user); plpcore decides whose
account that identity is (plpcore.identities), on the run it first appears and again on every run,
so a removed link, a disabled account or a sign-out ends the session as a password's would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import streamlit as st

from plpcore import identities
from plpcore.accounts import SignInRefused
from plpcore.db import Database
from ui.feedback import md
from ui.session import MIN_COOKIE_KEY_BYTES, CookieKeyTooShort, SignedIn, StateKeys


class SsoKeys:
    """This module's session-state keys (auth.sign_out clears them with the rest)."""

    ACCEPTED = "plp_sso_accepted"  # the (issuer, subject, iat) this session's school sign-in was accepted for
    REFUSED = "plp_sso_refused"  # ((issuer, subject, iat), why): a refused one is not tried again every run
    SIGN_OUT = "plp_sso_sign_out"  # True: end the st.login session at the start of the next run


# What a provider block is called on its button when it gives no `display_name`.
KNOWN_PROVIDERS = {"google": "Google", "microsoft": "Microsoft", "entra": "Microsoft", "okta": "Okta",
                   "clever": "Clever", "classlink": "ClassLink"}
DEFAULT_LABEL = "your school account"


@dataclasses.dataclass(frozen=True)
class Provider:
    name: str  # what st.login is given: an [auth.<name>] block, or "default" for one set in [auth] itself
    label: str  # the button says "Sign in with <label>"


def _auth_section() -> Mapping[str, Any]:
    if not st.secrets.load_if_toml_exists():
        return {}
    section = st.secrets.get("auth")
    return section if isinstance(section, Mapping) else {}


def providers() -> list[Provider]:
    """The school sign-ins configured under [auth] in secrets.toml, in the file's order."""
    section = _auth_section()
    found = [Provider("default", str(section.get("display_name") or DEFAULT_LABEL))] if "client_id" in section else []
    for name, block in section.items():
        if isinstance(block, Mapping) and "client_id" in block:
            label = block.get("display_name") or KNOWN_PROVIDERS.get(name.lower(), name.replace("-", " ").title())
            found.append(Provider(name, str(label)))
    return found


def check_cookie_secret() -> None:
    """st.login's cookie secret signs the identity cookie: as long as the password cookie's key must be."""
    section = _auth_section()
    if section and len(str(section.get("cookie_secret", "")).strip().encode()) < MIN_COOKIE_KEY_BYTES:
        raise CookieKeyTooShort(
            f"The school sign-in's cookie secret (cookie_secret under [auth] in .streamlit/secrets.toml) must be "
            f"at least {MIN_COOKIE_KEY_BYTES} bytes long."
        )


def signed_in_user(db: Database) -> tuple[SignedIn, bool] | None:
    """The account this session's school sign-in stands for (never one that must change a password:
    the person used no password), or None. Checked again on every run."""
    check_cookie_secret()
    if not providers() or not st.user.is_logged_in:
        _forget()
        return None
    if st.session_state.pop(SsoKeys.SIGN_OUT, False):
        st.logout()
        _forget()
        return None
    claims = st.user.to_dict()
    this = (claims.get("iss"), claims.get("sub"), claims.get("iat"))
    refused = st.session_state.get(SsoKeys.REFUSED)
    if refused is not None and refused[0] == this:
        return None
    issued_at = _issued_at(claims.get("iat"))
    account = None
    if st.session_state.get(SsoKeys.ACCEPTED) == this:
        account = identities.account_for(db, issuer=this[0], subject=this[1], issued_at=issued_at)  # pyright: ignore[reportArgumentType]  (plpcore checks them)
    if account is None:
        try:
            identities.sign_in(db, issuer=this[0], subject=this[1], email=claims.get("email"),  # pyright: ignore[reportArgumentType]
                               email_verified=claims.get("email_verified"), issued_at=issued_at)
        except SignInRefused as refusal:
            st.session_state.pop(SsoKeys.ACCEPTED, None)
            st.session_state[SsoKeys.REFUSED] = (this, str(refusal))
            st.session_state.pop(StateKeys.USER, None)
            return None
        st.session_state[SsoKeys.ACCEPTED] = this
        account = identities.account_for(db, issuer=this[0], subject=this[1], issued_at=issued_at)  # pyright: ignore[reportArgumentType]
        if account is None:  # disabled in the moment between
            return None
    user = SignedIn(id=account.id, username=account.username, name=account.display_name,
                    kind=str(account.kind), is_admin=account.is_admin)
    st.session_state[StateKeys.USER] = user
    return user, False


def _issued_at(iat: object) -> dt.datetime:
    """When the provider issued the sign-in (UTC, naive like the database's times); a token
    without a time counts as issued long ago, so any sign-out since the epoch ends it."""
    if isinstance(iat, int | float) and not isinstance(iat, bool):
        return dt.datetime.fromtimestamp(iat, dt.UTC).replace(tzinfo=None)
    return dt.datetime(1970, 1, 1)


def _forget() -> None:
    for key in (SsoKeys.ACCEPTED, SsoKeys.REFUSED, SsoKeys.SIGN_OUT):
        st.session_state.pop(key, None)


def sign_in_buttons() -> None:
    """On the sign-in screen, under the password form: a "Sign in with …" button per provider, and
    why the last school sign-in was refused."""
    found = providers()
    if not found:
        return
    refused = st.session_state.get(SsoKeys.REFUSED)
    if refused is not None and st.user.is_logged_in:
        st.error(md(refused[1]))
    st.write("Staff and students can use their school account:")
    for provider in found:
        st.button(f"Sign in with {md(provider.label)}", key=f"sso_sign_in_{provider.name}", on_click=st.login,
                  args=(provider.name,), icon=":material/badge:")


def sign_out() -> None:
    """Signing out of PlanTable ends the st.login session too: its identity cookie is deleted (and,
    where the provider offers it, the provider's own session ends) before the next page.

    st.logout sends the browser away with a message that a st.rerun in the same run discards (it
    clears what the run has not yet sent), and the Sign out button reruns at once; so the next run,
    which is not cut short, sends it (signed_in_user), before it draws anything."""
    if providers() and st.user.is_logged_in:
        st.session_state[SsoKeys.SIGN_OUT] = True
