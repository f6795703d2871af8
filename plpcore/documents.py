"""Documents people take away: the plan, meeting-record, whole-record and progress-report PDFs, and invites.

The PDFs are tagged PDF/UA-1, made by WeasyPrint from the Jinja2 templates in plpcore/templates
(one base with the page, fonts and footer, and one small template per document): a screen reader
finds the document's language and title, its headings in order, the supports table's headers,
and reads the text in order. User text is autoescaped: nothing in it is read as markup. Fonts:
DejaVu Sans (shipped in plpcore/fonts), and for the characters it lacks (Chinese, Japanese,
Korean, Indic…) the installed fonts (Droid Sans Fallback, Noto), through fontconfig; Pango and
HarfBuzz shape the text (right-to-left and joined scripts).
"""

from __future__ import annotations

import datetime as dt
import functools
import subprocess
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from icalendar import Calendar, Event
from jinja2 import Environment, PackageLoader, StrictUndefined
from weasyprint import HTML

from plpcore import clock, records, shapes
from plpcore.models import GoalStatus
from plpcore.rules import RATING_WORDS
from plpcore.services import CAREER_SECTIONS, PROFILE_SECTIONS, PROGRAMMING_SECTIONS

FONTS = Path(__file__).parent / "fonts"
# Whose ratings a progress report sets side by side (the same grouping as the charts' queries.progress_frame).
VOICES = {"student": "The student's own rating", "staff": "Staff rating", "family": "Family rating"}
PLAN_TITLES = {"ALP": "Advanced Learning Plan", "PLP": "Personalized Learning Plan", "ILP": "Individual Learning Plan"}


@functools.cache
def _drawable() -> frozenset[int]:
    """Every character an installed font has a glyph for, as fontconfig lists the fonts (read once per
    process, in about a second, and only for a document with a character DejaVu Sans lacks)."""
    listed = subprocess.run(["fc-list", "--format", "%{file}\n", ":outline=true"], capture_output=True, text=True,
                            check=True)  # fontconfig's own tool (.ci/run installs it)
    files = [FONTS / "DejaVuSans.ttf", *(Path(f) for f in listed.stdout.splitlines() if f.endswith((".ttf", ".otf")))]
    return frozenset().union(*(TTFont(f, lazy=True).getBestCmap() or {} for f in files))


@functools.cache
def _dejavu_draws() -> frozenset[int]:
    return frozenset(TTFont(FONTS / "DejaVuSans.ttf", lazy=True).getBestCmap() or {})


def _printable(value: Any) -> Any:
    """Text as the PDF prints it: a character that no installed font has a glyph for as U+FFFD (which
    DejaVu has), a line or paragraph separator as a line break, and left out, a format character beyond
    the Basic Multilingual Plane that is not an emoji tag (Pango finds no glyph for those even where
    Unifont lists one).

    One character without a glyph makes WeasyPrint give its font a custom encoding, and then pypdf and
    pdfminer read none of that font's text back. Markup (urlize's) stays markup: U+FFFD is not markup.
    """
    if not isinstance(value, str) or all(ord(c) in _dejavu_draws() for c in value):
        return value
    return type(value)("".join(_printed_as(c) for c in value))


def _printed_as(c: str) -> str:
    category = unicodedata.category(c)
    if category in ("Zl", "Zp"):
        return "\n"
    if category == "Cf" and 0xFFFF < ord(c) < 0xE0000:
        return ""
    return c if ord(c) in _drawable() else "\ufffd"


# autoescape=True, not select_autoescape(): the templates end in .html.j2, which select_autoescape does not escape.
# finalize runs on every value a template prints, before it is escaped.
_TEMPLATES = Environment(loader=PackageLoader("plpcore", "templates"), autoescape=True, undefined=StrictUndefined,
                         finalize=_printable, trim_blocks=True, lstrip_blocks=True)


class _Item(NamedTuple):
    """One thing in a part of a document: its heading if it has one, its lines, a list, and parts of its own."""

    label: str | None
    lines: Sequence[str] = ()
    bullets: Sequence[str] = ()
    parts: Sequence[_Part] = ()


class _Part(NamedTuple):
    """A headed part of a document. With no items it says `empty`; with no items and no `empty` it is left out."""

    heading: str
    items: Sequence[_Item]
    empty: str | None = None


