"""A cache for values computed per utterance text that keeps only texts that come back.

Real calls repeat few of their lines verbatim (15–20 % of agent text, 1–10 % of customer text), so a
plain LRU cache spends most of its room, and the garbage collector most of its time, on texts that are
never asked for again: every entry outlives the call that made it, and the collector walks it again
and again until it is evicted. Here a text is remembered only by its hash the first time (a
"doorkeeper", as in TinyLFU); its value is stored when it is seen a second time. The texts that do
repeat — scripted greetings, closings, stock answers — are found from their third occurrence on.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Hashable, Optional, TypeVar

Value = TypeVar("Value")


class RepeatCache(Generic[Value]):
    """LRU cache of at most ``maxsize`` values, admitting a key on its second ``put``. Thread-safe."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._values: OrderedDict[Hashable, Value] = OrderedDict()
        self._seen: set[int] = set()  # hashes of keys put once; cleared when it reaches ``4 * maxsize``
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Optional[Value]:
        """The value stored for ``key`` (and mark it recently used), or None."""
        value = self._values.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        try:
            self._values.move_to_end(key)  # one C call, atomic; another thread may have evicted it
        except KeyError:
            pass
        return value

    def put(self, key: Hashable, value: Value) -> None:
        """Store ``value`` if ``key`` was put before (else only remember that it was)."""
        if self.maxsize <= 0:
            return
        marker = hash(key)
        with self._lock:
            if marker not in self._seen:
                if len(self._seen) >= 4 * self.maxsize:
                    self._seen.clear()  # forget old first sightings rather than grow without bound
                self._seen.add(marker)
                return
            self._values[key] = value
            if len(self._values) > self.maxsize:
                self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)
