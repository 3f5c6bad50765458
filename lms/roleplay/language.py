"""Which language a reply is written in, as far as the analyzer needs to know.

The reply analyzer was trained on English counselling talk; on Spanish it would give confident nonsense.
A reply that reads as Spanish is not analyzed: the trainee is told, in one line, that automatic feedback is
available in English only (their supervisor still reads every reply). The test is deliberately simple and
conservative: Spanish punctuation or letters, or a clear majority of common Spanish words over English ones.
"""

from __future__ import annotations

import re

SPANISH_MARKS = re.compile(r"[¿¡ñÑ]|\b\w*(?:ción|ciones|mente)\b", re.IGNORECASE)
WORD = re.compile(r"[a-záéíóúüñ]+", re.IGNORECASE)
SPANISH_WORDS = frozenset(
    "que de la el los las en por para con una un es está estás usted tú te me mi yo lo le se no sí pero "
    "como qué cómo cuando muy también eso esto hoy ahora siento parece suena entiendo quiere puede ha hay "
    "su sus del al ya todo nada algo".split()
)
ENGLISH_WORDS = frozenset(
    "the and you your to of it is that what how do does i me my we be are was for with this can feel sounds "
    "like have has not so about would could".split()
)


def reads_as_spanish(text: str) -> bool:
    words = [w.lower() for w in WORD.findall(text or "")]
    if not words:
        return False
    spanish = sum(w in SPANISH_WORDS for w in words)
    english = sum(w in ENGLISH_WORDS for w in words)
    if SPANISH_MARKS.search(text) and spanish >= english:
        return True
    return spanish >= 2 and spanish > 2 * english
