"""Research code on AnnoMI (not part of the LMS runtime): the analyzer measured against expert coders and a
rule-of-thumb baseline, and the agreement between AnnoMI's own annotators. Every function takes the data path.

Pure Python (no Flask, no database). ``evaluate(csv_path)`` reads the AnnoMI CSV described in
the data README, keeps the counsellor (``therapist``) utterances, deduplicates utterances coded by
several annotators (one annotator per utterance: the lowest ``annotator_id``), and returns precision, recall and
F1 per task for

- ``shipped_on_dev``: the shipped analyzer (weights in ``analyzer_model.json``). Its weights were fitted on this very
  development file, so these figures are optimistic;
- ``baseline``: a rule of thumb (question mark or leading question word; stock reflection phrases);
- ``cross_validated``: the honest figures, computed by ``tools/train_analyzer.py`` with cross-validation grouped by
  ``transcript_id`` (no transcript in both train and test, thresholds and regularisation chosen inside each training
  fold) and stored in the model file.

``format_report(metrics)`` renders the result as a plain-text table for the CLI.
"""

from __future__ import annotations

import csv
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from lms.roleplay.agreement import fleiss_kappa, interpret_kappa, percent_agreement, weighted_kappa
from lms.roleplay.analyzer import Analyzer, default_analyzer, normalize

#: task -> (description); gold labels come from the AnnoMI columns below.
TASKS = {
    "question": "question (any)",
    "open_question": "open question",
    "closed_question": "closed question",
    "reflection": "reflection (any)",
    "complex_reflection": "complex reflection",
    "advice": "advice",
    "information": "information",
}


@dataclass(frozen=True)
class Utterance:
    transcript_id: str
    utterance_id: int
    text: str
    previous: str | None  # the client's line just before, if the previous line is the client's
    gold: frozenset[str]
    mi_quality: str
    main: str = "other"  # main_therapist_behaviour


def _gold(row: Mapping[str, str]) -> frozenset[str]:
    gold = set()
    if row["question_exists"] == "True":
        gold.add("question")
        if row["question_subtype"] == "open":
            gold.add("open_question")
        elif row["question_subtype"] == "closed":
            gold.add("closed_question")
    if row["reflection_exists"] == "True":
        gold.add("reflection")
        if row["reflection_subtype"] == "complex":
            gold.add("complex_reflection")
    subtype = row["therapist_input_subtype"]
    if row["therapist_input_exists"] == "True" and subtype in ("advice", "information"):
        gold.add(subtype)
    return frozenset(gold)


def load_utterances(csv_path: str | Path) -> list[Utterance]:
    """Therapist utterances, one annotator per utterance (the lowest annotator_id), in transcript order."""
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    chosen: dict[tuple[str, int], dict[str, str]] = {}
    lines: dict[tuple[str, int], dict[str, str]] = {}
    for row in rows:
        key = (row["transcript_id"], int(row["utterance_id"]))
        current = lines.get(key)
        if current is None or int(row["annotator_id"]) < int(current["annotator_id"]):
            lines[key] = row
        if row["interlocutor"] == "therapist":
            current = chosen.get(key)
            if current is None or int(row["annotator_id"]) < int(current["annotator_id"]):
                chosen[key] = row
    out = []
    for key in sorted(chosen, key=lambda k: (int(k[0]), k[1])):
        row = chosen[key]
        prev = lines.get((key[0], key[1] - 1))
        out.append(
            Utterance(
                transcript_id=key[0],
                utterance_id=key[1],
                text=row["utterance_text"],
                previous=prev["utterance_text"] if prev and prev["interlocutor"] == "client" else None,
                gold=_gold(row),
                mi_quality=row.get("mi_quality", ""),
                main=row.get("main_therapist_behaviour") or "other",
            )
        )
    return out


# --------------------------------------------------------------------------------------------------------------
# Predictions


