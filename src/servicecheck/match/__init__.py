"""Matchers: a pack compiled once into an automaton, RE2 sets, pinyin, fuzzy and token matchers, and
the context filters that decide which candidates count."""

from .base import METHOD_PRIORITY, Candidate
from .compile import CompiledPack, CompiledRule

__all__ = ["METHOD_PRIORITY", "Candidate", "CompiledPack", "CompiledRule"]
