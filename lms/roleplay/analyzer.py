"""Instant formative feedback on role-play replies (pure Python, no Flask, no database).

A trainee's reply is labelled with the helping behaviours it contains, MITI/OARS style:

- ``open_question`` / ``closed_question``: questions, including questions without a question mark
  ("Tell me more about ...", "I'm wondering how ...").
- ``reflection`` (and ``complex_reflection`` on the analysis): the reply gives back what the person said or
  means, with or without a stock phrase such as "it sounds like".
- ``affirmation``: genuine recognition of a strength or an effort.
- ``advice`` and ``information``: the helper supplies content (what to do / facts, resources, limits).
- red flags, which AnnoMI does not annotate and are found by rules only: ``minimizing``, ``judgment``
  (judgmental or clinical labels), ``secrecy_promise`` (an absolute promise of secrecy) and long
  ``self_disclosure``.

How it works. Questions, reflections (and their complexity), advice and information are decided by small
logistic-regression models over word n-gram and rule features, trained on the AnnoMI development split with
``tools/train_analyzer.py`` and shipped as weights in ``analyzer_model.json``; inference is a sparse dot
product in plain Python. Rules with high precision on peer-support language are combined with the models
(a stock phrase such as "it sounds like" or "you should" is enough on its own). If the weights file is missing,
the rules alone are used.

``analyze_reply`` sees only the reply. ``analyze_transcript`` adds MITI-style totals and checks them against a
course's ``feedback_targets`` (see ``courses/README.md``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

LABELS = (
    "open_question",
    "closed_question",
    "reflection",
    "affirmation",
    "advice",
    "information",
    "minimizing",
    "judgment",
    "secrecy_promise",
    "self_disclosure",
)
RED_FLAGS = ("secrecy_promise", "judgment", "minimizing")
QUESTION_LABELS = ("open_question", "closed_question")

#: Used by ``analyze_transcript`` when no targets are given: the MITI 4 "fair" competency thresholds.
DEFAULT_TARGETS: dict[str, float] = {"reflections_per_question": 1.0, "complex_reflection_share": 0.4}

MODEL_PATH = Path(__file__).with_name("analyzer_model.json")

# Self-disclosure: first-person narrative longer than this many words (over at least two sentences).
SELF_DISCLOSURE_WORDS = 40


# --------------------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ReplyAnalysis:
    """What one reply does. ``notes`` has one human-readable line per label found (red flags first)."""

    labels: frozenset[str]
    notes: tuple[str, ...]
    complex_reflection: bool = False
    #: Model probabilities per head ("question", "open", "reflection", "complex", "advice", "information");
    #: empty when no model is loaded. Informative only.
    scores: tuple[tuple[str, float], ...] = ()

    @property
    def is_question(self) -> bool:
        return bool(self.labels & set(QUESTION_LABELS))

    @property
    def red_flags(self) -> frozenset[str]:
        return self.labels & frozenset(RED_FLAGS)


class TargetCheck(NamedTuple):
    """One feedback target: ``value`` against ``target`` (``>=`` for ratios and ``min_*``, ``<=`` for ``max_*``)."""

    name: str
    value: float | None
    target: float
    met: bool


class RedFlag(NamedTuple):
    reply_index: int
    label: str
    note: str


@dataclass(frozen=True)
class TranscriptFeedback:
    analyses: tuple[ReplyAnalysis, ...]
    counts: dict[str, int]
    questions: int
    reflections: int
    complex_reflections: int
    #: reflections / questions; None when there is no question.
    reflections_per_question: float | None
    #: complex reflections / reflections; None when there is no reflection.
    complex_reflection_share: float | None
    target_checks: list[TargetCheck] = field(default_factory=list)
    red_flags: tuple[RedFlag, ...] = ()

    @property
    def all_targets_met(self) -> bool:
        return all(check.met for check in self.target_checks)


# --------------------------------------------------------------------------------------------------------------
# Text normalisation and features (shared with tools/train_analyzer.py, which imports this module)

_BRACKETS = re.compile(r"\[[^\]]*\]")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": " - ", "\u2013": " - "})
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)?%?|\?")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\s+--+\s*|\s-\s")
_FILLERS = frozenset(
    "so and okay ok well yeah yes um uh uhm mm hmm mhm hm right alright now but then oh all oh ah like just "
    "gotcha sure great good".split()
)
_WH = frozenset("what how why when where who which whose whom".split())
_AUX = frozenset(
    "do does did are is am was were have has had can could would will should shall may might "
    "isn't aren't wasn't weren't don't doesn't didn't haven't hasn't hadn't can't couldn't wouldn't won't "
    "shouldn't".split()
)
_WH_NEXT = frozenset(
    "happened happens else about kind sort brings brought made makes helped helps led changed matters worries "
    "concerns would could might gets got comes came goes went stands stops keeps".split()
)
_WH_CONTRACTED = frozenset("what's how's where's who's why's when's what'd how'd what're".split())
_YOU = frozenset("you your you're you've you'd you'll yourself yours".split())
_ME = frozenset("i me my i'm i've i'd i'll myself mine".split())


def normalize(text: str) -> str:
    """Lower-case, straighten quotes, drop transcription marks such as ``[crosstalk]``."""
    text = _BRACKETS.sub(" ", (text or "").translate(_QUOTES)).lower()
    return " ".join(text.split())


def split_sentences(norm: str) -> list[str]:
    parts = [p.strip(" -,;:") for p in _SENTENCE_SPLIT.split(norm)]
    return [p for p in parts if p and _TOKEN.search(p)]


def tokens(sentence: str) -> list[str]:
    return _TOKEN.findall(sentence)


def _content_start(toks: list[str]) -> list[str]:
    """Tokens from the first word that is not a discourse filler ("so", "okay", "um", ...)."""
    i = 0
    while i < len(toks) - 1 and toks[i] in _FILLERS:
        i += 1
    return toks[i:]


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


class _Text:
    """A reply, normalised and split once, shared by the rules and the features."""

    __slots__ = ("raw", "norm", "sentences", "sent_tokens", "questions", "all_tokens")

    def __init__(self, raw: str):
        self.raw = raw or ""
        self.norm = normalize(self.raw)
        self.sentences = split_sentences(self.norm)
        self.sent_tokens = [tokens(s) for s in self.sentences]
        self.questions = [i for i, s in enumerate(self.sentences) if _is_question_sentence(s, self.sent_tokens[i])]
        self.all_tokens = [t for toks in self.sent_tokens for t in toks if t != "?"]


def features(
    text: str | _Text, previous: str | None = None, hits: Mapping[str, str | None] | None = None
) -> dict[str, float]:
    """Sparse binary features of a reply for the logistic-regression heads.

    ``previous`` (the other person's preceding line) is accepted for experiments; the shipped model does not use it.
    """
    t = text if isinstance(text, _Text) else _Text(text)
    feats: dict[str, float] = {}
    words = t.all_tokens
    n_words = len(words)
    feats["len=" + _bucket(n_words, (0, 1, 2, 4, 7, 12, 20, 35))] = 1.0
    feats["nsent=" + _bucket(len(t.sentences), (1, 2, 3))] = 1.0
    for si, toks in enumerate(t.sent_tokens):
        toks_nq = [w for w in toks if w != "?"]
        if not toks_nq:
            continue
        seq = ["<s>", *toks_nq, "</s>"] if toks[-1] != "?" else ["<s>", *toks_nq, "<q>"]
        for w in toks_nq:
            feats["w=" + w] = 1.0
        for a, b in zip(seq, seq[1:], strict=False):
            feats["b=" + a + "_" + b] = 1.0
        start = _content_start(toks_nq)
        feats["s0=" + start[0]] = 1.0
        if len(start) > 1:
            feats["s01=" + start[0] + "_" + start[1]] = 1.0
        if si in t.questions:
            feats["q0=" + start[0]] = 1.0
            if len(start) > 1:
                feats["q01=" + start[0] + "_" + start[1]] = 1.0
        if si == len(t.sent_tokens) - 1:
            feats["l0=" + start[0]] = 1.0
    stripped = t.norm.rstrip(" .\"'")
    if stripped.endswith("?"):
        feats["end?"] = 1.0
    elif stripped.endswith("-"):
        feats["end-"] = 1.0
    if "?" in t.norm:
        feats["has?"] = 1.0
    if t.questions:
        feats["qsent"] = 1.0
        i = t.questions[-1]
        feats["qsub=" + str(_question_subtype(t.sentences[i], t.sent_tokens[i]))] = 1.0
    n_you = sum(1 for w in words if w in _YOU)
    n_me = sum(1 for w in words if w in _ME)
    feats["you=" + _bucket(n_you, (0, 1, 2, 4))] = 1.0
    feats["me=" + _bucket(n_me, (0, 1, 3))] = 1.0
    if any(ch.isdigit() for ch in t.norm):
        feats["digit"] = 1.0
    for name, found in (hits if hits is not None else _rule_hits(t)).items():
        if found:
            feats["R:" + name] = 1.0
    if previous is not None:
        prev_words = set(tokens(normalize(previous))) - _STOP
        content = [w for w in words if w not in _STOP]
        if content and prev_words:
            share = sum(1 for w in content if w in prev_words) / len(content)
            feats["ctx=" + str(min(int(share * 4), 3))] = 1.0
        if previous.strip().endswith("?"):
            feats["ctx_q"] = 1.0
    return feats


_STOP = frozenset(
    "a an the and or but so to of in on at for with about from by as is are was were be been being it its it's "
    "that that's this these those there here i you he she we they me him her us them my your his our their "
    "do does did have has had not no yes yeah okay ok um uh mm hmm just really very like know think".split()
)


# --------------------------------------------------------------------------------------------------------------
# Rules


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_OPEN_PROMPT = _rx(
    r"^(?:(?:so|and|okay|ok|well|now|yeah|alright|um|uh),?\s+)*(?:can|could|would|will) you (?:please )?"
    r"(?:tell me|say (?:a bit |a little )?more|share|describe|talk (?:to me )?(?:a bit |a little )?(?:more )?about|"
    r"help me understand|walk me through|give me an example)",
    r"^(?:(?:so|and|okay|ok|well|now|yeah|alright|um|uh|please),?\s+)*(?:tell me|say (?:a bit |a little )?more|"
    r"talk (?:to me )?(?:a bit |a little )?(?:more )?about|walk me through|help me understand|describe|"
    r"share (?:a bit |a little )?(?:more )?(?:about|with me)|give me an example|fill me in)",
    r"\bi(?:'m| am) (?:curious|wondering|interested) (?:about|what|how|why|where|when|who|in hearing)",
    r"\bi wonder (?:what|how|why|where|when|who)",
    r"\bi(?:'d| would) (?:love|like) to (?:hear|know|understand|learn) (?:more|about|what|how|why)",
)
_CLOSED_PROMPT = _rx(
    r"\bi(?:'m| am) (?:curious|wondering) (?:if|whether)\b",
    r"\bi wonder (?:if|whether)\b",
)
_OPEN_START = frozenset("what how why tell describe walk help say talk share explain".split())
_CLOSED_HOW = re.compile(r"^how (?:many|much|often|long|old|far|soon|come)\b")
_TAG_QUESTION = re.compile(
    r"(?:,|\b(?:is|was|does|did|do|are|were|have|has|would|will|can|could)n't (?:it|that|you|they|he|she|there|we)"
    r"|\bright|\bcorrect|\bokay|\bok|\byeah|\bno)\s*\?$"
)

_STOCK_REFLECTION = _rx(
    r"\b(?:it|this|that) (?:sounds|seems|feels) (?:like|as if|as though)\b",
    r"\bsounds? (?:like|as if) you\b",
    r"\bit (?:seems|sounds|looks) (?:that|to me that|to me like)? ?you\b",
    r"\byou seem (?:to|like|really|pretty|quite|so|very|a bit|kind of|\w+ed\b)",
    r"\b(?:so|and) (?:what )?you(?:'re| are) saying\b",
    r"\bwhat i(?:'m| am) hearing\b",
    r"\bi(?:'m| am)? hearing (?:you|that)\b",
    r"\bi (?:can )?hear (?:you|that|how|what|the)\b",
    r"\bi can (?:see|tell|hear) (?:that |how (?:much )?)?(?:you|you're|you've|this|it)\b",
    r"\bif i(?:'m| am)? (?:understand|understanding|hearing) (?:you|this|that|correctly|right)",
    r"\byou(?:'re| are)? (?:feel|feeling|felt)\b",
    r"\byou(?:'ve| have) been feeling\b",
    r"^(?:(?:and|but|yeah|okay|ok|well|mm|hmm),?\s+)*so,? you\b",
    r"\bpart of you\b",
    r"\bon (?:the )?one hand\b",
    r"\bno wonder you\b",
    r"\b(?:that|it) must (?:be|have been|feel)\b",
    r"\bit makes sense (?:that|you|why)\b",
    r"\bthat(?:'s| is| has been| sounds?) (?:so |really |very |incredibly |pretty |a lot |such )*"
    r"(?:hard|painful|difficult|tough|scary|frightening|exhausting|overwhelming|lonely|frustrating|heavy|rough|"
    r"upsetting|confusing|stressful|heartbreaking|a lot to carry|a lot)\b",
)
_EMOTION = (
    r"(?:angry|mad|anxious|afraid|scared|terrified|frightened|worried|frustrated|overwhelmed|exhausted|tired|sad|"
    r"lonely|alone|hopeless|helpless|hurt|ashamed|embarrassed|guilty|stuck|torn|confused|nervous|stressed|upset|"
    r"disappointed|relieved|proud|excited|hopeful|unsure|uncertain|fed up|worn (?:out|down)|drained|discouraged|"
    r"isolated|betrayed|trapped|numb|lost|grieving|heartbroken|resentful|irritated|annoyed|desperate|worthless|"
    r"determined|motivated|conflicted|ambivalent|uneasy|on edge|jealous|let down|left out|invisible|ignored|"
    r"judged|tense|restless|down|low|empty|ready|done|struggling|grateful|happy|pleased|glad|surprised|shocked|"
    r"sick of|tired of|angry at|mad at|worried about|afraid of|scared of|exhausted by|frustrated with|"
    r"disappointed in|proud of|ashamed of)"
)
_FEELING_REFLECTION = re.compile(
    r"\byou(?:'re| are|'ve been| have been| were| seem| sound| felt| feel)? (?:really |pretty |so |quite |very |"
    r"kind of |sort of |a bit |a little |a little bit |still |also |both |just |starting to feel |getting )*"
    + _EMOTION
    + r"\b"
)
# A declarative sentence about the person ("You'd rather keep the job.", "Your sister's visits wear you down.").
_YOU_STATEMENT = re.compile(
    r"^(?:(?:and|but|so|yeah|okay|ok|well|mm|hmm|mm-hmm|right|now|sounds like|like),?\s+)*"
    r"(?:you|your|you're|you've|you'd|you'll|yourself)\b"
)
_COMPLEX_CUE = _rx(
    r"\bpart of you\b",
    r"\bon (?:the )?one hand\b",
    r"\b(?:even though|even if|and yet|at the same time|underneath|deep down)\b",
    r"\byou(?:'re| are) (?:wondering|not sure|torn|afraid|worried|scared|hoping|ready)\b",
    r"\bit(?:'s| is) (?:like|as if)\b",
    r"\b(?:important|matters|means a lot|values?|care about|cares about)\b",
    r"\bmaybe (?:you|it)\b",
    r"\bwhat you really want\b",
    r"\bno wonder\b",
    r"\bit makes sense\b",
    _FEELING_REFLECTION.pattern,
)

_AFFIRMATION = _rx(
    r"\byou(?:'ve| have) (?:really |clearly |already |also )*"
    r"(?:worked (?:so |really )?hard|been working (?:so |really )?"
    r"hard|done (?:a lot|so much|a great|an amazing|really well|well|the hard)|made (?:real |a lot of |so much |"
    r"some )?(?:progress|changes|a big step|it through)|come (?:a long way|so far)|shown|put (?:in )?(?:a lot|so much)|"
    r"managed to|kept (?:going|at it|trying)|taken (?:a big|an important|a brave|the first)|survived|stuck with|"
    r"been (?:so |really )?(?:brave|strong|honest|persistent|resourceful)|handled|stayed (?:sober|committed))",
    r"\b(?:that|it|this) (?:took|takes) (?:a lot of |real |so much |some )?(?:courage|guts|strength|bravery|"
    r"determination|commitment|effort|work)\b",
    r"\b(?:that|it|this) (?:took|takes) a lot\b",
    r"\byou(?:'re| are) (?:really |so |very |clearly |obviously |such |a )*"
    r"(?:strong|brave|resourceful|committed|determined|resilient|persistent|courageous|capable|thoughtful|caring|"
    r"survivor|fighter|a good (?:dad|mom|father|mother|friend|parent))\b",
    r"\bi (?:really )?admire\b",
    r"\byou (?:should|can|could) be (?:really |very )?proud\b",
    r"\bi(?:'m| am) (?:really |so |very )?(?:impressed|proud of you)\b",
    r"(?<!be )(?<!it's )\bgood for you\b(?! to\b)|\bwell done\b|(?<!a )(?<!the )\b(?:great|good) job\b|\bnice work\b",
    r"\b(?:that's|that is|what) (?:a |such a )?(?:big|huge|real|great|important|brave|courageous) "
    r"(?:step|accomplishment|achievement|strength|thing to do)\b",
    r"\bshows? (?:how much you|that you (?:care|really|are|have)|real (?:strength|courage)|a lot of (?:strength|"
    r"courage|commitment))",
    r"\byour (?:strength|courage|commitment|determination|persistence|honesty|effort|resilience|hard work)\b",
    r"\bthank you for (?:sharing|telling me|trusting|being (?:so )?(?:honest|open)|opening up)\b",
    r"\bthanks for (?:sharing|telling me|trusting|being (?:so )?(?:honest|open)|opening up)\b",
)

# Advice in any sentence, questions included ("Have you tried ...?", "Why don't you ...?").
_ADVICE_ANY = _rx(
    r"\byou (?:really |just |probably |definitely |absolutely |honestly |seriously )*(?:should(?!n't)|ought to|"
    r"had better|'d better)\b(?! be (?:really |very |so )?proud)",
    r"\bshouldn't you\b",
    r"\byou'd (?:really |just )?(?:better|be better off)\b",
    r"\bhave you (?:ever )?(?:tried|considered \w+ing|thought (?:about|of) \w+ing)\b",
    r"\bwhy (?:don't|do not|can't) you\b",
    r"\bwhy not (?:just )?\w+",
    r"\bi (?:would |'d |really |strongly |just )?(?:suggest|recommend|advise|urge)\b",
    r"\bi'd (?:suggest|recommend|advise)\b",
    r"\bmy (?:advice|suggestion|recommendation)\b",
    r"\bif i were you\b",
    r"\bwhat if you (?:tried|just|started|stopped|went|called|talked)\b",
    r"\b(?:can't|couldn't) you just\b",
    r"^(?:(?:so|and|well|okay|ok|then|but),?\s+)*maybe (?:just )?try\b",
)
# Advice only in statements: in a question these ask about the person's situation ("Do you need to work?",
# "Is there anyone you could talk to?").
_ADVICE_STATEMENT = _rx(
    r"\byou (?:really |just |probably |definitely |absolutely |honestly |seriously )*(?:need to|have to|must|gotta|"
    r"got to|better)\b",
    r"\bwhat you (?:need|have|ought|should|want) (?:to do )?is\b",
    r"\bthe (?:best|only|first) thing (?:to do |you can do |you should do |for you )?is\b",
    r"\bmake sure (?:you|to)\b",
    r"\b(?:you|maybe you) (?:could|might|can) (?:always |just |also )?(?:try|consider|start|stop|go|get|join|"
    r"think about|cut|take|talk to|switch|use|avoid|quit)\b",
    r"\byou might want to\b",
    r"\bit (?:might|would|could|may) (?:help|be (?:good|better|a good idea|helpful|wise)) (?:to|if you|for you to)\b",
    r"\bit'd (?:help|be (?:good|better|a good idea|helpful)) (?:to|if you)\b",
    r"\btry (?:to|not to|and|some|a|an|the|this|that|it|out|\w+ing)\b",
    r"\bjust (?:ignore|get over|relax|stop|try|move on|let it go|focus|tell (?:him|her|them))\b",
    r"^(?:(?:so|and|well|okay|ok|now|then|but|honestly|maybe),?\s+)*(?:please |just |definitely |really )?"
    r"(?:go|stop|take (?!your time)|get|quit|avoid|start|put|drink|eat|exercise|sleep|breathe|relax|leave|find|write|"
    r"keep|cut|join|ask|delete|block|throw|pour|tell (?:him|her|them|your)|don't (?!worry)(?!know)\w+|do not \w+|"
    r"never \w+|think about|remember to|consider|focus on)\b",
)
_ADVICE = re.compile(_ADVICE_ANY.pattern + "|" + _ADVICE_STATEMENT.pattern)
_DISGUISED_ADVICE = re.compile(
    r"\bwhy (?:don't|do not|can't|cannot|wouldn't) you\b|\bwhy not\b"
    r"|^(?:(?:so|and|well|okay|ok),?\s+)*maybe (?:just )?try\b"
)
# A bare acknowledgement ("Yeah, I get that.") gives neither information nor advice.
_ACKNOWLEDGEMENT = re.compile(
    r"^(?:(?:yeah|yes|okay|ok|right|sure|mm-hmm|mm|hmm|uh-huh|oh|ah|wow|so),?\s*)*"
    r"(?:i (?:get|see|understand|hear|know)(?: (?:that|it|you|what you mean))?|got it|(?:that )?makes sense|of course)"
    r"[\s.!]*$"
)
# Autonomy support and collaboration ("You don't have to decide today", "Let's look at it together"): not reflections.
_AUTONOMY = _rx(
    r"\byou (?:don't|do not) have to\b",
    r"\b(?:it's|it is) (?:okay|ok|alright|all right|fine) (?:to|if)\b",
    r"\b(?:up to you|your (?:choice|call|decision)|take your time|no rush|no pressure)\b",
    r"^(?:(?:so|and|well|okay|ok|now|maybe),?\s+)*(?:let's|let us|we (?:could|can) (?:try|look|talk|start|work))\b",
)
_ADVICE_EXCLUDE = re.compile(r"\byou don't have to\b|\byou do not have to\b|\bup to you\b")

_INFORMATION = _rx(
    r"\b(?:research|studies|evidence|data|science) (?:shows?|suggests?|says|has shown|have shown|tells us)\b",
    r"\b(?:studies|research) (?:found|find)\b",
    r"\b988\b",
    r"\b(?:life ?line|hotline|crisis (?:line|text line|center|team)|warm ?line|helpline)\b",
    r"\b(?:is|are|it's|that's) (?:really |very |quite |pretty |so |actually )?(?:common|normal|typical|usual) "
    r"(?:for|to|when|after|in|among|with)\b",
    r"\b(?:many|most|a lot of|lots of) (?:people|folks|others|of us)(?: in recovery)? (?:find|experience|have|feel|"
    r"go through|struggle|notice|say|report|get)\b",
    r"\b(?:there's|there is|there are) (?:a |an |some |several |free |local |peer )*(?:support )?(?:group|program|"
    r"service|meeting|class|clinic|resource|app|number|line|option)s?\b",
    r"\b(?:the|our|this) (?:program|group|clinic|center|centre|service|meeting|team|class)e?s? "
    r"(?:offers?|meets?|has|have|runs?|is open|is available|provides?|starts?)\b",
    r"\b(?:is|are) (?:available|open|free) (?:24|around the clock|any ?time|every|on|to)\b",
    r"\byou can (?:call|text|reach|find|get|chat|contact|visit|sign up|come|drop in)\b",
    r"\b(?:confidential|confidentiality|private|privacy)\b.*\b(?:except|unless|limits?|exceptions?)\b",
    r"\b(?:mandated|mandatory) report",
    r"\bi (?:would |'d |will |'ll )?(?:have|need) to (?:tell|share|report|let|involve|call|contact)\b",
    r"\b(?:hipaa|42 cfr|the law requires|by law)\b",
    r"\bside effects?\b",
    r"\b\d+(?:\.\d+)? ?(?:%|percent)\b",
    r"\bwhat (?:helped|worked for) me\b",
)

_MINIMIZING = _rx(
    r"(?:^|[,;] |\band |\bbut |\bwell,? )at least (?:you|your|it|it's|he|she|they|we|that|this|there|the|nobody|"
    r"no one|nothing)\b",
    r"\b(?:it|things|that|this) could (?:always )?(?:be|have been) (?:a lot |much |so much )?worse\b",
    r"\bcould be worse\b",
    r"\b(?:don't|do not|dont|no need to|try not to) (?:you )?worry\b",
    r"\bstop worrying\b",
    r"\b(?:it's|it is|that's|that is|it isn't|it's really) (?:not|nothing) (?:that|so|all that|really) "
    r"(?:bad|serious|big|hard)\b",
    r"\b(?:it's|that's|it is|that is) not (?:a|such a) big deal\b",
    r"\b(?:it's|that's) no big deal\b",
    r"\blook (?:on|at) the bright side\b",
    r"\bcheer up\b",
    r"\b(?:you'll|you will|it'll|it will|everything will|everything'll|things will|you're going to|it's going to|"
    r"everything's going to) (?:all )?(?:be|turn out) (?:just )?(?:fine|okay|ok|alright|all right|great)\b",
    r"\beverything happens for a reason\b",
    r"\b(?:other|some|many|lots of) people have it (?:a lot |much |way )?(?:worse|harder)\b",
    r"\b(?:just )?(?:think|stay|be) positive\b",
    r"\b(?:just )?(?:get|move) over it\b",
    r"\b(?:it's|that's|it is) (?:just |all )?(?:a phase|in your head)\b",
    r"\bcalm down\b",
    r"\byou(?:'re| are) (?:just )?over ?thinking\b",
    r"\beveryone (?:feels|goes through|gets|has) (?:that|this|like that|sad|anxious|down|it)\b",
    r"\b(?:it's|it is) not the end of the world\b",
    r"\bcount your blessings\b",
    r"\byou(?:'re| are) (?:so |really )?lucky\b",
    r"\bi know exactly how you feel\b",
    r"\bi(?:'ve| have) been through (?:much |a lot |way )?worse\b",
)

_LABEL_TERMS = (
    r"addicts?|junkies?|druggies?|alcoholics|(?:an|the|a|typical|functioning) alcoholic"
    r"(?! (?:drinks?|beverages?|content|parents?))|crackheads?|tweakers?|drunks|(?:a|an|the|old) drunk(?! driv)|"
    r"schizophrenics?|psychos?|psychotics?|lunatics?|maniacs?|nut ?jobs?|nutcases?|retards?|"
    r"the (?:mentally ill|insane)|(?:a|the) bipolar|bipolars|borderlines?|frequent flyers?"
)
# Labels that define a person by a diagnosis or substance use, and clinical jargon: always flagged, even when quoted.
_JUDGMENT_LABELS = _rx(
    r"\b(?:" + _LABEL_TERMS + r")\b",
    r"\bnon-? ?compliant\b|\bnot (?:being )?compliant\b|\bnoncompliance\b|\bnon-compliance\b",
    r"\b(?:in denial|drug[- ]seeking|attention[- ]seeking|manipulative|drama queen)\b",
    r"\bcommitted suicide\b",
    r"\b(?:stay|stayed|staying|get|getting|got|been|are you|were you|you're|you were|still|be) clean\b",
    r"\bdirty (?:urine|drug test|test|screen|ua|sample)\b",
    r"\b(?:test|tested|came back|urine) (?:was |is |came back )?dirty\b",
    r"\bmental case\b",
)
# Judging words and blaming questions; not flagged when the trainee reports what others think ("you worry people
# will think you're crazy").
_JUDGMENT_WORDS = _rx(
    r"\b(?:you're|you are|you sound|you seem|you're being|you were being|that's|that is|that was|this is|how|it's|"
    r"he's|she's|they're|sounds) (?:so |really |totally |just |being |kind of |a bit |pretty |completely |absolutely )*"
    r"(?:crazy|insane|nuts|mental|dramatic|overdramatic|hysterical|paranoid|irrational|unreasonable|childish|lazy|"
    r"weak|selfish|stupid|dumb|ridiculous|pathetic|disgusting|irresponsible|immature|silly|foolish|a mess|"
    r"too sensitive|oversensitive|overreacting|out of your mind|out of control|wrong to feel)\b",
    r"\b(?:you're|you are) (?:just |totally |completely )?overreacting\b",
    r"\bwhat were you thinking\b",
    r"\bhow could you (?:do|say|let|be so|even|ever|possibly|think)\b",
    r"\bwhy (?:would|on earth would|in the world would) you (?:ever )?\w+",
    r"\bshame on you\b",
    r"\byou should (?:be ashamed|know better)\b",
)
# "You might worry people think you're crazy" reports another's judgment; do not flag those.
_JUDGMENT_REPORTED = re.compile(
    r"\b(?:think|thinks|thought|call|called|calls|say|says|said|labelled|labeled|treat|treated|feel like|worry|worried|"
    r"afraid|scared)\b[^.?!]{0,30}$"
)

_SECRECY = _rx(
    r"\bi(?:'ll| will| would|'d)? (?:never|not ever) (?:ever )?(?:tell|share|repeat|say|report|breathe a word)\b",
    r"\bi (?:won't|will not|wouldn't|would not) (?:ever )?(?:tell|share|repeat|say|report|mention)"
    r"(?: (?:it|this|that|anything|a word|what you (?:say|said|tell me|told me)))?(?: (?:to|with))? "
    r"(?:anyone|anybody|a soul|a single person|another person|your|the|a word)",
    r"\bi (?:won't|will not) (?:ever )?tell\b[^.?!]*\b(?:ever|no matter what|whatever|promise)\b",
    r"\bi (?:promise|swear|guarantee)[^.?!]{0,30}\b(?:won't|will not|never|not to|nobody|no one|no-one)\b",
    r"\b(?:this|it|that|everything|anything|what you (?:say|tell me|share)|whatever you (?:say|tell me|share)|"
    r"your secret)(?:'s| is| will| stays| will stay| is going to stay| remains| will remain| stay| is staying)"
    r"(?: stay| staying| remain)? (?:just |strictly |completely |totally )?(?:between (?:us|you and me|the two of us)|"
    r"with me|safe with me|our (?:little )?secret)",
    r"\b(?:your|the) secret(?:'s| is) safe\b",
    r"\b(?:no one|nobody|no-one) (?:will|is going to|'ll|would) (?:ever )?(?:know|find out|hear)\b",
    r"\bi(?:'ll| will) keep (?:it|this|that|your secret|everything|anything|whatever|what you)[^.?!]{0,25}"
    r"(?:secret|to myself|between us|confidential|private)\b",
    r"\b(?:completely|totally|100%|100 percent|absolutely|always) (?:confidential|private|secret)\b[^.?!]{0,25}"
    r"\b(?:no matter what|whatever|always|ever|guarantee)",
    r"\bno matter what you (?:say|tell me|share|do)\b[^.?!]{0,40}\b(?:stay|stays|keep|secret|tell|between|private)",
    r"\b(?:stays?|keep|kept|secret|private|between us)\b[^.?!]{0,30}\bno matter what\b",
    r"\b(?:it|this|that|nothing|what you say)(?:'ll| will|'s| is)? (?:not |never )?(?:won't |will not |never )?"
    r"leave(?:s)? (?:this|the) room\b",
    r"\bwhat(?:'s| is) said here stays here,? (?:no matter what|always|forever|i promise|guaranteed)\b",
)
_SECRECY_SAFE = _rx(
    r"\b(?:can't|cannot|can not|won't|will not|couldn't|not able to|unable to|never) (?:ever )?(?:promise|guarantee)\b",
    r"\bcan't keep\b|\bcannot keep\b|\bwon't keep\b|\bnot keep (?:it|that|this) (?:a )?secret\b",
    r"\b(?:unless|except|exception|exceptions|limits?|but if|if you(?:'re| are) (?:at risk|in danger|going to|"
    r"thinking (?:of|about) (?:hurting|harming|killing))|safety|at risk|harm|hurt (?:yourself|someone)|mandated|"
    r"required to|have to (?:report|tell|share)|need to (?:report|tell|share)|988)\b",
)

_LISTENING_I = re.compile(
    r"^(?:(?:so|and|okay|ok|well|yeah|now|but|um|uh),?\s+)*(?:i (?:hear|wonder|notice|see|get|understand|appreciate|"
    r"want to (?:make sure|check|understand|hear)|would like to|just want to check|can (?:see|hear|tell)|"
    r"think you|believe you|know (?:that|this|it)|will)|i'm (?:hearing|wondering|curious|glad|sorry|not sure|here|"
    r"noticing|going to)|i am (?:hearing|wondering|curious|glad|sorry|here)|i'd (?:like|love) to|let me)\b"
)
# A line of the speaker's own story: "I" as the subject of a past or personal-history verb, "when I ...",
# "my recovery", "years ago" - not "I noticed ...", "I was wondering ...", "I think ...".
_NARRATIVE = _rx(
    r"\bi (?:was|were|had|used to|went|got|did|felt|started|stopped|lost|spent|tried|found|struggled|relapsed|drank|"
    r"used|grew up|moved|left|quit|ended up|couldn't|didn't|wasn't|hit|remember when)\b"
    r"(?! (?:wondering|thinking|hoping|going to|gonna|just|curious|concerned|worried about you|noticing|told|asked))",
    r"\bi(?:'ve| have) (?:been (?:sober|clean|in recovery|through|there|in your shoes)|struggled|lost|relapsed)\b",
    r"\bwhen i (?:was|first|started|got|had|finally|hit|lost|went)\b",
    r"\bmy (?:own )?(?:recovery|story|addiction|drinking|using|depression|anxiety|diagnosis|illness|trauma|"
    r"childhood|divorce|ex|first (?:year|time|meeting)|family|mom|dad|mother|father|parents|wife|husband|partner|"
    r"kids?|son|daughter|brother|sister|sponsor)\b",
    r"\b(?:years|months) ago\b|\bback then\b|\bback in the day\b",
)


def _is_question_sentence(sentence: str, toks: list[str]) -> bool:
    if sentence.rstrip(" .\"'").endswith("?"):
        return True
    if _OPEN_PROMPT.search(sentence) or _CLOSED_PROMPT.search(sentence):
        return True
    words = [w for w in toks if w != "?"]
    start = _content_start(words)
    # A leading question word without the mark ("What happened then.", "How are things at home."), but not a
    # statement such as "What you tell me stays here" or "How I see it is ...".
    if len(start) > 2 and not sentence.endswith("-"):
        if start[0] in _WH and (start[1] in _AUX or start[1] in _WH_NEXT):
            return True
        if start[0] in _WH_CONTRACTED:
            return True
    return False


def _leading_question_word(toks: list[str]) -> bool:
    words = _content_start([w for w in toks if w != "?"])
    return bool(words) and (
        words[0] in _WH or words[0] in _AUX or words[0] in _OPEN_START or words[0] in _WH_CONTRACTED
    )


def _question_subtype(sentence: str, toks: list[str]) -> str | None:
    """'open', 'closed' or None (undecided) for one question sentence, from its form alone."""
    if _OPEN_PROMPT.search(sentence):
        return "open"
    if _CLOSED_PROMPT.search(sentence):
        return "closed"
    words = _content_start([w for w in toks if w != "?"])
    if not words:
        return None
    head = " ".join(words[:3])
    if _CLOSED_HOW.match(head):
        return "closed"
    if words[0] in _OPEN_START:
        return "open"
    if words[0] in _AUX:
        return "closed"
    if _TAG_QUESTION.search(sentence):
        return "closed"
    return None


def _match(pattern: re.Pattern[str], sentences: Iterable[str]) -> str | None:
    for s in sentences:
        m = pattern.search(s)
        if m:
            return m.group(0).strip(" ,")
    return None


def _rule_hits(t: _Text) -> dict[str, str | None]:
    """Rule matches per family: the matched phrase (truthy) or None."""
    statements = [s for i, s in enumerate(t.sentences) if i not in t.questions]
    hits: dict[str, str | None] = {}
    hits["open_prompt"] = _match(_OPEN_PROMPT, t.sentences)
    # A question by its form: a question mark after a leading question word or auxiliary ("Did you ...?").
    hits["clear_question"] = next(
        (
            t.sentences[i]
            for i in t.questions
            if t.sentences[i].endswith("?")
            and _question_subtype(t.sentences[i], t.sent_tokens[i])
            and not _STOCK_REFLECTION.search(t.sentences[i])
        ),
        None,
    )
    reflective = [s for s in statements if not _MINIMIZING.search(s)]
    hits["stock_reflection"] = _match(_STOCK_REFLECTION, reflective)
    # "So you're feeling stuck?": a reflection with a question mark, not "How are you feeling about it?".
    hits["stock_reflection_q"] = _match(
        _STOCK_REFLECTION,
        [t.sentences[i] for i in t.questions if not _leading_question_word(t.sent_tokens[i])],
    )
    hits["feeling_reflection"] = _match(_FEELING_REFLECTION, reflective)
    hits["you_statement"] = _match(_YOU_STATEMENT, statements)
    hits["complex_cue"] = _match(_COMPLEX_CUE, statements)
    hits["affirmation"] = _match(_AFFIRMATION, t.sentences)
    hits["advice"] = _match(_ADVICE_ANY, t.sentences) or _match(
        _ADVICE_STATEMENT, [_ADVICE_EXCLUDE.sub(" ", s) for s in statements]
    )
    hits["information"] = _match(_INFORMATION, statements)
    hits["minimizing"] = _match(_MINIMIZING, t.sentences)
    hits["judgment"] = _judgment(t)
    hits["secrecy"] = _secrecy(t)
    return hits


def _judgment(t: _Text) -> str | None:
    for s in t.sentences:
        found = _judgment_in(s)
        if found:
            return found
    return None


def _judgment_in(sentence: str) -> str | None:
    m = _JUDGMENT_LABELS.search(sentence)
    if m:
        return m.group(0).strip(" ,")
    for m in _JUDGMENT_WORDS.finditer(sentence):
        if not _JUDGMENT_REPORTED.search(sentence[: m.start()]):
            return m.group(0).strip(" ,")
    return None


def _secrecy(t: _Text) -> str | None:
    found = _match(_SECRECY, t.sentences)
    if found and not _SECRECY_SAFE.search(t.norm):
        return found
    return None


def _self_disclosure(t: _Text) -> int:
    """Words in first-person sentences of a personal story (0 unless > SELF_DISCLOSURE_WORDS with 2+ story lines)."""
    n_words = 0
    n_story = 0
    for s, toks in zip(t.sentences, t.sent_tokens, strict=True):
        words = [w for w in toks if w != "?"]
        if not any(w in _ME for w in words) or _LISTENING_I.search(s):
            continue
        n_words += len(words)
        if _NARRATIVE.search(s):
            n_story += 1
    return n_words if (n_story >= 2 and n_words > SELF_DISCLOSURE_WORDS) else 0


# --------------------------------------------------------------------------------------------------------------
# Learned heads


class _Head:
    __slots__ = ("weights", "intercept", "threshold_logit", "threshold")

    def __init__(self, spec: Mapping):
        self.weights: dict[str, float] = dict(spec["weights"])
        self.intercept = float(spec.get("intercept", 0.0))
        self.threshold = float(spec.get("threshold", 0.5))
        p = min(max(self.threshold, 1e-6), 1 - 1e-6)
        self.threshold_logit = math.log(p / (1 - p))

    def logit(self, feats: Mapping[str, float]) -> float:
        w = self.weights
        return self.intercept + sum(w.get(k, 0.0) * v for k, v in feats.items())

    def prob(self, feats: Mapping[str, float]) -> float:
        z = self.logit(feats)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def fires(self, feats: Mapping[str, float]) -> bool:
        return self.logit(feats) >= self.threshold_logit


# Decision settings (tools/train_analyzer.py cross-validates them).
NO_MARK_QUESTION_P = 0.6  # model probability needed for a question with no question form at all
COMPLEX_MODE = "model_or_cue"  # "model" | "model_and_cue" | "model_or_cue"
SHORT_REFLECTION_WORDS = 12  # a reflection this short, without a cue, needs SHORT_COMPLEX_P to count as complex
SHORT_COMPLEX_P = 0.6
NON_REFLECTIVE_INFORMATION = True  # an information sentence does not count as a reflection on the model's word


def _non_reflective(sentence: str, information: bool = True) -> bool:
    """A sentence that does something other than reflect (advice, judgment, minimizing, affirmation, information)."""
    return bool(
        _ADVICE.search(sentence)
        or _judgment_in(sentence)
        or _MINIMIZING.search(sentence)
        or _SECRECY.search(sentence)
        or (information and _INFORMATION.search(sentence))
        or _AUTONOMY.search(sentence)
        or (_AFFIRMATION.search(sentence) and not _FEELING_REFLECTION.search(sentence))
    )


HEADS = ("question", "open", "reflection", "complex", "advice", "information")


class Analyzer:
    """A reply analyzer; ``model`` is the parsed ``analyzer_model.json`` (or None for rules only)."""

    def __init__(self, model: Mapping | None = None):
        self.model = model
        heads = (model or {}).get("heads", {})
        self.heads: dict[str, _Head] = {name: _Head(spec) for name, spec in heads.items() if name in HEADS}
        # Decision settings travel with the weights they were validated with; module defaults otherwise.
        settings = (model or {}).get("settings", {})
        self.no_mark_question_p = float(settings.get("NO_MARK_QUESTION_P", NO_MARK_QUESTION_P))
        self.complex_mode = settings.get("COMPLEX_MODE", COMPLEX_MODE)
        self.non_reflective_information = bool(settings.get("NON_REFLECTIVE_INFORMATION", NON_REFLECTIVE_INFORMATION))

    # -- core -------------------------------------------------------------------------------------------------
    def decide(self, text: str, previous: str | None = None) -> tuple[set[str], bool, dict[str, str | None], dict]:
        """Labels, complex flag, rule hits and head probabilities; the notes are added by ``analyze``."""
        return self._decide(_Text(text), previous)

    def _decide(self, t: _Text, previous: str | None = None) -> tuple[set[str], bool, dict[str, str | None], dict]:
        hits = _rule_hits(t)
        labels: set[str] = set()
        probs: dict[str, float] = {}
        if not t.all_tokens:
            return labels, False, hits, probs
        feats = features(t, previous, hits) if self.heads else {}
        fired: dict[str, bool] = {}
        for name, head in self.heads.items():
            probs[name] = head.prob(feats)
            fired[name] = head.fires(feats)

        # Questions: the model, or a question by its form ("Did you ...?", "Tell me more about ...").
        if self.heads:
            by_model = fired.get("question", False)
            if by_model and not t.questions and "?" not in t.norm:
                # No question form at all ("What you share stays private ..."): ask the model to be surer.
                by_model = probs["question"] >= max(self.heads["question"].threshold, self.no_mark_question_p)
            is_question = by_model or bool(hits["open_prompt"] or hits["clear_question"])
        else:
            is_question = bool(t.questions)
        # "Why don't you call your sponsor?" is advice dressed as a question.
        if (
            t.questions
            and not hits["open_prompt"]
            and all(_DISGUISED_ADVICE.search(t.sentences[i]) for i in t.questions)
        ):
            is_question = False
        if is_question:
            subtype = None
            if hits["open_prompt"]:
                subtype = "open"  # "Tell me more ...", "Could you say more ...", "I'm curious what ..."
            elif "open" in fired:
                subtype = "open" if fired["open"] else "closed"
            else:
                for i in reversed(t.questions):  # the last question is the one the person will answer
                    subtype = _question_subtype(t.sentences[i], t.sent_tokens[i])
                    if subtype:
                        break
            labels.add(f"{subtype or 'closed'}_question")

        # Reflections: the model, or a stock phrase / feeling statement.
        phrase = hits["stock_reflection"] or hits["feeling_reflection"] or hits["stock_reflection_q"]
        if self.heads:
            reflection = fired.get("reflection", False)
            if reflection and not phrase:
                # The model fired without a phrase: a reply made only of advice, judgment, minimizing, affirmation,
                # information or questions does not pass for a reflection.
                statements = [s for i, s in enumerate(t.sentences) if i not in t.questions]
                reflection = any(not _non_reflective(s, self.non_reflective_information) for s in statements)
        else:
            reflection = bool(hits["you_statement"]) and not (hits["advice"] or hits["affirmation"] or hits["judgment"])
        reflection = reflection or bool(phrase)
        complex_reflection = False
        if reflection:
            labels.add("reflection")
            if "complex" in fired:
                if self.complex_mode == "model":
                    complex_reflection = fired["complex"]
                elif self.complex_mode == "model_and_cue":
                    complex_reflection = fired["complex"] and (bool(hits["complex_cue"]) or probs["complex"] >= 0.65)
                else:
                    complex_reflection = bool(hits["complex_cue"]) or fired["complex"]
                    if complex_reflection and not hits["complex_cue"] and len(t.all_tokens) <= SHORT_REFLECTION_WORDS:
                        # Short and without a cue of meaning or feeling: most are simple (64% in AnnoMI dev).
                        complex_reflection = probs["complex"] >= max(self.heads["complex"].threshold, SHORT_COMPLEX_P)
            else:
                complex_reflection = bool(hits["complex_cue"])

        if hits["affirmation"]:
            labels.add("affirmation")
        acknowledgement = bool(_ACKNOWLEDGEMENT.match(t.norm))
        if (fired.get("advice", False) and not _ADVICE_EXCLUDE.search(t.norm) and not acknowledgement) or hits[
            "advice"
        ]:
            labels.add("advice")
        story = bool(_self_disclosure(t))
        if (fired.get("information", False) and not acknowledgement and not story) or hits["information"]:
            labels.add("information")
        if hits["minimizing"]:
            labels.add("minimizing")
        if hits["judgment"]:
            labels.add("judgment")
        if hits["secrecy"]:
            labels.add("secrecy_promise")
        if story:
            labels.add("self_disclosure")
        return labels, complex_reflection, hits, probs

    def analyze(self, text: str, previous: str | None = None) -> ReplyAnalysis:
        t = _Text(text)
        labels, complex_reflection, hits, probs = self._decide(t, previous)
        notes = tuple(_note(label, hits, complex_reflection, t) for label in _NOTE_ORDER if label in labels)
        return ReplyAnalysis(
            labels=frozenset(labels),
            notes=notes,
            complex_reflection=complex_reflection,
            scores=tuple((name, round(p, 3)) for name, p in probs.items()),
        )


_NOTE_ORDER = (
    "secrecy_promise",
    "judgment",
    "minimizing",
    "self_disclosure",
    "advice",
    "open_question",
    "closed_question",
    "reflection",
    "affirmation",
    "information",
)


def _quote(phrase: str | None) -> str:
    return f"'{phrase}' " if phrase else ""


def _note(label: str, hits: Mapping[str, str | None], complex_reflection: bool, t: _Text) -> str:
    if label == "secrecy_promise":
        return (
            f"Red flag - secrecy promise: {_quote(hits['secrecy'])}promises absolute secrecy; explain the limits of "
            "confidentiality instead (risk of harm, abuse, what the law and your employer require)"
        )
    if label == "judgment":
        return (
            f"Red flag - judgment: {_quote(hits['judgment'])}labels or judges the person; use person-first, "
            "recovery-oriented language and describe what happened rather than who they are"
        )
    if label == "minimizing":
        return (
            f"Red flag - minimizing: {_quote(hits['minimizing'])}plays down what the person feels; validate first "
            '("that makes sense given ...") before any reassurance'
        )
    if label == "self_disclosure":
        return (
            f"Self-disclosure: about {_self_disclosure(t)} words about your own story; keep it brief and "
            'recovery-focused, then return the focus to the person ("what might fit for you?")'
        )
    if label == "advice":
        phrase = hits["advice"]
        return (
            f"Advice: {_quote(phrase)}tells the person what to do; try asking what they have considered, "
            "or ask permission before offering ideas"
        )
    if label == "open_question":
        return "Open question: invites the person to tell their story in their own words"
    if label == "closed_question":
        return (
            "Closed question: can be answered in a word; fine for facts and safety, "
            "but open questions and reflections keep the person talking"
        )
    if label == "reflection":
        phrase = _quote(hits["stock_reflection"] or hits["stock_reflection_q"] or hits["feeling_reflection"])
        if complex_reflection:
            return f"Complex reflection: {phrase}adds meaning or feeling to what the person said"
        return (
            f"Simple reflection: {phrase}gives back what the person said; "
            "a complex reflection would add the feeling or meaning you hear"
        )
    if label == "affirmation":
        phrase = _quote(hits["affirmation"])
        return f"Affirmation: {phrase}recognizes a strength or an effort; keep it genuine and specific"
    if label == "information":
        return (
            f"Information: {_quote(hits['information'])}gives facts or resources; check what the person already "
            "knows and ask what they make of it"
        )
    return label  # pragma: no cover


# --------------------------------------------------------------------------------------------------------------
# Public API


def load_model(path: str | Path = MODEL_PATH) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    return Analyzer(load_model())


def analyze_reply(text: str) -> ReplyAnalysis:
    """Label one reply on its own (the person's preceding line is not needed: in grouped cross-validation on AnnoMI it
    added under two F1 points for reflections, see ``tools/train_analyzer.py --context``)."""
    return default_analyzer().analyze(text)


def analyze_transcript(
    replies: list[str],
    targets: Mapping[str, float] | None = None,
    *,
    analyzer: Analyzer | None = None,
) -> TranscriptFeedback:
    """Analyse a trainee's replies and check MITI-style totals against ``targets``.

    ``targets`` are a course's ``feedback_targets``; ``None`` uses ``DEFAULT_TARGETS`` and ``{}`` checks nothing.
    Known keys: ``reflections_per_question`` and ``complex_reflection_share`` (value >= target),
    ``max_<label>`` (count <= target, e.g. ``max_advice``) and ``min_<label>`` (count >= target); other keys
    are ignored. When there is no question, ``reflections_per_question`` is None and counts as met if there is at
    least one reflection (the ratio is unbounded); when there is no reflection, ``complex_reflection_share`` is
    None and is not met.
    """
    engine = analyzer or default_analyzer()
    analyses = tuple(engine.analyze(r) for r in replies)
    counts = {label: sum(1 for a in analyses if label in a.labels) for label in LABELS}
    questions = (
        counts["open_question"]
        + counts["closed_question"]
        - sum(1 for a in analyses if {"open_question", "closed_question"} <= a.labels)
    )
    reflections = counts["reflection"]
    complex_reflections = sum(1 for a in analyses if "reflection" in a.labels and a.complex_reflection)
    rpq = reflections / questions if questions else None
    share = complex_reflections / reflections if reflections else None

    checks: list[TargetCheck] = []
    for name, target in (DEFAULT_TARGETS if targets is None else targets).items():
        if target is None:
            continue
        target = float(target)
        if name == "reflections_per_question":
            met = rpq >= target if rpq is not None else reflections > 0
            checks.append(TargetCheck(name, None if rpq is None else round(rpq, 3), target, met))
        elif name == "complex_reflection_share":
            met = share is not None and share >= target
            checks.append(TargetCheck(name, None if share is None else round(share, 3), target, met))
        elif name.startswith(("max_", "min_")) and name[4:] in counts:
            value = counts[name[4:]]
            met = value <= target if name.startswith("max_") else value >= target
            checks.append(TargetCheck(name, value, target, met))

    flags = tuple(
        RedFlag(i, label, note) for i, a in enumerate(analyses) for label, note in _label_notes(a) if label in RED_FLAGS
    )
    return TranscriptFeedback(
        analyses=analyses,
        counts=counts,
        questions=questions,
        reflections=reflections,
        complex_reflections=complex_reflections,
        reflections_per_question=rpq,
        complex_reflection_share=share,
        target_checks=checks,
        red_flags=flags,
    )


def _label_notes(analysis: ReplyAnalysis) -> list[tuple[str, str]]:
    ordered = [label for label in _NOTE_ORDER if label in analysis.labels]
    return list(zip(ordered, analysis.notes, strict=True))
