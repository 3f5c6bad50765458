"""Instant formative feedback on role-play replies (pure Python, no Flask, no database).

A trainee's reply is labelled with the helping behaviours it contains, MITI/OARS style: ``open_question`` /
``closed_question``, ``reflection`` (simple or complex), ``affirmation``, ``advice``, ``information``, and the red
flags ``minimizing``, ``judgment``, ``secrecy_promise`` and ``self_disclosure``.

The package, one job per module: ``text`` (normalising and splitting a reply), ``lexicon`` (the rules' word lists and
patterns), ``rules`` (which phrases a reply contains), ``features`` (sparse features for the learned heads),
``model`` (the heads' weights from ``model.json``, trained by ``tools/train_analyzer.py``), ``decisions`` (heads and
rules combined into labels), ``notes`` (the feedback lines) and ``transcript`` (totals against a course's
``feedback_targets``). See ``docs/analyzer.md`` for the model card.
"""

from .decisions import Analyzer
from .features import features
from .model import HEADS, MODEL_PATH, load_model
from .results import LABELS, QUESTION_LABELS, RED_FLAGS, RedFlag, ReplyAnalysis, TargetCheck, TranscriptFeedback
from .text import normalize, split_sentences, tokens
from .transcript import DEFAULT_TARGETS, analyze_reply, analyze_transcript, default_analyzer, reported_accuracy

__all__ = [
    "DEFAULT_TARGETS",
    "HEADS",
    "LABELS",
    "MODEL_PATH",
    "QUESTION_LABELS",
    "RED_FLAGS",
    "Analyzer",
    "RedFlag",
    "ReplyAnalysis",
    "TargetCheck",
    "TranscriptFeedback",
    "analyze_reply",
    "analyze_transcript",
    "default_analyzer",
    "features",
    "load_model",
    "normalize",
    "reported_accuracy",
    "split_sentences",
    "tokens",
]
