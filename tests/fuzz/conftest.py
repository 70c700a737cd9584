"""The fuzz run's report: payloads sent per subject and crashes, shown without -s."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.fuzz.report import REPORT

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not REPORT.phases:
        return
    tr = terminalreporter
    tr.section("fuzz: payloads sent per subject")
    subjects = sorted({s for phase in REPORT.phases.values() for s in phase})
    names = list(REPORT.phases)
    width = max(len(s) for s in subjects)
    tr.write_line(
        f"{'subject':<{width}}  " + "  ".join(f"{n:>10}" for n in names) + f"  {'total':>7}"
    )
    for subject in subjects:
        counts = [REPORT.phases[n].get(subject, 0) for n in names]
        tr.write_line(
            f"{subject:<{width}}  " + "  ".join(f"{c:>10}" for c in counts) + f"  {sum(counts):>7}"
        )
    totals = [sum(REPORT.phases[n].values()) for n in names]
    tr.write_line(
        f"{'all':<{width}}  " + "  ".join(f"{c:>10}" for c in totals) + f"  {sum(totals):>7}"
    )
    tr.write_line(f"error codes answered: {dict(sorted(REPORT.codes.items()))}")
    tr.write_line(
        f"service crashes: {REPORT.crashes}; unanswered requests: {REPORT.unanswered}; "
        f"undocumented codes: {REPORT.undocumented}; events recorded by invalid payloads: "
        f"{REPORT.recorded_by_invalid}"
    )
    for line in REPORT.notes:
        tr.write_line(line)
