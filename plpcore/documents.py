"""Documents people take away: the plan and meeting-record PDFs, and calendar invites.

PDFs embed DejaVu Sans (shipped in plpcore/fonts) so accented, Greek, Cyrillic, Hebrew
and Arabic names render; for scripts DejaVu lacks (Chinese, Japanese, Korean, Indic…)
the system's Droid Sans Fallback or Noto fonts are used when installed. User text is
written as plain text: nothing in it is read as markup.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from icalendar import Calendar, Event

from plpcore.services import CAREER_SECTIONS, PROFILE_SECTIONS, PROGRAMMING_SECTIONS

FONTS = Path(__file__).parent / "fonts"
FALLBACK_FONTS = [
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf"),
]
RATING_WORDS = {1: "not yet", 2: "beginning", 3: "progressing", 4: "met"}
PLAN_TITLES = {"ALP": "Advanced Learning Plan", "PLP": "Personalized Learning Plan", "ILP": "Individual Learning Plan"}


class _Document(FPDF):
    def __init__(self, title: str):
        super().__init__(format="Letter")
        self.title_text = title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
        self.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
        fallbacks = []
        for i, path in enumerate(p for p in FALLBACK_FONTS if p.is_file()):
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
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _sections(pdf: _Document, sections: list[dict]) -> None:
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


def _goals(pdf: _Document, goals: list[dict], with_progress: bool) -> None:
    pdf.heading("Goals")
    if not goals:
        pdf.para("No goals yet.")
    for i, g in enumerate(goals, 1):
        lines = [
            g["statement"],
            f"Kind: {g['kind']}   Status: {g['status']}   Target date: {_d(g.get('target_date'))}",
        ]
        if g.get("success_criteria"):
            lines.append(f"Success criteria: {g['success_criteria']}")
        if g.get("baseline"):
            lines.append(f"Baseline: {g['baseline']}")
        if with_progress and g.get("progress"):
            latest = g["progress"][-1]
            rating = f"{latest['rating']} ({RATING_WORDS[latest['rating']]})" if latest.get("rating") else ""
            percent = f"{latest['percent']}%" if latest.get("percent") is not None else ""
            lines.append(f"Latest progress, {_d(latest['on'])} by {latest.get('author') or latest['author_role']}: "
                         f"{' '.join(x for x in (rating, percent) if x)} {latest.get('note') or ''}".rstrip())
        pdf.para("\n".join(lines), bold_label=f"Goal {i}")


def _supports(pdf: _Document, supports: list[dict]) -> None:
    pdf.heading("Supports")
    if not supports:
        pdf.para("No supports yet.")
    for x in supports:
        pdf.para(f"{x['description']}\nSetting: {x['setting']}   Owner: {x.get('owner') or '—'}   "
                 f"How often: {x.get('frequency') or '—'}   Status: {x['status']}")


def plan_pdf(doc: dict[str, Any]) -> bytes:
    """The current plan as one readable document, for a family or the file cabinet."""
    student, plan = doc["student"], doc["plan"]
    title = f"{PLAN_TITLES.get(plan['kind'], plan['kind'])} — {student['name']}"
    pdf = _Document(title)
    pdf.heading(title, 16)
    pdf.para(f"Grade {student['grade']}   School year {plan['year']}   Status: {plan['status']}   "
             f"Student id: {student['local_id']}\nIdentified areas: {student.get('gifted_areas') or '—'}")
    _sections(pdf, doc["sections"])
    _goals(pdf, doc["goals"], with_progress=True)
    _supports(pdf, [x for x in doc["supports"] if x["status"] != "stopped"])
    if doc.get("interventions"):
        pdf.heading("Interventions")
        for i in doc["interventions"]:
            pdf.para(f"{i['description']}\n{_d(i['starts_on'])} to {_d(i['ends_on'])}. Outcome: {i['outcome'] or '—'}",
                     bold_label=i["course"])
    if doc.get("assessments"):
        pdf.heading("Assessments")
        for a in doc["assessments"]:
            pct = f", percentile {a['percentile']}" if a.get("percentile") else ""
            pdf.para(f"{a['name']} ({_d(a['taken_on'])}): {a['score'] or '—'}{pct}")
    pdf.para(f"Printed {dt.date.today().isoformat()} from PlanTable, plan revision {plan['revision']}.", size=8)
    return bytes(pdf.output())


def record_pdf(record: dict[str, Any]) -> bytes:
    """A finalized meeting's signed record, from its immutable snapshot."""
    snap = record["snapshot"]
    meeting, student = snap["meeting"], snap["student"]
    title = f"Meeting record — {student['name']}"
    pdf = _Document(title)
    pdf.heading(title, 16)
    pdf.para(f"{meeting['kind']} on {_d(meeting['scheduled_at'])}, {meeting.get('location') or 'no place given'}.\n"
             f"Finalized {_d(meeting['finalized_at'])}. Record fingerprint (SHA-256): {record['sha256']}")
    pdf.heading("Who attended")
    for a in snap["attendance"]:
        signed = f"signed {_d(a['signed_at'])}" if a.get("signed_at") else "not signed"
        mode = f", {a['mode']}" if a.get("mode") else ""
        pdf.para(f"{a['name']} ({a['role']}): {a['status']}{mode}; {signed}")
    if meeting.get("missing_roles"):
        pdf.para(f"Missing: {', '.join(meeting['missing_roles'])}. Reason: {meeting.get('missing_role_reason') or '—'}")
    _sections(pdf, snap["sections"])
    _goals(pdf, snap["goals"], with_progress=False)
    _supports(pdf, snap["supports"])
    pdf.heading("Next steps")
    pdf.para(f"Next check-in: {_d(meeting.get('next_check_in'))}")
    for item in snap.get("action_items", []):
        pdf.para(f"{item['description']} — {item['owner']}, by {_d(item.get('due_on'))}")
    if meeting.get("notes"):
        pdf.para(meeting["notes"], bold_label="Notes")
    return bytes(pdf.output())


def invite(*, uid: str, title: str, starts: dt.datetime | dt.date, minutes: int = 45, location: str = "",
           description: str = "") -> bytes:
    """A calendar invite (.ics): a timed meeting, or an all-day check-in when given a date."""
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
    cal = Calendar()
    cal.add("prodid", "-//PlanTable//plantable//EN")
    cal.add("version", "2.0")
    cal.add_component(event)
    return cal.to_ical()
