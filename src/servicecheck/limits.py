"""Size limits: a transcript too large to check in bounded time is refused, not half-processed."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError
from .model import Transcript


@dataclass(frozen=True)
class Limits:
    """Size limits per transcript. A transcript over a limit is refused with an InputError (in a batch:
    an error row) instead of tying up a worker; raise them when your recordings really are that long."""

    max_utterances: int = 50_000
    max_utterance_chars: int = 100_000
    max_transcript_chars: int = 2_000_000

    def check(self, call: Transcript) -> None:
        if len(call.utterances) > self.max_utterances:
            raise InputError(
                f"{len(call.utterances)} utterances; the limit is {self.max_utterances} (Checker(limits=…))",
                source=call.id,
                field="utterances",
            )
        total = 0
        for index, utterance in enumerate(call.utterances):
            size = len(utterance.text)
            total += size
            if size > self.max_utterance_chars:
                raise InputError(
                    f"{size} characters; the limit is {self.max_utterance_chars} (Checker(limits=…))",
                    source=call.id,
                    field=f"utterances[{index}].text",
                )
        if total > self.max_transcript_chars:
            raise InputError(
                f"{total} characters in all; the limit is {self.max_transcript_chars} (Checker(limits=…))",
                source=call.id,
                field="utterances",
            )
