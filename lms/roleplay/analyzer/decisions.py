"""Decisions: the learned heads and the rules combined into the ten labels of one reply.

A stock phrase the rules trust ("it sounds like", "you should") is enough on its own; the heads add what has no stock
phrase, and a few vetoes keep them honest (a reply made only of advice does not pass for a reflection on the model's
word; "Why don't you call your sponsor?" is advice dressed as a question).
"""

from __future__ import annotations

from collections.abc import Mapping

from .features import features, main_features
from .lexicon import ACKNOWLEDGEMENT, ADVICE_EXCLUDE, DISGUISED_ADVICE
from .model import HEADS, Head, MainHead
from .notes import NOTE_ORDER, note_for
from .results import ReplyAnalysis
from .rules import non_reflective, rule_hits, self_disclosure_kind
from .text import Text, closed_by_form, question_subtype

# Decision settings (tools/train_analyzer.py cross-validates them).
NO_MARK_QUESTION_P = 0.6  # model probability needed for a question with no question form at all
COMPLEX_MODE = "model_or_cue"  # "model" | "model_and_cue" | "model_or_cue"
SHORT_REFLECTION_WORDS = 12  # a reflection this short, without a cue, needs SHORT_COMPLEX_P to count as complex
SHORT_COMPLEX_P = 0.6
NON_REFLECTIVE_INFORMATION = True  # an information sentence does not count as a reflection on the model's word

Hits = Mapping[str, "str | None"]


