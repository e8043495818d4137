"""servicecheck: check Chinese customer-service transcripts against a service standard.

    from servicecheck import Checker, load_pack
    checker = Checker(load_pack("bank-cn"))
    report = checker.check("call.json")
"""

__version__ = "0.1.0"

from .checker import Checker, check  # noqa: E402
from .errors import InputError, PackError, ServiceCheckError  # noqa: E402
from .limits import Limits  # noqa: E402
from .model import Finding, Report, StageResult, Token, Transcript, Utterance  # noqa: E402
from .pack import Pack, load_pack  # noqa: E402

__all__ = [
    "Checker",
    "Finding",
    "InputError",
    "Limits",
    "Pack",
    "PackError",
    "Report",
    "ServiceCheckError",
    "StageResult",
    "Token",
    "Transcript",
    "Utterance",
    "__version__",
    "check",
    "load_pack",
]
