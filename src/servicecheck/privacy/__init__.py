"""Personal data in transcripts: finding it (bank cards, ID numbers, mobile numbers, e-mail, HKID) and
masking it in what the library writes out, without moving a single offset.

    from servicecheck.privacy import find_personal_data, redact_report
    report = redact_report(checker.check(transcript), transcript)

Checking always runs on the original text; redaction is for output only (see docs/privacy.md).
"""

from .detect import KINDS, PersonalData, classify, find_personal_data
from .redact import MASK, redact_pair, redact_record_error, redact_report, redact_text, redact_transcript

__all__ = [
    "KINDS",
    "MASK",
    "PersonalData",
    "classify",
    "find_personal_data",
    "redact_pair",
    "redact_record_error",
    "redact_report",
    "redact_text",
    "redact_transcript",
]
