"""Read and sign: what the link in a finalized meeting's e-mail opens, signed in or not."""

from ui import links, session

session.signed_out_screen()
links.sign_record_page(session.database())
