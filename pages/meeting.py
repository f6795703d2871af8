"""The meeting room: the lobby (schedule a meeting, open an upcoming one), then one meeting run live,
one agenda step at a time, and its signed record.

Which meeting comes from the URL (?meeting=) and is never trusted: plpcore decides.
"""

import streamlit as st

from plpcore.models import MeetingStatus
from ui import session
from ui.meeting import lobby, record, room, steps
from ui.plan.context import my_students

user = session.screen_user()
db = session.database()

if room.asked() is None:
    st.title("Meetings")
    upcoming = lobby.upcoming(db, user)
    if upcoming is None:
        st.stop()
    # Scheduling comes first: a specialist's list of upcoming meetings runs to dozens.
    students = my_students(db, user)
    if user.manages_people and students:
        lobby.schedule_form(db, user, students)
    st.header("Upcoming meetings")
    lobby.meeting_list(upcoming)
    st.stop()

meeting = room.load_room(db, user)
room.header(meeting)
room.leave_button(meeting)
room.pulse(meeting)  # the live fragment: reruns the page when someone else saved

if meeting.status == MeetingStatus.SCHEDULED:
    room.waiting_room(meeting)
elif meeting.status == MeetingStatus.CANCELLED:
    st.info("This meeting was cancelled.")
elif meeting.status == MeetingStatus.FINALIZED:
    record.finalized(meeting)
else:
    room.check_in_bar(meeting)  # at every step: someone who joins late checks in where the meeting is
    room.agenda(meeting)
    steps.VIEWS[meeting.step](meeting)
