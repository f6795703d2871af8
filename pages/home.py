"""Home, by role: a specialist's caseload triage, a teacher's supports and students, a parent's
child at a glance, a student's own goals. Every row comes from plpcore, which checks the links.

Right under each home's title: a meeting running now or scheduled today (or else the next one),
and any record waiting for my signature; later meetings close the page. While a meeting is today
the page follows it, so Join appears without a reload.
"""

from functools import partial

from ui import session
from ui.home import caseload, family, meetings, student, teacher

user = session.screen_user()
db = session.database()

my_meetings = meetings.mine(db, user)
meetings.follow(db, my_meetings)
top = partial(meetings.top, db, user, my_meetings)

if user.kind in ("specialist", "admin"):
    caseload.show(db, user, top)
elif user.kind == "teacher":
    teacher.show(db, user, top)
elif user.kind == "guardian":
    family.show(db, user, top)
else:
    student.show(db, user, top)

meetings.later(my_meetings)
