"""Documents people take away: the plan, meeting-record, whole-record and progress-report PDFs, and invites.

PDFs embed DejaVu Sans (shipped in plpcore/fonts) so accented, Greek, Cyrillic, Hebrew
and Arabic names render; for scripts DejaVu lacks (Chinese, Japanese, Korean, Indic…)
the system's Droid Sans Fallback or Noto fonts are used when installed, and loaded only
for a document whose text needs them (loading them takes most of a second). User text is
written as plain text: nothing in it is read as markup.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from icalendar import Calendar, Event

from plpcore import clock, records, shapes
from plpcore.models import GoalStatus
from plpcore.rules import RATING_WORDS
from plpcore.services import CAREER_SECTIONS, PROFILE_SECTIONS, PROGRAMMING_SECTIONS

FONTS = Path(__file__).parent / "fonts"
FALLBACK_FONTS = [
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf"),
]
# Whose ratings a progress report sets side by side (the same grouping as the charts' queries.progress_frame).
VOICES = {"student": "The student's own rating", "staff": "Staff rating", "family": "Family rating"}
PLAN_TITLES = {"ALP": "Advanced Learning Plan", "PLP": "Personalized Learning Plan", "ILP": "Individual Learning Plan"}


@functools.cache
def _dejavu_draws() -> frozenset[int]:
    """The characters both DejaVu Sans faces have glyphs for (read once per process)."""
    regular, bold = (frozenset(TTFont(FONTS / name, lazy=True).getBestCmap() or {}) for name in
                     ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"))
    return regular & bold


def _needs_fallback(content: Any) -> bool:
    """Whether any text of a document's content is in a script DejaVu Sans lacks."""
    text = json.dumps(content, ensure_ascii=False, default=str)
    return not {ord(c) for c in text} <= _dejavu_draws()


