"""Welcome: what the link in a new account's invitation opens, to choose a password, signed in or not."""

from plpcore.models import LinkPurpose
from ui import links, session

session.signed_out_screen()
links.choose_password_page(session.database(), LinkPurpose.INVITATION)