def analyzer_predictions(labels: Iterable[str], complex_reflection: bool) -> frozenset[str]:
    """Map analyzer labels to the evaluation tasks."""
    labels = set(labels)
    pred = {
        task for task in ("open_question", "closed_question", "reflection", "advice", "information") if task in labels
    }
    if labels & {"open_question", "closed_question"}:
        pred.add("question")
    if "reflection" in labels and complex_reflection:
        pred.add("complex_reflection")
    return frozenset(pred)


def predict(analyzer: Analyzer, utterances: Iterable[Utterance]) -> list[frozenset[str]]:
    out = []
    for u in utterances:
        labels, complex_reflection, _hits, _probs = analyzer.decide(u.text)
        out.append(analyzer_predictions(labels, complex_reflection))
    return out


_B_QWORDS = frozenset(
    "what how why when where who which whose do does did is are was were can could would will have has should "
    "tell describe".split()
)
_B_FILLERS = frozenset("so and okay ok well yeah um uh mm hmm right now but".split())
_B_OPEN = frozenset("what how why tell describe".split())
_B_REFLECTION = re.compile(
    r"\b(?:it sounds like|sounds like|it seems like|you seem|you feel|you're feeling|you are feeling|so you|"
    r"what i'm hearing|you're saying|you are saying)\b"
)
_B_ADVICE = re.compile(
    r"\b(?:you should|you need to|have you tried|why don't you|i suggest|i recommend|you could try)\b"
)
_B_INFORMATION = re.compile(r"\d|\b(?:research|studies|percent|recommended|guidelines|information)\b")
_B_WORD = re.compile(r"[a-z']+")


def baseline_predict(text: str) -> frozenset[str]:
    """The rule of thumb: a question mark or leading question word; stock phrases for reflections and advice."""
    norm = normalize(text)
    words = _B_WORD.findall(norm)
    pred = set()
    if "?" in norm or (words and words[0] in _B_QWORDS):
        pred.add("question")
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", norm) if "?" in s] or [norm]
        first = [w for w in _B_WORD.findall(sentences[-1]) if w not in _B_FILLERS]
        pred.add("open_question" if first and first[0] in _B_OPEN else "closed_question")
    if _B_REFLECTION.search(norm):
        pred.add("reflection")
    if _B_ADVICE.search(norm):
        pred.add("advice")
    if _B_INFORMATION.search(norm):
        pred.add("information")
    return frozenset(pred)


# --------------------------------------------------------------------------------------------------------------
# Metrics


def prf(gold: list[frozenset[str]], pred: list[frozenset[str]], tasks: Iterable[str] = TASKS) -> dict[str, dict]:
    """Precision, recall, F1, support (gold positives) and predicted positives per task."""
    out = {}
    for task in tasks:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if task in g and task in p)
        n_pred = sum(1 for p in pred if task in p)
        n_gold = sum(1 for g in gold if task in g)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[task] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": n_gold,
            "predicted": n_pred,
        }
    return out


