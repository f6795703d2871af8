"""PlanTable's entrypoint: the shared frame and the router.

It opens the database (creating or upgrading it), decides who is signed in, and gives
each person only the pages they may use: Set up on an empty database, Sign in while
signed out, Change password while an initial password is still in use.
"""

import streamlit as st

from pages import account, admin, common, imports, reports, setup, sign_in
from pages.common import SignedIn
from plpcore import accounts

st.set_page_config(page_title="PlanTable", page_icon="📋", layout="wide")


def pages_for(user: SignedIn) -> list[st.Page]:
    """The pages in this person's navigation; what each shows still depends on their links."""
    pages = [
        common.home_page(),
        common.plan_page(),
        common.meeting_page(),
    ]
    if user.manages_people:
        pages.append(st.Page(reports.render, title="Reports", icon=":material/fact_check:", url_path="reports"))
        pages.append(st.Page(admin.render, title="Admin", icon=":material/manage_accounts:", url_path="admin"))
        pages.append(st.Page(imports.render, title="Import", icon=":material/upload_file:", url_path="import"))
    pages.append(st.Page(account.render, title="My account", icon=":material/key:", url_path="account"))
    return pages


# Every page a signed-in person might open by URL. Signed out, each of them shows the
# sign-in form (so a bookmarked link works after signing in) and nothing else.
APP_URLS = (common.HOME_URL, common.PLAN_URL, common.MEETING_URL, "reports", "admin", "import", "account")


def signed_out_pages(auth) -> list[st.Page]:
    def sign_in_page() -> None:
        sign_in.render(auth)

    return [st.Page(sign_in_page, title="Sign in", icon=":material/login:", url_path="sign-in", default=True)] + [
        st.Page(sign_in_page, title="Sign in", url_path=url, visibility="hidden") for url in APP_URLS
    ]


def sidebar(user: SignedIn, auth, db) -> None:
    with st.sidebar:
        st.caption("Signed in as")
        st.text(f"{user.name} ({user.kind})")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            sign_in.sign_out(auth, db, user.id)
            st.rerun()


def demo_banner(db) -> None:
    if accounts.is_demo(db):
        st.warning("**Demo school.** Every student and account here is made up. "
                   "Do not enter real student information.", icon=":material/science:")


try:
    db = common.database()
    if accounts.is_empty(db):
        pg = st.navigation([st.Page(setup.render, title="Set up", icon=":material/school:", url_path="setup",
                                    default=True)])
    else:
        auth = sign_in.authenticator(db)
        signed_in = sign_in.signed_in_user(auth, db)
        if signed_in is None:
            pg = st.navigation(signed_out_pages(auth))
        else:
            user, must_change_password = signed_in
            if must_change_password:
                pg = st.navigation([st.Page(account.render, title="Choose a new password", icon=":material/key:",
                                            url_path="account", default=True)])
            else:
                pg = st.navigation(pages_for(user))
            sidebar(user, auth, db)
        demo_banner(db)
except common.CookieKeyTooShort as misconfigured:
    st.error(str(misconfigured))
    st.stop()

common.show_flash()
pg.run()