class _Document(FPDF):
    def __init__(self, title: str, content: Any):
        """`content` is everything the document will print (besides our own words), to choose its fonts."""
        super().__init__(format="Letter")
        self.title_text = title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
        self.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
        fallbacks = []
        installed = [p for p in FALLBACK_FONTS if p.is_file()] if _needs_fallback([title, content]) else []
        for i, path in enumerate(installed):
            self.add_font(f"fallback{i}", "", path)
            self.add_font(f"fallback{i}", "B", path)
            fallbacks.append(f"fallback{i}")
        if fallbacks:
            self.set_fallback_fonts(fallbacks, exact_match=False)
        self.set_text_shaping(True)  # right-to-left scripts and Arabic joining, via HarfBuzz
        self.set_title(title)
        self.set_creator("PlanTable")
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.title_text} — page {self.page_no()}", align="C")
        self.set_text_color(0)

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, size * 0.55, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str, *, bold_label: str | None = None, size: int = 10) -> None:
        if bold_label:
            self.set_font("DejaVu", "B", size)
            self.multi_cell(0, size * 0.5, bold_label, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("DejaVu", "", size)
        self.multi_cell(0, size * 0.5, text if text else "—", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)


def _d(value: Any) -> str:
    """A date or time as people read it (snapshots hold them as ISO strings)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value) if len(value) > 10 else dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):  # with its zone's abbreviation when it knows its zone
        return value.strftime("%Y-%m-%d %H:%M") + (f" {value.tzname()}" if value.tzinfo else "")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _day(value: Any) -> dt.date:
    """The calendar day of a date, a datetime or an ISO string, for comparing against a period."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if len(value) > 10 else dt.date.fromisoformat(value)
    return value.date() if isinstance(value, dt.datetime) else value


def _rating(rating: int) -> str:
    return f"{RATING_WORDS[rating]} ({rating} of 4)"


def _who(row: Mapping[str, Any]) -> str:
    """The author of a progress entry or a note, and the role they wrote it in."""
    return f"{row.get('author') or 'someone'} ({row['author_role']})"


def _progress_line(entry: Mapping[str, Any]) -> str:
    """One progress entry: when, who, the rating in words, the percentage, the note and the evidence link."""
    parts = [
        _rating(entry["rating"]) if entry.get("rating") else "",
        f"{entry['percent']}%" if entry.get("percent") is not None else "",
        entry.get("note") or "",
        f"evidence: {entry['evidence_url']}" if entry.get("evidence_url") else "",
    ]
    return f"{_d(entry['on'])}, {_who(entry)}: " + "; ".join(x for x in parts if x)


def _student_facts(student: Mapping[str, Any]) -> str:
    areas = student.get("gifted_areas")
    areas = ", ".join(areas) if isinstance(areas, list) else areas  # a list in the export, text in a plan
    return f"Grade {student['grade']}   Student id: {student['local_id']}\nIdentified areas: {areas or '—'}"


def _printed(pdf: _Document, plan: Mapping[str, Any]) -> None:
    pdf.para(f"Printed {dt.date.today().isoformat()} from PlanTable, plan revision {plan['revision']}.", size=8)


def _sections(pdf: _Document, sections: Sequence[Mapping[str, Any]]) -> None:
    by = {(x["key"], x["voice"]): x for x in sections}
    pdf.heading("About the student")
    for key, question in PROFILE_SECTIONS.items():
        own, team = by.get((key, "student")), by.get((key, "team"))
        own_text = "(passed)" if own and own["passed"] and not own["text"] else (own or {}).get("text", "")
        pdf.para(f"In my words: {own_text or '—'}\nThe team adds: {(team or {}).get('text') or '—'}", bold_label=question)
    for title, group in (("Career planning", CAREER_SECTIONS), ("Programming", PROGRAMMING_SECTIONS)):
        pdf.heading(title)
        for key, label in group.items():
            pdf.para((by.get((key, "team")) or {}).get("text", ""), bold_label=label)


def _goal_lines(goal: Mapping[str, Any]) -> list[str]:
    lines = [
        goal["statement"],
        f"Kind: {goal['kind']}   Status: {goal['status'] or 'not recorded'}   Target date: {_d(goal.get('target_date'))}",
    ]
    if goal.get("success_criteria"):
        lines.append(f"Success criteria: {goal['success_criteria']}")
    if goal.get("baseline"):
        lines.append(f"Baseline: {goal['baseline']}")
    return lines


def _goals(pdf: _Document, goals: Sequence[Mapping[str, Any]], progress: Literal["none", "latest", "all"]) -> None:
    """Each goal, with no progress (a meeting record), its latest entry (the plan), or all of it (the whole record).

    "all" also lists the goal's earlier wordings.
    """
    pdf.heading("Goals")
    if not goals:
        pdf.para("No goals yet.")
    for i, g in enumerate(goals, 1):
        lines = _goal_lines(g)
        if progress == "latest" and g.get("progress"):
            lines.append(f"Latest progress: {_progress_line(g['progress'][-1])}")
        if progress == "all":
            lines += [f"Earlier wording, replaced {_d(h['replaced_at'])} by {h.get('replaced_by') or 'someone'}: "
                      f"{h['statement']}" for h in g.get("history", [])]
            lines.append("Progress:" if g.get("progress") else "Progress: none recorded.")
            lines += [f"• {_progress_line(p)}" for p in g.get("progress", [])]
        pdf.para("\n".join(lines), bold_label=f"Goal {i}")


def _supports(pdf: _Document, supports: Sequence[Mapping[str, Any]], *, with_log: bool = False) -> None:
    pdf.heading("Supports")
    if not supports:
        pdf.para("No supports yet.")
    for x in supports:
        lines = [x["description"], f"Setting: {x['setting']}   Owner: {x.get('owner') or '—'}   "
                                   f"How often: {x.get('frequency') or '—'}   Status: {x['status']}"]
        if with_log:
            lines += [f"• done {_d(lg['done_on'])} by {lg.get('author') or 'someone'}"
                      + (f": {lg['note']}" if lg.get("note") else "") for lg in x.get("log", [])]
        pdf.para("\n".join(lines))


def _interventions(pdf: _Document, interventions: Sequence[Mapping[str, Any]]) -> None:
    if interventions:
        pdf.heading("Interventions")
    for i in interventions:
        pdf.para(f"{i['description']}\n{_d(i['starts_on'])} to {_d(i['ends_on'])}. Outcome: {i['outcome'] or '—'}",
                 bold_label=i["course"])


def _assessments(pdf: _Document, assessments: Sequence[Mapping[str, Any]]) -> None:
    if assessments:
        pdf.heading("Assessments")
    for a in assessments:
        pct = f", percentile {a['percentile']}" if a.get("percentile") else ""
        note = f"\n{a['note']}" if a.get("note") else ""
        pdf.para(f"{a['name']} ({_d(a['taken_on'])}): {a['score'] or '—'}{pct}{note}")


def _notes(pdf: _Document, notes: Sequence[Mapping[str, Any]], goals: Sequence[Mapping[str, Any]]) -> None:
    if notes:
        pdf.heading("Notes")
    number = {g["id"]: i for i, g in enumerate(goals, 1)}
    for n in notes:
        about = f", on goal {number[n['goal_id']]}" if n.get("goal_id") in number else ""
        prompt = f"{n['prompt']}\n" if n.get("prompt") else ""
        pdf.para(f"{prompt}{n['text']}", bold_label=f"{_d(n['at'])}, {_who(n)}, {n['kind']}{about}")


def _held(meeting: Mapping[str, Any], tz: ZoneInfo) -> str:
    """When the meeting was held, and when it was scheduled for if that was another time: both at the
    school (the meeting's time is the school's wall clock; when it was opened, a UTC moment)."""
    scheduled, opened = _d(clock.scheduled(meeting["scheduled_at"], tz)), meeting.get("opened_at")
    if not opened:  # never opened, or a record that did not keep it
        return f"Scheduled for {scheduled}."
    held = _d(clock.stamp(opened, tz))
    if held == scheduled:
        return f"Held on {scheduled}."
    return f"Held on {held}, scheduled for {scheduled}."


def _meeting_facts(meeting: Mapping[str, Any], sha256: str | None, tz: ZoneInfo) -> str:
    kind = meeting["kind"][:1].upper() + meeting["kind"][1:]
    facts = f"{kind}, {meeting.get('location') or 'no place given'}. {_held(meeting, tz)}"
    if sha256 is None:
        return f"{facts} Status: {meeting['status']}."
    return f"{facts}\nFinalized {_d(clock.stamp(meeting['finalized_at'], tz))}. Record fingerprint (SHA-256): {sha256}"


def _signature(signature: Mapping[str, Any], sha256: str, tz: ZoneInfo) -> str:
    when = f"signed {_d(clock.stamp(signature['signed_at'], tz))}"
    if not signature["after_finalizing"]:
        return f"{when}, at the meeting"
    read = signature.get("sha256")
    if read is None:
        return f"{when}, after the record was finalized"
    fingerprint = "this record" if read == sha256 else f"a record with fingerprint (SHA-256) {read}"
    return f"{when}, after the record was finalized, having read {fingerprint}"


def _attendance(pdf: _Document, record: shapes.MeetingRecordDoc, size: int = 13) -> None:
    """Who attended, as the record kept it, each with their signature and its time: at the meeting or after."""
    snap, tz = record["snapshot"], ZoneInfo(record["time_zone"])
    pdf.heading("Who attended, and who signed", size)
    shown = []
    for a in snap["attendance"]:
        mode = f", {a['mode']}" if a.get("mode") else ""
        signature = records.signature_of(record, a)
        shown.append(signature)
        signed = f"; {_signature(signature, record['sha256'], tz)}" if signature else \
            "; not signed yet" if a["status"] == "present" else ""
        pdf.para(f"{a['name']} ({a['role']}): {a['status']}{mode}{signed}")
    for signature in (s for s in record["signatures"] if s not in shown):  # only if attendance could not be matched
        pdf.para(f"{signature['name']} ({signature['role']}): {_signature(signature, record['sha256'], tz)}")
    missing = snap["meeting"].get("missing_roles")
    if missing:
        pdf.para(f"Missing: {', '.join(missing)}. Reason: {snap['meeting'].get('missing_role_reason') or '—'}")


def _next_steps(pdf: _Document, meeting: Mapping[str, Any], action_items: Sequence[Mapping[str, Any]],
                size: int = 13) -> None:
    pdf.heading("Next steps", size)
    pdf.para(f"Next check-in: {_d(meeting.get('next_check_in'))}")
    for item in action_items:
        pdf.para(f"{item['description']} — {item['owner']}, by {_d(item.get('due_on'))}")
    if meeting.get("notes"):
        pdf.para(meeting["notes"], bold_label="Notes")


def plan_pdf(doc: shapes.PlanDoc) -> bytes:
    """The current plan as one readable document, for a family or the file cabinet."""
    student, plan = doc["student"], doc["plan"]
    title = f"{PLAN_TITLES.get(plan['kind'], plan['kind'])} — {student['name']}"
    pdf = _Document(title, doc)
    pdf.heading(title, 16)
    pdf.para(f"{_student_facts(student)}\nSchool year {plan['year']}   Plan status: {plan['status']}")
    _sections(pdf, doc["sections"])
    _goals(pdf, doc["goals"], "latest")
    _supports(pdf, [x for x in doc["supports"] if x["status"] != "stopped"])
    _interventions(pdf, doc.get("interventions", []))
    _assessments(pdf, doc.get("assessments", []))
    _printed(pdf, plan)
    return bytes(pdf.output())


def record_pdf(record: shapes.MeetingRecordDoc) -> bytes:
    """A finalized meeting's signed record, from its immutable snapshot."""
    snap = record["snapshot"]
    meeting, student = snap["meeting"], snap["student"]
    title = f"Meeting record — {student['name']}"
    pdf = _Document(title, record)
    pdf.heading(title, 16)
    pdf.para(_meeting_facts(meeting, record["sha256"], ZoneInfo(record["time_zone"])))
    _attendance(pdf, record)
    if snap["sections"] or snap["version"] >= 2:
        _sections(pdf, snap["sections"])
    else:  # a version 1 demo record
        pdf.heading("About the student")
        pdf.para("This record did not keep the student's profile.")
    _goals(pdf, snap["goals"], "none")
    _supports(pdf, snap["supports"])
    _next_steps(pdf, meeting, snap.get("action_items", []))
    _notices(pdf, snap["notices"], snap["version"])
    return bytes(pdf.output())


def notice_line(entry: Mapping[str, Any]) -> str:
    """One line of a notice log, as the room and the record PDF read it."""
    who = f"{entry['name']} ({entry['role']})"
    if not entry["notice"]:
        return f"{who}: {entry['status']}"
    tz = ZoneInfo(entry["zone"])
    queued = clock.short(_moment(entry["queued_at"]).astimezone(tz))
    if entry["status"] == "sent":
        return f"{who}: {entry['notice']} e-mailed {clock.short(_moment(entry['sent_at']).astimezone(tz))}"
    error = f" ({entry['error']})" if entry["error"] else ""
    tries = f", {entry['attempts']} attempts" if entry["attempts"] > 1 else ""
    return f"{who}: {entry['notice']} {entry['status']} since {queued}{tries}{error}"


def _moment(value: dt.datetime | str) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def _notices(pdf: _Document, entries: Sequence[Mapping[str, Any]], version: int) -> None:
    """The notice log: each attempt to tell the team of the meeting (IDEA §300.322(d))."""
    pdf.heading("Meeting notices")
    if not entries:
        pdf.para("This record did not keep a notice log." if version < 3 else "No notice was e-mailed for this meeting.")
    for entry in entries:
        pdf.para(notice_line(entry))


def _meetings(pdf: _Document, meetings: Sequence[Mapping[str, Any]], tz: ZoneInfo) -> None:
    pdf.heading("Meetings")
    if not meetings:
        pdf.para("No meetings.")
    for i, m in enumerate(meetings, 1):
        record = m.get("record")
        pdf.para(_meeting_facts(m, record["sha256"] if record else None, tz), bold_label=f"Meeting {i}")
        if record:
            _attendance(pdf, record, size=11)
            _next_steps(pdf, m, m["action_items"], size=11)


def student_record_pdf(record: dict[str, Any]) -> bytes:
    """A student's whole record (export.student_record's dict), for a family's request or a transfer.

    Every plan, oldest first, each on its own pages with all of its progress, earlier goal
    wordings, notes and meetings (a finalized one with who attended and signed); then the
    assessments, once for all plans.
    """
    student = record["student"]
    name = f"{student.get('preferred_name') or student['first_name']} {student['last_name']}"
    title = f"Student record — {name}"
    pdf = _Document(title, record)
    pdf.heading(title, 16)
    full_name = f"Full name: {student['first_name']} {student['last_name']}\n" if student.get("preferred_name") else ""
    tz = ZoneInfo(record.get("time_zone") or "UTC")
    pdf.para(f"{full_name}{_student_facts(student)}\n{record['school']}. Exported {_d(clock.stamp(record['exported_at'], tz))} "
             f"by {record['exported_by']}.")
    pdf.heading("Team")
    if not record["team"]:
        pdf.para("Nobody is linked to the student.")
    for t in record["team"]:
        course = f", {t['course']}" if t.get("course") else ""
        pdf.para(f"{t['name']}: {t['relationship']}{course}{'' if t['active'] else ' (no longer linked)'}")
    if not record["plans"]:
        pdf.para("No plans.", bold_label="Plans")
    for doc in record["plans"]:
        plan = doc["plan"]
        pdf.add_page()
        pdf.heading(f"{PLAN_TITLES.get(plan['kind'], plan['kind'])}, school year {plan['year']}", 15)
        pdf.para(f"Status: {plan['status']}   Revision {plan['revision']}")
        _sections(pdf, doc["sections"])
        _goals(pdf, doc["goals"], "all")
        _supports(pdf, doc["supports"], with_log=True)
        _interventions(pdf, doc["interventions"])
        _notes(pdf, doc["notes"], doc["goals"])
        _meetings(pdf, [m for m in record["meetings"] if m["plan_id"] == plan["id"]], tz)
    _assessments(pdf, record["assessments"])
    return bytes(pdf.output())


def _voice(author_role: str) -> str:
    """Which of VOICES an entry's author speaks for."""
    return "student" if author_role == "student" else "family" if author_role == "guardian" else "staff"


def _latest(entries: Sequence[Mapping[str, Any]], none: str) -> str:
    """The latest rating in words (a percentage when nobody rated), and how many entries there were."""
    if not entries:
        return none
    rated = [p for p in entries if p.get("rating")]
    latest = rated[-1] if rated else entries[-1]
    value = _rating(latest["rating"]) if rated else f"{latest['percent']}%"
    return f"{value} on {_d(latest['on'])} ({len(entries)} {'entry' if len(entries) == 1 else 'entries'})"


def progress_report_pdf(doc: shapes.PlanDoc, period: shapes.Period | None) -> bytes:
    """The progress report sent home each reporting period, for one plan (a queries.student_plan document).

    `period` has a name, starts_on and ends_on; None reports on the whole school year so far.
    Per current goal (not revised or discontinued): the student's own and the staff's latest
    rating within the period, how many entries each made, the ratings so far, and the
    period's notes.
    """
    student, plan = doc["student"], doc["plan"]
    title = f"Progress report — {student['name']}"
    pdf = _Document(title, [doc, period])
    pdf.heading(title, 16)
    if period is None:
        starts, ends, span, none = dt.date.min, dt.date.max, f"School year {plan['year']} so far", "none yet"
    else:
        starts, ends = _day(period["starts_on"]), _day(period["ends_on"])
        span, none = f"{period['name']}: {_d(starts)} to {_d(ends)}", "none this period"
    pdf.para(f"{_student_facts(student)}\n{PLAN_TITLES.get(plan['kind'], plan['kind'])}, school year {plan['year']} "
             f"(plan status: {plan['status']})\nReporting period: {span}")
    goals = [g for g in doc["goals"] if g["status"] not in (GoalStatus.REVISED, GoalStatus.DISCONTINUED)]
    in_period = [n for n in doc["notes"] if starts <= _day(n["at"]) <= ends]
    pdf.heading("Goals")
    if not goals:
        pdf.para("No current goals.")
    for i, g in enumerate(goals, 1):
        so_far = [p for p in g["progress"] if _day(p["on"]) <= ends]
        within = [p for p in so_far if _day(p["on"]) >= starts]
        lines = _goal_lines(g)
        for voice, label in VOICES.items():
            theirs = [p for p in within if _voice(p["author_role"]) == voice]
            if theirs or voice != "family":  # families rate now and then: a line for them only when they did
                lines.append(f"{label}: {_latest(theirs, none)}")
        trend = {voice: [RATING_WORDS[p["rating"]] for p in so_far
                         if p["rating"] and _voice(p["author_role"]) == voice] for voice in VOICES}
        if any(trend.values()):
            lines.append("Ratings so far, oldest first: "
                         + "; ".join(f"{voice}: {', '.join(words)}" for voice, words in trend.items() if words))
        notes = [(_day(p["on"]), _who(p), p["note"]) for p in within if p.get("note")]
        notes += [(_day(n["at"]), _who(n), n["text"]) for n in in_period if n.get("goal_id") == g["id"]]
        if notes:
            lines.append("Notes from this period:")
            lines += [f"• {_d(day)}, {who}: {text}" for day, who, text in sorted(notes, key=lambda x: x[0])]
        pdf.para("\n".join(lines), bold_label=f"Goal {i}")
    about_plan = [n for n in in_period if n.get("goal_id") is None]
    if about_plan:
        pdf.heading("Other notes from this period")
        for n in about_plan:
            pdf.para(n["text"], bold_label=f"{_d(_day(n['at']))}, {_who(n)}")
    _printed(pdf, plan)
    return bytes(pdf.output())


def invite(*, uid: str, title: str, starts: dt.datetime | dt.date, minutes: int = 45, location: str = "",
           description: str = "", method: str | None = None, sequence: int = 0, organizer: str | None = None,
           attendee: str | None = None) -> bytes:
    """A calendar invite (.ics): a timed meeting, or an all-day check-in when given a date.

    A meeting notice (notices.py) is an iTIP message: `method` REQUEST or CANCEL, the meeting's
    stable `uid`, a `sequence` one higher for each change, its organizer and its one reader as
    attendee. A start aware of its zone carries TZID, with that zone's VTIMEZONE.
    """
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", starts)
    all_day = not isinstance(starts, dt.datetime)
    event.add("dtend", starts + (dt.timedelta(days=1) if all_day else dt.timedelta(minutes=minutes)))
    event.add("summary", title)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if method:
        event.add("sequence", sequence)
        event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    if organizer:
        event.add("organizer", f"mailto:{organizer}")
    if attendee:
        event.add("attendee", f"mailto:{attendee}", parameters={"ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
    cal = Calendar()
    cal.add("prodid", "-//PlanTable//plantable//EN")
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    cal.add_component(event)
    if isinstance(starts, dt.datetime) and starts.tzinfo:  # the zone's rules around the meeting, not since 1970
        cal.add_missing_timezones(first_date=dt.date(starts.year - 1, 1, 1), last_date=dt.date(starts.year + 2, 1, 1))
    return cal.to_ical()
