"""The plan page alone, as the app shell runs it; each test puts the signed-in user in session state."""

from pages import plan

plan.render()