class _Plan(NamedTuple):
    """One plan's content, in the order the documents print it (parts.html.j2's `plan`)."""

    sections: Sequence[_Part]
    goals: _Part
    supports: Sequence[Mapping[str, Any]]
    after: Sequence[_Part] = ()
    with_log: bool = False


def _render(template: str, heading: str, name: str, **content: Any) -> bytes:
    """The PDF of one document: `heading` — `name` is its title (the first heading, the PDF's title and footer)."""
    html = _TEMPLATES.get_template(template).render(
        title=f"{heading} — {name}", heading=heading, name=name, fonts=FONTS.as_uri(), **content)
    pdf = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")  # tagged, with /Lang, /MarkInfo and DisplayDocTitle
    assert pdf is not None  # given no file to write to, WeasyPrint returns the bytes
    return pdf


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


def _student_facts(student: Mapping[str, Any]) -> list[str]:
    areas = student.get("gifted_areas")
    areas = ", ".join(areas) if isinstance(areas, list) else areas  # a list in the export, text in a plan
    return [f"Grade {student['grade']}   Student id: {student['local_id']}", f"Identified areas: {areas or '—'}"]


def _printed(plan: Mapping[str, Any]) -> str:
    return f"Printed {dt.date.today().isoformat()} from PlanTable, plan revision {plan['revision']}."


def _sections(sections: Sequence[Mapping[str, Any]]) -> list[_Part]:
    by = {(x["key"], x["voice"]): x for x in sections}
    about = []
    for key, question in PROFILE_SECTIONS.items():
        own, team = by.get((key, "student")), by.get((key, "team"))
        own_text = "(passed)" if own and own["passed"] and not own["text"] else (own or {}).get("text", "")
        about.append(_Item(question, [f"In my words: {own_text or '—'}",
                                      f"The team adds: {(team or {}).get('text') or '—'}"]))
    planning = [_Part(title, [_Item(label, [(by.get((key, "team")) or {}).get("text") or "—"])
                              for key, label in group.items()])
                for title, group in (("Career planning", CAREER_SECTIONS), ("Programming", PROGRAMMING_SECTIONS))]
    return [_Part("About the student", about), *planning]


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


def _goals(goals: Sequence[Mapping[str, Any]], progress: Literal["none", "latest", "all"]) -> _Part:
    """Each goal, with no progress (a meeting record), its latest entry (the plan), or all of it (the whole record).

    "all" also lists the goal's earlier wordings.
    """
    items = []
    for i, g in enumerate(goals, 1):
        lines, entries = _goal_lines(g), []
        if progress == "latest" and g.get("progress"):
            lines.append(f"Latest progress: {_progress_line(g['progress'][-1])}")
        if progress == "all":
            lines += [f"Earlier wording, replaced {_d(h['replaced_at'])} by {h.get('replaced_by') or 'someone'}: "
                      f"{h['statement']}" for h in g.get("history", [])]
            lines.append("Progress:" if g.get("progress") else "Progress: none recorded.")
            entries = [_progress_line(p) for p in g.get("progress", [])]
        items.append(_Item(f"Goal {i}", lines, entries))
    return _Part("Goals", items, "No goals yet.")


