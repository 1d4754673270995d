"""Sentences and paragraphs of an article, with their offsets, for the rule-based extractor."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A period ends a sentence, except in a decimal ("1.5"), after a month or a title before a
# number or name ("Nov. 21", "Gen. Dostum"), and in initials ("U.S. forces", "John F. Kerry").
_ABBREVIATION = (
    r"(?<=\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Col|Gen|Sgt|Maj|Gov|Mrs|Rep|Sen|Cpl|Pvt|"
    r"Adm))\.(?=\s+[\dA-Z])|(?<=\bSept)\.(?=\s+\d)|(?<=\b(?:Capt|Brig|Prof))\.(?=\s+[A-Z])|"
    r"(?<=\b(?:Mr|Dr|Lt|St|No))\.(?=\s+[\dA-Z])|(?<=\b[A-Z])\.(?=[A-Z]\.|\s+[a-z]|\s+[A-Z][a-z])"
)
_SENTENCE = re.compile(rf"(?:[^.!?\n]+|\.(?=\d)|{_ABBREVIATION})+(?:[.!?]+[\"'”’)]?|$)")
_PARAGRAPH = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    paragraph: int


def sentences(text: str) -> list[Sentence]:
    """The sentences of `text` with their offsets and the index of their paragraph."""
    out: list[Sentence] = []
    for p_index, para in enumerate(_PARAGRAPH.finditer(text)):
        for m in _SENTENCE.finditer(para.group(0)):
            if m.group(0).strip():
                out.append(Sentence(m.group(0), para.start() + m.start(), p_index))
    return out
