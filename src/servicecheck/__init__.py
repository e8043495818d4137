"""servicecheck: check Chinese customer-service transcripts against a service standard.

from servicecheck import Checker, load_pack
checker = Checker(load_pack("bank-cn"))
report = checker.check("call.json")          # servicecheck JSON, text, or a recogniser's output

transcript = read_transcript("funasr.json", role_map={1: "agent", 0: "customer"})
"""

__version__ = "0.2.0"

from ._native import warn_if_stale  # noqa: E402

warn_if_stale()  # an editable checkout whose compiled modules predate an edit runs the old code

from .checker import Checker, check  # noqa: E402
from .errors import InputError, PackError, ServiceCheckError  # noqa: E402
from .io import FORMATS, ReadOptions, RoleMap, iter_records, read_transcript, read_transcripts  # noqa: E402
from .limits import Limits  # noqa: E402
from .live import Alert, LiveSession, LiveUpdate  # noqa: E402
from .model import Finding, Fragment, Origin, Report, StageResult, Token, Transcript, Utterance, Word  # noqa: E402
from .pack import Pack, load_pack  # noqa: E402

__all__ = [
    "FORMATS",
    "Alert",
    "Checker",
    "Finding",
    "Fragment",
    "InputError",
    "Limits",
    "LiveSession",
    "LiveUpdate",
    "Origin",
    "Pack",
    "PackError",
    "ReadOptions",
    "Report",
    "RoleMap",
    "ServiceCheckError",
    "StageResult",
    "Token",
    "Transcript",
    "Utterance",
    "Word",
    "__version__",
    "check",
    "iter_records",
    "load_pack",
    "read_transcript",
    "read_transcripts",
]