def _supports(supports: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The supports table's rows; `log` is what the whole record lists as done."""
    return [{"description": x["description"], "setting": x["setting"], "owner": x.get("owner") or "—",
             "frequency": x.get("frequency") or "—", "status": x["status"],
             "log": [f"done {_d(lg['done_on'])} by {lg.get('author') or 'someone'}"
                     + (f": {lg['note']}" if lg.get("note") else "") for lg in x.get("log", [])]}
            for x in supports]


def _interventions(interventions: Sequence[Mapping[str, Any]]) -> _Part:
    return _Part("Interventions", [
        _Item(i["course"], [i["description"], f"{_d(i['starts_on'])} to {_d(i['ends_on'])}. "
                                              f"Outcome: {i['outcome'] or '—'}"])
        for i in interventions])


def _assessments(assessments: Sequence[Mapping[str, Any]]) -> _Part:
    lines = []
    for a in assessments:
        pct = f", percentile {a['percentile']}" if a.get("percentile") else ""
        lines.append(f"{a['name']} ({_d(a['taken_on'])}): {a['score'] or '—'}{pct}")
        if a.get("note"):
            lines.append(a["note"])
    return _Part("Assessments", [_Item(None, lines)] if lines else [])


def _notes(notes: Sequence[Mapping[str, Any]], goals: Sequence[Mapping[str, Any]]) -> _Part:
    number = {g["id"]: i for i, g in enumerate(goals, 1)}
    items = []
    for n in notes:
        about = f", on goal {number[n['goal_id']]}" if n.get("goal_id") in number else ""
        text = [n["prompt"], n["text"]] if n.get("prompt") else [n["text"]]
        items.append(_Item(f"{_d(n['at'])}, {_who(n)}, {n['kind']}{about}", text))
    return _Part("Notes", items)


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


def _meeting_facts(meeting: Mapping[str, Any], sha256: str | None, tz: ZoneInfo) -> list[str]:
    kind = meeting["kind"][:1].upper() + meeting["kind"][1:]
    facts = f"{kind}, {meeting.get('location') or 'no place given'}. {_held(meeting, tz)}"
    if sha256 is None:
        return [f"{facts} Status: {meeting['status']}."]
    return [facts, f"Finalized {_d(clock.stamp(meeting['finalized_at'], tz))}. Record fingerprint (SHA-256): {sha256}"]


def _signature(signature: Mapping[str, Any], sha256: str, tz: ZoneInfo) -> str:
    when = f"signed {_d(clock.stamp(signature['signed_at'], tz))}"
    if not signature["after_finalizing"]:
        return f"{when}, at the meeting"
    read = signature.get("sha256")
    if read is None:
        return f"{when}, after the record was finalized"
    fingerprint = "this record" if read == sha256 else f"a record with fingerprint (SHA-256) {read}"
    return f"{when}, after the record was finalized, having read {fingerprint}"


def _attendance(record: shapes.MeetingRecordDoc) -> _Part:
    """Who attended, as the record kept it, each with their signature and its time: at the meeting or after."""
    snap, tz = record["snapshot"], ZoneInfo(record["time_zone"])
    lines, shown = [], []
    for a in snap["attendance"]:
        mode = f", {a['mode']}" if a.get("mode") else ""
        signature = records.signature_of(record, a)
        shown.append(signature)
        signed = f"; {_signature(signature, record['sha256'], tz)}" if signature else \
            "; not signed yet" if a["status"] == "present" else ""
        lines.append(f"{a['name']} ({a['role']}): {a['status']}{mode}{signed}")
    for signature in (s for s in record["signatures"] if s not in shown):  # only if attendance could not be matched
        lines.append(f"{signature['name']} ({signature['role']}): {_signature(signature, record['sha256'], tz)}")
    missing = snap["meeting"].get("missing_roles")
    if missing:
        lines.append(f"Missing: {', '.join(missing)}. Reason: {snap['meeting'].get('missing_role_reason') or '—'}")
    return _Part("Who attended, and who signed", [_Item(None, lines)])


def _next_steps(meeting: Mapping[str, Any], action_items: Sequence[Mapping[str, Any]]) -> _Part:
    lines = [f"Next check-in: {_d(meeting.get('next_check_in'))}"]
    lines += [f"{item['description']} — {item['owner']}, by {_d(item.get('due_on'))}" for item in action_items]
    notes = [_Item("Notes", [meeting["notes"]])] if meeting.get("notes") else []
    return _Part("Next steps", [_Item(None, lines), *notes])


def plan_pdf(doc: shapes.PlanDoc) -> bytes:
    """The current plan as one readable document, for a family or the file cabinet."""
    student, plan = doc["student"], doc["plan"]
    content = _Plan(_sections(doc["sections"]), _goals(doc["goals"], "latest"),
                    _supports([x for x in doc["supports"] if x["status"] != "stopped"]),
                    [_interventions(doc.get("interventions", [])), _assessments(doc.get("assessments", []))])
    return _render("plan.html.j2", PLAN_TITLES.get(plan["kind"], plan["kind"]), student["name"],
                   facts=[*_student_facts(student), f"School year {plan['year']}   Plan status: {plan['status']}"],
                   plan=content, printed=_printed(plan))


def record_pdf(record: shapes.MeetingRecordDoc) -> bytes:
    """A finalized meeting's signed record, from its immutable snapshot."""
    snap = record["snapshot"]
    meeting, student = snap["meeting"], snap["student"]
    if snap["sections"] or snap["version"] >= 2:
        sections = _sections(snap["sections"])
    else:  # a version 1 demo record
        sections = [_Part("About the student", [], "This record did not keep the student's profile.")]
    content = _Plan(sections, _goals(snap["goals"], "none"), _supports(snap["supports"]),
                    [_next_steps(meeting, snap.get("action_items", [])), _notices(snap["notices"], snap["version"])])
    return _render("record.html.j2", "Meeting record", student["name"],
                   facts=_meeting_facts(meeting, record["sha256"], ZoneInfo(record["time_zone"])),
                   attendance=_attendance(record), plan=content)


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


def _notices(entries: Sequence[Mapping[str, Any]], version: int) -> _Part:
    """The notice log: each attempt to tell the team of the meeting (IDEA §300.322(d))."""
    empty = "This record did not keep a notice log." if version < 3 else "No notice was e-mailed for this meeting."
    return _Part("Meeting notices", [_Item(None, [notice_line(entry) for entry in entries])] if entries else [], empty)


def _meetings(meetings: Sequence[Mapping[str, Any]], tz: ZoneInfo) -> _Part:
    items = []
    for i, m in enumerate(meetings, 1):
        record = m.get("record")
        parts = [_attendance(record), _next_steps(m, m["action_items"])] if record else []
        items.append(_Item(f"Meeting {i}", _meeting_facts(m, record["sha256"] if record else None, tz), parts=parts))
    return _Part("Meetings", items, "No meetings.")


def student_record_pdf(record: dict[str, Any]) -> bytes:
    """A student's whole record (export.student_record's dict), for a family's request or a transfer.

    Every plan, oldest first, each on its own pages with all of its progress, earlier goal
    wordings, notes and meetings (a finalized one with who attended and signed); then the
    assessments, once for all plans.
    """
    student = record["student"]
    tz = ZoneInfo(record.get("time_zone") or "UTC")
    full_name = [f"Full name: {student['first_name']} {student['last_name']}"] if student.get("preferred_name") else []
    team = [f"{t['name']}: {t['relationship']}{', ' + t['course'] if t.get('course') else ''}"
            f"{'' if t['active'] else ' (no longer linked)'}" for t in record["team"]]
    plans = []
    for doc in record["plans"]:
        plan = doc["plan"]
        content = _Plan(_sections(doc["sections"]), _goals(doc["goals"], "all"), _supports(doc["supports"]),
                        [_interventions(doc["interventions"]), _notes(doc["notes"], doc["goals"]),
                         _meetings([m for m in record["meetings"] if m["plan_id"] == plan["id"]], tz)], with_log=True)
        plans.append((f"{PLAN_TITLES.get(plan['kind'], plan['kind'])}, school year {plan['year']}",
                      f"Status: {plan['status']}   Revision {plan['revision']}", content))
    return _render(
        "student_record.html.j2", "Student record",
        f"{student.get('preferred_name') or student['first_name']} {student['last_name']}",
        facts=[*full_name, *_student_facts(student), f"{record['school']}. Exported "
               f"{_d(clock.stamp(record['exported_at'], tz))} by {record['exported_by']}."],
        team=_Part("Team", [_Item(None, team)] if team else [], "Nobody is linked to the student."),
        no_plans=_Part("Plans", [], "No plans."), plans=plans, assessments=_assessments(record["assessments"]))


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
    if period is None:
        starts, ends, span, none = dt.date.min, dt.date.max, f"School year {plan['year']} so far", "none yet"
    else:
        starts, ends = _day(period["starts_on"]), _day(period["ends_on"])
        span, none = f"{period['name']}: {_d(starts)} to {_d(ends)}", "none this period"
    goals = [g for g in doc["goals"] if g["status"] not in (GoalStatus.REVISED, GoalStatus.DISCONTINUED)]
    in_period = [n for n in doc["notes"] if starts <= _day(n["at"]) <= ends]
    items = []
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
        items.append(_Item(f"Goal {i}", lines, [f"{_d(day)}, {who}: {text}"
                                                 for day, who, text in sorted(notes, key=lambda x: x[0])]))
    other_notes = [_Item(f"{_d(_day(n['at']))}, {_who(n)}", [n["text"]])
                   for n in in_period if n.get("goal_id") is None]
    return _render(
        "progress_report.html.j2", "Progress report", student["name"],
        facts=[*_student_facts(student), f"{PLAN_TITLES.get(plan['kind'], plan['kind'])}, school year {plan['year']} "
               f"(plan status: {plan['status']})", f"Reporting period: {span}"],
        goals=_Part("Goals", items, "No current goals."),
        other_notes=_Part("Other notes from this period", other_notes), printed=_printed(plan))


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
