"""A checked call for people: the transcript with every finding marked at its exact offsets.

``render_html`` writes the call page (``servicecheck.pages.call``: every reason printed beside its mark);
``render_text`` marks the same spans with brackets for a terminal and lists every other finding
(process checks, missing stages) under the utterance or the call it concerns.
"""

from __future__ import annotations

from .model import Report, Transcript


def render_html(transcript: Transcript, report: Report) -> str:
    """The call page (see ``servicecheck.pages.call``)."""
    from .pages.call import render_call_page

    return render_call_page(transcript, report)


def render_text(transcript: Transcript, report: Report) -> str:
    """Each utterance with its findings bracketed: [您好|greeting] … [不归我管|!forbidden]; a finding
    that needs a person's review (low recognition confidence) ends in ``?``. Process checks are listed
    under their utterance, and what concerns the whole call at the end: every finding is shown."""
    from .pages.explain import is_check, reason, stage_names

    names = stage_names(report)
    verdict = "PASS" if report.passed else "FAIL"
    mark = f", pass mark {report.pass_mark:g}" if report.pass_mark is not None else ""
    lines = [f"{report.transcript_id}: score {report.score:g} {verdict}{mark}"]
    for index, utterance in enumerate(transcript.utterances):
        spans = [
            f
            for f in report.findings
            if f.utterance_index == index and not is_check(f) and f.start is not None and (f.end or 0) > f.start
        ]
        marks = sorted(
            ((f.start, f.end, f) for f in spans if f.start is not None and f.end is not None),
            key=lambda m: (m[0], -m[1]),
        )
        out: list[str] = []
        cursor = 0
        for start, end, f in marks:
            if start < cursor:
                continue  # nested or overlapping: the outer mark is shown
            label = ("!" if f.kind != "hit" else "") + f.stage + ("?" if f.needs_review else "")
            out.append(utterance.text[cursor:start])
            out.append(f"[{utterance.text[start:end]}|{label}]")
            cursor = end
        out.append(utterance.text[cursor:])
        lines.append(f"{index:>3} {utterance.speaker:<8} {''.join(out)}")
        for f in report.findings:
            if f.utterance_index == index and f not in spans:
                lines.append(f"      ! {reason(f, names)}")
    for f in report.findings:
        if f.utterance_index is None and f.kind != "hit":
            lines.append(f"    ! {reason(f, names)}")
    return "\n".join(lines) + "\n"
