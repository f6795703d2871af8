"""Home, by role: a specialist's caseload triage, a teacher's supports and students, a parent's
child at a glance, a student's own goals. Every row comes from plpcore, which checks the links.

A meeting running now sits above everything, and a record waiting for my signature next;
the next scheduled meetings close the page.
"""

from ui import session
from ui.home import caseload, family, meetings, student, teacher

user = session.screen_user()
db = session.database()

my_meetings = meetings.mine(db, user)
meetings.running_now(my_meetings)
meetings.records_to_sign(db, user)

if user.kind in ("specialist", "admin"):
    caseload.show(db, user)
elif user.kind == "teacher":
    teacher.show(db, user)
elif user.kind == "guardian":
    family.show(db, user)
else:
    student.show(db, user)

meetings.upcoming(my_meetings)
