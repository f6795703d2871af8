"""What the accessibility tests measure in Chromium: axe-core's audit of a screen, and the
phone-size checks (no sideways scrolling, tap targets of at least 24 x 24 CSS px).

axe-core comes from `axe-playwright-python`, which carries one pinned copy of the engine
(axe.min.js) in its wheel: locked with the other test requirements, no npm step, and the same
Playwright page the rest of the browser tier drives.
"""

from __future__ import annotations

import json
from typing import Any

from axe_playwright_python.sync_playwright import Axe

from bench.driving import settle
from tests.browser.conftest import ARTIFACTS

# The rules of WCAG 2.1 levels A and AA, and axe's best practices (heading order, landmarks),
# which are reported but do not fail a test.
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
RULES = {"runOnly": {"type": "tag", "values": [*WCAG_21_AA, "best-practice"]}, "resultTypes": ["violations"]}
BLOCKING = ("serious", "critical")
REPORTS = ARTIFACTS / "axe"

_axe = Axe()


# Started before axe looks, read after: did anything fade meanwhile? While a script run is under
# way Streamlit marks what it will redraw stale and, after half a second, fades it (opacity
# 1s ease-in 0.5s): colours measured then are a passing frame's, not the screen's. A live room's
# plan change reruns the page at any moment, so each frame of the audit is watched.
WATCH_FADES = """() => {
  const watch = {faded: null, on: true};
  window.__plantable_watch = watch;
  const look = () => {
    // An empty stale container (a fragment that drew nothing this tick) may stay faded: it shows nothing.
    for (const el of document.querySelectorAll('[data-stale="true"]'))
      if (parseFloat(getComputedStyle(el).opacity) < 1 && el.innerText.trim())
        watch.faded = `${el.className.split(' ').find(c => c.startsWith('st-key-')) || el.dataset.testid}: ` +
                      `${el.innerText.slice(0, 60)} (opacity ${getComputedStyle(el).opacity})`;
    if (watch.on && !watch.faded) requestAnimationFrame(look);
  };
  look();
}"""
FADED = "() => { window.__plantable_watch.on = false; return window.__plantable_watch.faded; }"


def violations(page, tries: int = 5) -> list[dict[str, Any]]:
    """axe-core's violations on the page at rest: nothing faded by a script run while axe looked."""
    faded = []
    for _ in range(tries):
        settle(page)
        page.evaluate(WATCH_FADES)
        found = _axe.run(page, options=RULES).response["violations"]
        faded.append(page.evaluate(FADED))
        if not faded[-1]:
            return found
    raise AssertionError(f"something on the page was fading in each of {tries} audits: {faded}")


