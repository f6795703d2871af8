"""Reports: the compliance report of a school year, by specialist, with the students behind each count.

Every row comes from plpcore (queries.compliance), which checks who may see which student.
"""

import streamlit as st

from plpcore import accounts, queries
from plpcore.errors import PlanTableError
from plpcore.export import csv_bytes
from ui import routes, session
from ui.downloads import download_button
from ui.feedback import show_exception

user = session.screen_user()
db = session.database()
st.title("Reports")
try:
    years = accounts.school_years(db, user.id)
except PlanTableError as exc:
    show_exception(exc)
    st.stop()
if not years:
    st.info("No school year yet. Add one on the Admin page.")
    st.stop()

st.header("Compliance")
names = {y["id"]: y["name"] + (" (current)" if y["is_current"] else "") for y in years}
current = next((y["id"] for y in years if y["is_current"]), years[0]["id"])
pick, scope = st.columns([1, 2], vertical_alignment="bottom")
year_id = pick.selectbox("School year", list(names), format_func=names.get, index=list(names).index(current),
                         key="reports_year")
whole_school = user.is_admin and scope.toggle("Whole school, by specialist", value=user.kind == "admin",
                                              key="reports_whole_school")
try:
    frame = queries.compliance(db, user.id, year_id, whole_school=whole_school)
except PlanTableError as exc:
    show_exception(exc)
    st.stop()
if frame.empty:
    st.info("No students on this caseload.")
    st.stop()
st.caption("A student is compliant with an active plan that has an achievement and an affective goal, "
           "progress reported in the current reporting period (the last one, for a past year), and an "
           "annual review meeting finalized this school year.")

summary = queries.compliance_summary(frame)
total = summary.iloc[-1]
cells = st.columns(len(queries.COMPLIANCE_CHECKS) + 1)
cells[0].metric("Compliant", f"{int(total.compliant)} of {int(total.students)}")
for cell, (check, label) in zip(cells[1:], queries.COMPLIANCE_CHECKS.items(), strict=True):
    cell.metric(label, int(total[check]))
if whole_school:
    st.dataframe(
        summary, hide_index=True, width="stretch",
        column_config={"specialist": "Specialist", "students": "Students", "compliant": "Compliant",
                       **{c: st.column_config.NumberColumn(label) for c, label in queries.COMPLIANCE_CHECKS.items()}},
        key="reports_summary",
    )

missing = frame[~frame.compliant]
st.markdown(f"**Students missing something ({len(missing)})**. Click a row to open the student's plan.")
columns = {"name": st.column_config.TextColumn("Student", width="medium"),
           "local_id": "Student id", "grade": st.column_config.NumberColumn("Grade", width="small"),
           "missing": st.column_config.TextColumn("Missing", width="large")}
if whole_school:
    columns["specialist"] = "Specialist"
event = st.dataframe(missing[list(columns)], column_config=columns, hide_index=True, width="stretch",
                     height=min(38 + 35 * len(missing), 460), on_select="rerun", selection_mode="single-row",
                     key="reports_missing")
if event.selection.rows:
    routes.open_plan(int(missing.iloc[event.selection.rows[0]].student_id))
year = next(y["name"] for y in years if y["id"] == year_id)
download_button(
    "Export compliance report (CSV)",
    csv_bytes(frame.drop(columns=["student_id"])),
    file_name=f"compliance-{year}.csv", mime="text/csv", key="reports_download",
)