def evaluate(csv_path: str | Path, analyzer: Analyzer | None = None) -> dict:
    """Metrics of the shipped analyzer and the baseline on the AnnoMI CSV, plus the stored cross-validated figures."""
    engine = analyzer or default_analyzer()
    utterances = load_utterances(csv_path)
    gold = [u.gold for u in utterances]
    started = time.perf_counter()
    decisions = [engine.decide(u.text) for u in utterances]
    elapsed = time.perf_counter() - started
    shipped = [analyzer_predictions(labels, complex_reflection) for labels, complex_reflection, _h, _p in decisions]
    baseline = [baseline_predict(u.text) for u in utterances]

    # Rule-only labels on professional counselling talk: how often they fire (AnnoMI does not annotate them).
    flag_rates: dict[str, dict[str, float]] = {}
    for quality in sorted({u.mi_quality for u in utterances}):
        labels = [d[0] for u, d in zip(utterances, decisions, strict=True) if u.mi_quality == quality]
        flag_rates[quality] = {
            "utterances": len(labels),
            **{
                label: round(sum(1 for ls in labels if label in ls) / len(labels), 4)
                for label in ("minimizing", "judgment", "secrecy_promise", "self_disclosure", "affirmation")
            },
        }

    model = engine.model or {}
    main_gold = [u.main for u in utterances]
    main_pred = [engine.main_behaviour(u.text, u.previous) for u in utterances]
    return {
        "cv_main": model.get("cv_main"),
        "in_domain_held": in_domain_scores(analyzer=engine),
        "main_on_dev": main_scores(main_gold, main_pred) if engine.main else None,
        "csv": str(csv_path),
        "utterances": len(utterances),
        "transcripts": len({u.transcript_id for u in utterances}),
        "model": model.get("description", "rules only (no model file)"),
        "shipped_on_dev": prf(gold, shipped),
        "baseline": prf(gold, baseline),
        "cross_validated": model.get("cv"),
        "cross_validated_meta": model.get("cv_meta"),
        "red_flag_rates": flag_rates,
        "ms_per_reply": round(1000 * elapsed / max(len(utterances), 1), 3),
    }


MAIN_CLASSES = ("question", "reflection", "therapist_input", "other")
#: Issue 16's targets for unseen transcripts (grouped cross-validation).
MAIN_TARGETS = {"macro_f1": 0.75, "reflection": 0.70, "question": 0.90, "therapist_input": 0.60}


def main_scores(gold: list[str], pred: list[str | None]) -> dict:
    """Per-class F1 and macro-F1 of the four-way main behaviour."""
    f1 = {}
    for c in MAIN_CLASSES:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        n_pred = sum(1 for p in pred if p == c)
        n_gold = sum(1 for g in gold if g == c)
        f1[c] = round(2 * tp / (n_pred + n_gold), 3) if n_pred + n_gold else 0.0
    return {"macro_f1": round(sum(f1.values()) / len(f1), 3), "f1": f1}


def format_main(cv: Mapping | None, on_dev: Mapping | None) -> list[str]:
    """Lines for the four-way main behaviour: grouped CV against the targets, and the shipped model on --data."""
    if not cv:
        return ["Four-way main behaviour: no cross-validated figures in the model file."]
    lines = [
        f"Four-way main behaviour, grouped {cv.get('folds', '?')}-fold cross-validation by transcript "
        f"({cv.get('utterances', '?')} counsellor utterances, {cv.get('transcripts', '?')} transcripts; "
        "tools/train_main_behaviour.py):"
    ]
    for name in ("macro_f1", *MAIN_CLASSES):
        value = cv["macro_f1"] if name == "macro_f1" else cv["f1"][name]
        target = MAIN_TARGETS.get(name)
        verdict = "" if target is None else f"  target {target:.2f}: {'met' if value >= target else 'NOT met'}"
        dev = ""
        if on_dev:
            dev_value = on_dev["macro_f1"] if name == "macro_f1" else on_dev["f1"][name]
            dev = f"  (shipped, on --data: {dev_value:.2f})"
        lines.append(f"  {name:<16} {value:.3f}{verdict}{dev}")
    return lines


IN_DOMAIN = Path(__file__).resolve().parents[1] / "tests" / "data" / "peer_replies.jsonl"