class Analyzer:
    """A reply analyzer; ``model`` is the parsed ``model.json`` (or None for rules only)."""

    def __init__(self, model: Mapping | None = None):
        self.model = model
        heads = (model or {}).get("heads", {})
        self.heads: dict[str, Head] = {name: Head(spec) for name, spec in heads.items() if name in HEADS}
        # Decision settings travel with the weights they were validated with; module defaults otherwise.
        settings = (model or {}).get("settings", {})
        self.no_mark_question_p = float(settings.get("NO_MARK_QUESTION_P", NO_MARK_QUESTION_P))
        self.complex_mode = settings.get("COMPLEX_MODE", COMPLEX_MODE)
        self.non_reflective_information = bool(settings.get("NON_REFLECTIVE_INFORMATION", NON_REFLECTIVE_INFORMATION))
        self.uses_context = bool((model or {}).get("features", {}).get("context", False))
        self.main = MainHead(model["main"]) if model and "main" in model else None

    def main_behaviour(self, text: str, previous: str | None = None) -> str | None:
        """AnnoMI's four-way main behaviour ("question", "reflection", "therapist_input", "other"), or None without a
        model. It reads the other person's preceding line when given."""
        t = Text(text)
        if self.main is None or not t.all_tokens:
            return None if self.main is None else "other"
        return self.main.predict(main_features(t, previous))

    def decide(self, text: str, previous: str | None = None) -> tuple[set[str], bool, dict[str, str | None], dict]:
        """Labels, complex flag, rule hits and head probabilities; the notes are added by ``analyze``.

        ``previous`` is the other person's preceding line when it is known (a scenario's scripted turn, the client's
        line in a transcript); the heads use it only if the model was trained with context."""
        return self._decide(Text(text), previous)

    def analyze(self, text: str, previous: str | None = None) -> ReplyAnalysis:
        t = Text(text)
        labels, complex_reflection, hits, probs = self._decide(t, previous)
        notes = tuple(note_for(label, hits, complex_reflection, t) for label in NOTE_ORDER if label in labels)
        return ReplyAnalysis(
            labels=frozenset(labels),
            notes=notes,
            complex_reflection=complex_reflection,
            scores=tuple((name, round(p, 3)) for name, p in probs.items()),
            main_behaviour=self.main.predict(main_features(t, previous)) if self.main and t.all_tokens else None,
        )

    def _decide(self, t: Text, previous: str | None) -> tuple[set[str], bool, dict[str, str | None], dict]:
        hits = rule_hits(t)
        probs: dict[str, float] = {}
        if not t.all_tokens:
            return set(), False, hits, probs
        feats = features(t, previous if self.uses_context else None, hits) if self.heads else {}
        fired: dict[str, bool] = {}
        for name, head in self.heads.items():
            probs[name] = head.prob(feats)
            fired[name] = head.fires(feats)
        labels: set[str] = set()
        question = self._question(t, hits, fired, probs)
        if question:
            labels.add(question)
        complex_reflection = False
        if self._reflection(t, hits, fired):
            labels.add("reflection")
            complex_reflection = self._complex(t, hits, fired, probs)
        disclosure = self_disclosure_kind(t)
        hits = {**hits, "self_disclosure": disclosure}
        labels |= self._content_and_flags(t, hits, fired)
        return labels, complex_reflection, hits, probs

    def _question(self, t: Text, hits: Hits, fired: Mapping[str, bool], probs: Mapping[str, float]) -> str | None:
        """'open_question', 'closed_question' or None: the model, or a question by its form."""
        if self.heads:
            by_model = fired.get("question", False)
            if by_model and not t.questions and "?" not in t.norm:
                # No question form at all ("What you share stays private ..."): ask the model to be surer.
                by_model = probs["question"] >= max(self.heads["question"].threshold, self.no_mark_question_p)
            is_question = by_model or bool(hits["open_prompt"] or hits["clear_question"])
        else:
            is_question = bool(t.questions)
        disguised = [DISGUISED_ADVICE.search(t.sentences[i]) for i in t.questions]
        if disguised and not hits["open_prompt"] and all(disguised):
            return None  # "Why don't you call your sponsor?" is advice dressed as a question.
        if not is_question:
            return None
        subtype = None
        if hits["open_prompt"]:
            subtype = "open"  # "Tell me more ...", "Could you say more ...", "I'm curious what ..."
        elif "open" in fired:
            last = t.questions[-1] if t.questions else None
            if last is not None and closed_by_form(t.sentences[last], t.sent_tokens[last]):
                subtype = "closed"  # "How long have you been clean?": the form decides, whatever the head says
            else:
                subtype = "open" if fired["open"] else "closed"
        else:
            for i in reversed(t.questions):  # the last question is the one the person will answer
                subtype = question_subtype(t.sentences[i], t.sent_tokens[i])
                if subtype:
                    break
        return f"{subtype or 'closed'}_question"

    def _reflection(self, t: Text, hits: Hits, fired: Mapping[str, bool]) -> bool:
        phrase = hits["stock_reflection"] or hits["feeling_reflection"] or hits["stock_reflection_q"]
        if phrase:
            return True
        if not self.heads:
            return bool(hits["you_statement"]) and not (hits["advice"] or hits["affirmation"] or hits["judgment"])
        if not fired.get("reflection", False):
            return False
        # The model fired without a phrase: a reply made only of advice, judgment, minimizing, affirmation,
        # information or questions does not pass for a reflection.
        statements = [s for i, s in enumerate(t.sentences) if i not in t.questions]
        return any(not non_reflective(s, self.non_reflective_information) for s in statements)

    def _complex(self, t: Text, hits: Hits, fired: Mapping[str, bool], probs: Mapping[str, float]) -> bool:
        if "complex" not in fired:
            return bool(hits["complex_cue"])
        if self.complex_mode == "model":
            return fired["complex"]
        if self.complex_mode == "model_and_cue":
            return fired["complex"] and (bool(hits["complex_cue"]) or probs["complex"] >= 0.65)
        complex_reflection = bool(hits["complex_cue"]) or fired["complex"]
        if complex_reflection and not hits["complex_cue"] and len(t.all_tokens) <= SHORT_REFLECTION_WORDS:
            # Short and without a cue of meaning or feeling: most are simple (64% in AnnoMI dev).
            return probs["complex"] >= max(self.heads["complex"].threshold, SHORT_COMPLEX_P)
        return complex_reflection

    def _content_and_flags(self, t: Text, hits: Hits, fired: Mapping[str, bool]) -> set[str]:
        labels = set()
        if hits["affirmation"]:
            labels.add("affirmation")
        acknowledgement = bool(ACKNOWLEDGEMENT.match(t.norm))
        advice_by_model = fired.get("advice", False) and not ADVICE_EXCLUDE.search(t.norm) and not acknowledgement
        if advice_by_model or hits["advice"]:
            labels.add("advice")
        story = bool(hits["self_disclosure"])
        information_by_model = fired.get("information", False) and not (acknowledgement or story or hits["secrecy"])
        if information_by_model or hits["information"]:
            labels.add("information")
        for label, hit in (("minimizing", "minimizing"), ("judgment", "judgment"), ("secrecy_promise", "secrecy")):
            if hits[hit]:
                labels.add(label)
        if story:
            labels.add("self_disclosure")
        return labels
