"""From a recogniser's fragments to a transcript: order, roles, turns, words — the same for every format.

1. Fragments are sorted by start time (stereo channels arrive one channel after the other).
2. Each speaker or channel id gets a role: from the role map (the caller's or the pack's), from a
   name the recording systems use (坐席, 客户), or else by the agent heuristic: the speaker whose first
   turns say most of the pack's agent cues (这里是, 工号, 有什么可以帮您 …) is the agent, and when
   nobody says any, the first speaker is. Every other speaker is a customer. ``metadata["roles"]``
   says which way each was decided, so a QA lead can audit it.
3. Consecutive fragments of one speaker, at most ``merge_gap`` seconds apart, become one utterance;
   each keeps its place in the utterance text (``Utterance.fragments``, the fragment map).
4. Words are located in the text (character offsets) and keep their times and confidence; an
   utterance starts at its first word and ends at its last when word times are known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from ...errors import InputError
from ...model import Transcript
from ...text.chars import is_punctuation_or_space
from ..records import validated
from ..roles import DEFAULT_AGENT_CUES, RoleMap
from .fragments import Fragment, Recognised, Word

CUE_TURNS = 3  # first turns of each speaker searched for agent cues


@dataclass(frozen=True)
class ReadOptions:
    """How recogniser output is read. ``agent_cues`` and the merge settings normally come from the pack
    (``input:``); ``role_map`` from the pack, the caller and ``--role-map``."""

    role_map: RoleMap = field(default_factory=RoleMap)
    agent_cues: tuple[str, ...] = DEFAULT_AGENT_CUES
    merge: bool = True
    merge_gap: float = 2.0
    time_unit: Optional[str] = None  # servicecheck's own JSON and text: "s" or "ms"; None = seconds, checked


def assemble(recognised: Recognised, options: ReadOptions, *, source: Optional[str], default_id: str) -> Transcript:
    """One ``Transcript`` from one recognised call (see the module docstring)."""
    fmt = recognised.format
    fragments = [f for f in recognised.fragments if f.text.strip()]
    fragments, unattributed = _attribute(fragments, fmt, source)
    fragments = _in_time_order(fragments)
    turns = _turns(fragments, options)
    roles = _roles(turns, recognised, options)
    utterances = [_utterance(turn, roles[turn[0].speaker]["role"], source) for turn in turns]  # type: ignore[index]
    metadata: dict[str, Any] = {
        **recognised.metadata,
        "input_format": fmt,
        "speaker_kind": recognised.speaker_kind,
        "roles": roles,
        "fragments": len(fragments),
    }
    if unattributed:
        metadata["unattributed_fragments"] = unattributed
    data = {"id": recognised.id or default_id, "channel": "phone", "utterances": utterances, "metadata": metadata}
    return validated(data, source=source)


# -- speakers -------------------------------------------------------------------------------------------
def _attribute(fragments: list[Fragment], fmt: str, source: Optional[str]) -> tuple[list[Fragment], int]:
    """Fragments without a speaker (WhisperX leaves a segment no diarisation turn overlaps without one)
    take the speaker of the fragment nearest before them, or after them for the first ones."""
    if not fragments:
        return fragments, 0
    if all(f.speaker is None for f in fragments):
        raise InputError(
            f"{fmt}: the recogniser gave no speaker or channel for any fragment, so agent and customer "
            "cannot be told apart: diarise (FunASR spk_model, WhisperX assign_word_speakers), recognise "
            "each channel of a stereo recording, or give each line a speaker (坐席：/客户：)",
            source=source,
        )
    missing = sum(1 for f in fragments if f.speaker is None)
    if not missing:
        return fragments, 0
    out: list[Fragment] = []
    last: Optional[str] = next(f.speaker for f in fragments if f.speaker is not None)
    for fragment in fragments:
        if fragment.speaker is None:
            fragment = _replace(fragment, speaker=last)
        last = fragment.speaker
        out.append(fragment)
    return out, missing


def _replace(fragment: Fragment, **changes: Any) -> Fragment:
    from dataclasses import replace

    return replace(fragment, **changes)


def _roles(turns: list[list[Fragment]], recognised: Recognised, options: ReadOptions) -> dict[str, dict]:
    """Speaker id -> {"role", "by"[, "evidence"]}, in order of first appearance."""
    order: list[str] = []
    firsts: dict[str, list[list[Fragment]]] = {}
    for turn in turns:
        speaker = turn[0].speaker
        assert speaker is not None
        if speaker not in firsts:
            order.append(speaker)
            firsts[speaker] = []
        if len(firsts[speaker]) < CUE_TURNS:
            firsts[speaker].append(turn)
    roles: dict[str, dict] = {}
    role_map = options.role_map
    for speaker in order:
        role = role_map.explicit(speaker)
        if role is not None:
            roles[speaker] = {"role": role, "by": "role map"}
        elif recognised.speaker_kind == "name" and role_map.role(speaker) is not None:
            roles[speaker] = {"role": role_map.role(speaker), "by": "speaker name"}
    undecided = [s for s in order if s not in roles]
    if not undecided:
        return roles
    if not any(r["role"] == "agent" for r in roles.values()):
        opening = {speaker: [f for turn in firsts[speaker] for f in turn] for speaker in undecided}
        agent, evidence = _agent_by_cues(undecided, opening, options.agent_cues)
        by = "agent cues in first turns"
        if agent is None:  # nobody opened like an agent: who speaks like one over the whole call
            everything: dict[str, list[Fragment]] = {speaker: [] for speaker in undecided}
            for turn in turns:
                if turn[0].speaker in everything:
                    everything[turn[0].speaker].extend(turn)
            agent, evidence = _agent_by_cues(undecided, everything, options.agent_cues)
            by = "agent cues later in the call"
        if agent is not None:
            roles[agent] = {"role": "agent", "by": by, "evidence": evidence}
        else:
            agent = undecided[0]
            roles[agent] = {"role": "agent", "by": "first speaker (no agent cues found)"}
    for speaker in undecided:
        roles.setdefault(speaker, {"role": "customer", "by": "not the agent"})
    return {speaker: roles[speaker] for speaker in order}


def _agent_by_cues(
    speakers: list[str], said: dict[str, list[Fragment]], cues: Sequence[str]
) -> tuple[Optional[str], list[str]]:
    """The speaker whose fragments hold the most distinct cues; ties go to the earlier speaker."""
    best: Optional[str] = None
    best_cues: list[str] = []
    for speaker in speakers:
        text = "".join(f.text for f in said[speaker])
        found = [cue for cue in cues if cue and cue in text]
        if len(found) > len(best_cues):
            best, best_cues = speaker, found
    return best, best_cues


# -- order and turns -------------------------------------------------------------------------------------
def _in_time_order(fragments: list[Fragment]) -> list[Fragment]:
    """Stable sort by start time; a fragment without a time keeps its place after the one before it."""
    keyed = []
    last = float("-inf")
    for position, fragment in enumerate(fragments):
        start = _first_time(fragment)
        if start is not None:
            last = start
        keyed.append((start if start is not None else last, position, fragment))
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [k[2] for k in keyed]


def _first_time(fragment: Fragment) -> Optional[float]:
    """When the fragment's first word was said: word times are more precise than sentence times."""
    times = [w.start for w in fragment.words if w.start is not None]
    return min(times) if times else fragment.start