def in_domain_scores(path: Path = IN_DOMAIN, split: str = "held", analyzer: Analyzer | None = None) -> dict | None:
    """F1 per label and macro-F1 of the ten labels on one part of the course's peer-support replies."""
    if not path.is_file():
        return None
    import json

    from lms.roleplay.analyzer import LABELS

    engine = analyzer or default_analyzer()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["split"] == split]
    preds = [engine.analyze(r["reply"], r.get("context")).labels for r in rows]
    f1 = {}
    for label in LABELS:
        tp = sum(1 for r, p in zip(rows, preds, strict=True) if label in r["labels"] and label in p)
        fp = sum(1 for r, p in zip(rows, preds, strict=True) if label not in r["labels"] and label in p)
        fn = sum(1 for r, p in zip(rows, preds, strict=True) if label in r["labels"] and label not in p)
        if tp + fp + fn:
            f1[label] = round(2 * tp / (2 * tp + fp + fn), 3)
    secrecy = [p for r, p in zip(rows, preds, strict=True) if r.get("kind") == "secrecy"]
    limits = [p for r, p in zip(rows, preds, strict=True) if r.get("kind") == "limits"]
    return {
        "replies": len(rows),
        "macro_f1": round(sum(f1.values()) / len(f1), 3) if f1 else 0.0,
        "f1": f1,
        "secrecy_flagged": f"{sum('secrecy_promise' in p for p in secrecy)}/{len(secrecy)}",
        "limits_flagged": f"{sum('secrecy_promise' in p for p in limits)}/{len(limits)}",
    }


def format_in_domain(scores: Mapping | None) -> list[str]:
    if not scores:
        return ["In-domain peer-support replies: tests/data/peer_replies.jsonl not found."]
    per_label = ", ".join(f"{k} {v:.2f}" for k, v in scores["f1"].items())
    return [
        f"In-domain peer-support replies, held part ({scores['replies']} replies, ten labels): macro-F1 "
        f"{scores['macro_f1']:.2f} (target 0.85); secrecy promises flagged {scores['secrecy_flagged']}, "
        f"limit statements flagged {scores['limits_flagged']}",
        f"  {per_label}",
    ]