def blocking(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations that fail a test: serious or critical, of a WCAG 2.1 A/AA rule."""
    return [v for v in found if v["impact"] in BLOCKING and set(v["tags"]) & set(WCAG_21_AA)]


def summary(v: dict[str, Any]) -> str:
    first = v["nodes"][0]
    return f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}; first at {first['target']}: " \
           f"{first.get('failureSummary', '').splitlines()[-1:]}"


class Audit:
    """The cells one test looked at (screen x role), their violations by impact, and a report file
    (test-artifacts/axe/<name>.json) that lists every violation, moderate and minor included."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cells: dict[str, list[dict[str, Any]]] = {}

    def check(self, page, cell: str) -> None:
        self.cells[cell] = violations(page)

    def failures(self) -> list[str]:
        return [f"{cell}: {summary(v)}" for cell, found in self.cells.items() for v in blocking(found)]

    def write(self) -> None:
        REPORTS.mkdir(parents=True, exist_ok=True)
        table = {cell: {impact: sum(len(v["nodes"]) for v in found if v["impact"] == impact)
                        for impact in ("critical", "serious", "moderate", "minor")}
                 for cell, found in self.cells.items()}
        detail = {cell: [{"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": len(v["nodes"]),
                          "targets": [n["target"] for n in v["nodes"][:5]],
                          "first": v["nodes"][0].get("failureSummary", "")} for v in found]
                  for cell, found in self.cells.items()}
        (REPORTS / f"{self.name}.json").write_text(json.dumps({"table": table, "violations": detail}, indent=1))


def sideways_overflow(page) -> int:
    """CSS px the page is wider than the window (0: nothing to scroll sideways)."""
    return page.evaluate("""() => {
      const main = document.querySelector('[data-testid="stMain"]') || document.documentElement;
      return Math.max(document.documentElement.scrollWidth, main.scrollWidth) - window.innerWidth;
    }""")


def small_targets(page, minimum: int = 24) -> list[str]:
    """Visible tap targets (buttons, links, form controls) that fail WCAG 2.5.8, by their text and
    size: under `minimum` CSS px either way, unless a circle of that diameter centred on the target
    touches no other target (the criterion's spacing exception). Not counted: what is drawn only on
    keyboard focus (a 1 px skip link), and what is out of the window (the closed sidebar)."""
    return page.evaluate("""(minimum) => {
      const selector = 'button, a[href], input:not([type=hidden]), select, textarea, [role=tab], [role=radio], [role=checkbox]';
      const boxes = [];
      for (const el of document.querySelectorAll(selector)) {
        // A radio or checkbox is drawn by its label, which is what a finger taps.
        const target = (el.matches('input[type=radio], input[type=checkbox]') && el.closest('label')) || el;
        const r = target.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1 || r.right <= 0 || r.left >= window.innerWidth) continue;
        if (getComputedStyle(target).visibility === 'hidden' || target.closest('[aria-hidden=true]')) continue;
        boxes.push({el, r});
      }
      const touches = (r, cx, cy) => {
        const dx = Math.max(r.left - cx, 0, cx - r.right), dy = Math.max(r.top - cy, 0, cy - r.bottom);
        return dx * dx + dy * dy < (minimum / 2) ** 2;
      };
      const small = [];
      for (const {el, r} of boxes) {
        if (r.width >= minimum && r.height >= minimum) continue;
        const cx = (r.left + r.right) / 2, cy = (r.top + r.bottom) / 2;
        if (!boxes.some(o => o.r !== r && !o.el.contains(el) && !el.contains(o.el) && touches(o.r, cx, cy))) continue;
        const name = (el.getAttribute('aria-label') || el.innerText || el.name || el.tagName).trim().replace(/\\s+/g, ' ');
        small.push(`${name.slice(0, 40)} ${Math.round(r.width)}x${Math.round(r.height)}`);
      }
      return small;
    }""", minimum)


# --- the keyboard alone ----------------------------------------------------------------------------

_FOCUSED = "el => el === document.activeElement || el.contains(document.activeElement)"
# How the control and the few boxes Streamlit draws around it look (a radio's circle beside it, a
# text box's border around it): outline, ring (box-shadow), border and background of the control,
# three of its ancestors and what its parent holds. A focus indicator is a difference between this
# at rest and with the focus.
_LOOK = """el => {
  const nodes = [el];
  for (let up = el.parentElement, i = 0; up && i < 3; up = up.parentElement, i++) nodes.push(up);
  if (el.parentElement) nodes.push(...[...el.parentElement.querySelectorAll('*')].slice(0, 40));
  return nodes.map(e => {
    const s = getComputedStyle(e);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor].join(' ');
  });
}"""


def tab_to(page, target, *, limit: int = 300) -> int:
    """Press Tab, and nothing else, until `target` (a locator) has the keyboard focus; fail if it never
    does (out of reach, or focus is trapped), or if nothing about it looks different once it has the
    focus (no focus indicator). How many presses it took."""
    target.wait_for()
    if target.evaluate(_FOCUSED):  # already there: look at it without the focus first
        page.keyboard.press("Shift+Tab")
    at_rest = target.evaluate(_LOOK)
    for presses in range(limit):
        if target.evaluate(_FOCUSED):
            page.wait_for_timeout(200)  # Streamlit's focus styles fade in
            focused = target.evaluate(_LOOK)
            assert focused != at_rest, f"{target} has the focus but shows no focus indicator: {focused[0]}"
            return presses
        page.keyboard.press("Tab")
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def choose(page, group, option: str) -> None:
    """Pick a radio option with the keyboard: Tab into the group, then the arrow keys."""
    tab_to(page, group.get_by_role("radio").first)
    page.keyboard.press("Space")
    wanted = group.get_by_role("radio", name=option, exact=True)
    for _ in range(group.get_by_role("radio").count()):
        if wanted.is_checked():
            return
        page.keyboard.press("ArrowRight")
    assert wanted.is_checked(), f"the arrow keys never chose {option!r}"


def press(page, target, key: str = "Enter") -> None:
    """Tab to a button, link or expander, and press it (Enter, or Space)."""
    tab_to(page, target)
    page.keyboard.press(key)
