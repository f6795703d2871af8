"""Stop these e-mails: what the link at the foot of every reminder opens, signed in or not."""

from ui import account, session

session.signed_out_screen()
account.stop_emails_page(session.database())