def format_report(metrics: Mapping) -> str:
    """A plain-text table: F1 (precision/recall) per task for the baseline, cross-validation and shipped model."""
    cv = metrics.get("cross_validated") or {}

    def cell(block: Mapping | None, task: str) -> str:
        if not block or task not in block:
            return "-"
        m = block[task]
        return f"{m['f1']:.2f} ({m['precision']:.2f}/{m['recall']:.2f})"

    header = ("task", "support", "baseline F1 (P/R)", "cross-validated F1 (P/R)", "shipped, on dev F1 (P/R)")
    rows = [header]
    for task, title in TASKS.items():
        support = metrics["shipped_on_dev"][task]["support"]
        rows.append(
            (
                title,
                str(support),
                cell(metrics["baseline"], task),
                cell(cv, task),
                cell(metrics["shipped_on_dev"], task),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        f"AnnoMI counsellor utterances: {metrics['utterances']} (deduplicated) in {metrics['transcripts']} transcripts",
        f"Model: {metrics['model']}",
        "",
    ]
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    if cv:
        meta = metrics.get("cross_validated_meta") or {}
        folds = f" ({meta['folds']} folds)" if meta.get("folds") else ""
        lines.append(
            f"Cross-validated: grouped by transcript_id{folds}, C and thresholds chosen inside each training fold, "
            "computed by tools/train_analyzer.py; the honest estimate for unseen transcripts."
        )
    else:
        lines.append("Cross-validated: not available (no model file, or it holds no CV figures).")
    lines.append("Shipped, on dev: the shipped weights were fitted on this file, so these figures are optimistic.")
    rates = metrics.get("red_flag_rates") or {}
    if rates:
        parts = []
        for quality, r in rates.items():
            flags = ", ".join(f"{k} {100 * v:.1f}%" for k, v in r.items() if k != "utterances")
            parts.append(f"  {quality or '?'} MI quality ({r['utterances']} utterances): {flags}")
        lines.append("Rule-only labels (not annotated in AnnoMI), share of utterances flagged:")
        lines.extend(parts)
    lines.append(f"Speed: {metrics['ms_per_reply']} ms per reply.")
    lines.append("")
    lines.extend(format_main(metrics.get("cv_main"), metrics.get("main_on_dev")))
    lines.append("")
    lines.extend(format_in_domain(metrics.get("in_domain_held")))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# AnnoMI: agreement between expert annotators


_NOMINAL = ("main_therapist_behaviour",)
_BINARY = ("question_exists", "reflection_exists")


def annomi_agreement(csv_path: str | Path) -> dict:
    """Agreement between AnnoMI experts on the counsellor utterances that several of them annotated.

    Every utterance (same ``transcript_id`` and ``utterance_id``) coded by two or more different annotators gives
    one pair per two annotators. Per code (``main_therapist_behaviour``, nominal; ``question_exists`` and
    ``reflection_exists``, binary) the result holds:

    - ``kappa``: Cohen's unweighted kappa over all pairs pooled (rater A = the lower annotator id);
    - ``percent``: percent exact agreement over all pairs;
    - ``mean_pairwise_kappa``: Cohen's kappa per pair of annotators, averaged (pairs with <10 shared items skipped);
    - ``fleiss_kappa``: Fleiss' kappa over the items with all their ratings;
    - ``n_pairs`` and ``categories``.
    """
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["interlocutor"] == "therapist"]
    by_item: dict[tuple[str, str], dict[str, Mapping[str, str]]] = defaultdict(dict)
    for row in rows:
        by_item[(row["transcript_id"], row["utterance_id"])].setdefault(row["annotator_id"], row)
    multi = {key: ann for key, ann in by_item.items() if len(ann) >= 2}
    annotators = sorted({a for ann in multi.values() for a in ann}, key=lambda a: (len(a), a))

    result: dict = {
        "utterances": len(multi),
        "transcripts": len({key[0] for key in multi}),
        "annotators": len(annotators),
        "codes": {},
    }
    for column in _NOMINAL + _BINARY:
        categories = sorted({ann[a][column] for ann in multi.values() for a in ann})
        pooled: list[tuple[str, str]] = []
        per_pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for ann in multi.values():
            ids = sorted(ann, key=lambda a: (len(a), a))
            for a, b in combinations(ids, 2):
                pair = (ann[a][column], ann[b][column])
                pooled.append(pair)
                per_pair[(a, b)].append(pair)
        pair_kappas = [weighted_kappa(p, categories, None) for p in per_pair.values() if len(p) >= 10]
        kappa = weighted_kappa(pooled, categories, None) if pooled else None
        result["codes"][column] = {
            "categories": categories,
            "n_pairs": len(pooled),
            "kappa": None if kappa is None else round(kappa, 3),
            "interpretation": interpret_kappa(kappa),
            "percent": round(percent_agreement(pooled), 1) if pooled else None,
            "mean_pairwise_kappa": round(sum(pair_kappas) / len(pair_kappas), 3) if pair_kappas else None,
            "annotator_pairs": len(pair_kappas),
            "fleiss_kappa": round(fleiss_kappa([[ann[a][column] for a in ann] for ann in multi.values()]), 3)
            if multi
            else None,
        }
    return result


def format_annomi_agreement(result: Mapping) -> str:
    """A plain-text table of ``annomi_agreement``'s result."""
    lines = [
        f"AnnoMI counsellor utterances coded by several experts: {result['utterances']} utterances, "
        f"{result['transcripts']} transcripts, {result['annotators']} annotators",
        "",
    ]
    header = ("code", "pairs", "Cohen's kappa", "reading", "exact agreement", "mean pairwise kappa", "Fleiss' kappa")
    table = [header]
    for column, r in result["codes"].items():
        table.append(
            (
                column,
                str(r["n_pairs"]),
                "-" if r["kappa"] is None else f"{r['kappa']:.3f}",
                r["interpretation"],
                "-" if r["percent"] is None else f"{r['percent']:.1f}%",
                "-" if r["mean_pairwise_kappa"] is None else f"{r['mean_pairwise_kappa']:.3f}",
                "-" if r["fleiss_kappa"] is None else f"{r['fleiss_kappa']:.3f}",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(
        "Unweighted kappa (nominal codes), pooled over every pair of annotators; readings after Landis & Koch."
    )
    return "\n".join(lines)
