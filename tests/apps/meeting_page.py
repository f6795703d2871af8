"""The meeting room alone, as the app shell runs it (messages first, then the page); each test puts
the signed-in user in session state."""

from pages import meeting
from pages.common import show_flash

show_flash()
meeting.render()
