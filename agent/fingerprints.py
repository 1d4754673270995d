"""Compact fingerprints of ids and texts, so a long stream of articles stays small in memory.

`read_inputs` remembers every id it has seen (id -> text) to report repeats; 64-bit
fingerprints in two flat arrays cost ~16 bytes an article whatever the ids and texts.
"""

from __future__ import annotations

import hashlib
from array import array


def fingerprint(text: str) -> int:
    """64 bits of the text's SHA-256 (never 0): the same across runs, and two texts share it
    by chance only once in about 10^19 pairs."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") or 1


class Fingerprints:
    """Fingerprint -> fingerprint, in two flat arrays (open addressing, at most 3/4 full):
    16 bytes a slot, where a dict of Python ints costs ~100 bytes an entry."""

    def __init__(self) -> None:
        self._keys, self._values = _zeros(1024), _zeros(1024)  # key 0: an empty slot
        self._used = 0

    def _slot(self, key: int) -> int:
        keys, mask = self._keys, len(self._keys) - 1
        slot = key & mask
        while keys[slot] and keys[slot] != key:
            slot = (slot + 1) & mask
        return slot

    def get(self, key: int) -> int | None:
        slot = self._slot(key)
        return self._values[slot] if self._keys[slot] else None

    def __contains__(self, key: int) -> bool:
        return bool(self._keys[self._slot(key)])

    def put(self, key: int, value: int) -> None:
        slot = self._slot(key)
        if not self._keys[slot]:
            self._used += 1
        self._keys[slot], self._values[slot] = key, value
        if self._used * 4 > len(self._keys) * 3:
            keys, values = self._keys, self._values
            self._keys, self._values = _zeros(2 * len(keys)), _zeros(2 * len(keys))
            self._used = 0
            for old_key, old_value in zip(keys, values, strict=True):
                if old_key:
                    self.put(old_key, old_value)


def _zeros(size: int) -> array[int]:
    return array("Q", bytes(8 * size))
