"""Choose a new password: what the link in a password-reset e-mail opens, signed in or not."""

from plpcore.models import LinkPurpose
from ui import links, session

session.signed_out_screen()
links.choose_password_page(session.database(), LinkPurpose.RESET)