def _turns(fragments: list[Fragment], options: ReadOptions) -> list[list[Fragment]]:
    turns: list[list[Fragment]] = []
    for fragment in fragments:
        if turns and options.merge and turns[-1][-1].speaker == fragment.speaker:
            previous = turns[-1][-1]
            gap = fragment.start - previous.end if fragment.start is not None and previous.end is not None else 0.0
            if gap <= options.merge_gap:
                turns[-1].append(fragment)
                continue
        turns.append([fragment])
    return turns


# -- one utterance ---------------------------------------------------------------------------------------
def _utterance(turn: list[Fragment], role: str, source: Optional[str]) -> dict:
    text = ""
    spans: list[dict] = []
    words: list[dict] = []
    for fragment in turn:
        piece = fragment.text.strip()
        lead = len(fragment.text) - len(fragment.text.lstrip())
        if text and _needs_space(text[-1], piece[0]):
            text += " "
        offset = len(text)
        text += piece
        spans.append(
            {
                "start": offset,
                "end": offset + len(piece),
                "source": fragment.path,
                "start_time": fragment.start,
                "end_time": fragment.end,
                "confidence": fragment.confidence,
            }
        )
        for word, (start, end) in align_words(fragment.text, fragment.words):
            start, end = max(start - lead, 0), min(end - lead, len(piece))
            if start >= end:
                continue
            words.append(
                {
                    "start": offset + start,
                    "end": offset + end,
                    "start_time": word.start,
                    "end_time": word.end,
                    "confidence": word.confidence,
                }
            )
    starts = [w["start_time"] for w in words if w["start_time"] is not None] or [
        f.start for f in turn if f.start is not None
    ]
    ends = [w["end_time"] for w in words if w["end_time"] is not None] or [f.end for f in turn if f.end is not None]
    confidences = [f.confidence for f in turn if f.confidence is not None]
    loudness = [f.loudness for f in turn if f.loudness is not None]
    utterance: dict[str, Any] = {"speaker": role, "text": text, "fragments": spans, "words": words}
    if starts and ends:
        utterance["start"] = min(starts)
        utterance["end"] = max(max(ends), min(starts))
    if confidences:
        utterance["confidence"] = min(confidences)
    if loudness:
        utterance["loudness"] = max(loudness)
    return utterance


def _needs_space(before: str, after: str) -> bool:
    """Fragments joined without punctuation between them get a space (normalisation ignores it
    between Chinese characters; it keeps Latin words apart)."""
    return not (is_punctuation_or_space(before) or is_punctuation_or_space(after))


def align_words(text: str, words: Sequence[Word]) -> list[tuple[Word, tuple[int, int]]]:
    """Each word with its character span in ``text``: the reader's own offsets when it gave them,
    else the word's text looked up from where the previous word ended (case and spaces ignored).
    A word that cannot be found is left out rather than placed wrongly."""
    folded = text.casefold()
    cursor = 0
    found = []
    for word in words:
        if word.start_char is not None and word.end_char is not None:
            if 0 <= word.start_char < word.end_char <= len(text):
                found.append((word, (word.start_char, word.end_char)))
                cursor = word.end_char
            continue
        needle = word.text.strip().casefold()
        if not needle:
            continue
        at = folded.find(needle, cursor)
        if at < 0:
            continue
        found.append((word, (at, at + len(needle))))
        cursor = at + len(needle)
    return found
