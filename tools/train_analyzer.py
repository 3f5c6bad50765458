"""Train the reply analyzer's logistic-regression heads on the AnnoMI development split.

It needs scikit-learn, which ``requirements-dev.txt`` pins (it is NOT a runtime dependency of the LMS):

    python tools/train_analyzer.py PATH/TO/annomi-dev.csv      # or: make analyzer-model ANNOMI=PATH/TO/annomi-dev.csv

What it does:

1. Loads the counsellor utterances (deduplicated: one annotator per utterance) with
   ``tools.annomi.load_utterances`` and turns each into the sparse binary features of
   ``lms.roleplay.analyzer.features`` - the very function used at run time, so training and inference agree.
2. Cross-validation grouped by ``transcript_id`` (GroupKFold, no transcript in both train and test). Inside each
   training part, an inner grouped CV picks the L2 strength C and each head's probability threshold; the heads are
   then refitted on the training part, plugged into the real ``Analyzer`` (rules included) and scored on the held-out
   transcripts. These pooled held-out predictions give the honest "cross-validated" figures.
   The train part of the course's peer-support replies (``tests/data/peer_replies.jsonl``, ``split: train``) joins
   every training part (each reply its own group; never in a test fold); its held part is never read here.
3. Picks C and thresholds the same way on the whole file, fits the final heads, prunes tiny weights, and writes
   ``lms/roleplay/analyzer/model.json`` with the weights, the thresholds, the decision settings and the
   cross-validated figures (``flask --app lms roleplay evaluate`` prints them next to the baseline).

Against memorising: L2 regularisation with C in {0.03, 0.1, 0.3}; features kept only if they occur in at least
5 different transcripts (no names or idioms of one conversation); thresholds floored for the rare advice and
information heads. Experiments: ``--no-write`` (CV only), ``--context`` (add the client's previous line),
``--set NAME=VALUE`` (a decision setting of the analyzer), ``--floor``, ``--C``, ``--min-groups``, ``--dump``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import types
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[1]
# Import lms.roleplay without running lms/__init__.py (which needs Flask): a namespace stub for the package.
if "lms" not in sys.modules:
    _pkg = types.ModuleType("lms")
    _pkg.__path__ = [str(ROOT / "lms")]
    sys.modules["lms"] = _pkg
sys.path.insert(0, str(ROOT))

from lms.roleplay import analyzer as A  # noqa: E402
from lms.roleplay.analyzer import decisions as D  # noqa: E402
from tools import annomi as E  # noqa: E402

C_GRID = (0.03, 0.1, 0.3)
THRESHOLDS = tuple(round(x, 2) for x in np.arange(0.1, 0.81, 0.05))
# Lowest probability threshold per head. Advice and information are rare and noisily coded in AnnoMI, so F1 alone
# pushes their thresholds very low; on trainees' replies a false "advice" costs more (it can fail a max_advice target).
THRESHOLD_FLOOR = {"advice": 0.5, "information": 0.3}
MIN_DF = 2
MIN_GROUPS = 5
PRUNE = 1e-3


IN_DOMAIN = ROOT / "tests" / "data" / "peer_replies.jsonl"
PEER = "peer-"  # transcript_id prefix of the in-domain replies (each its own group)


def load_in_domain(path=IN_DOMAIN, split="train"):
    """The course's peer-support replies of one part as utterances with AnnoMI-style gold labels. They have no
    simple/complex code, so they train every head but ``complex``."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for r in rows:
        if r["split"] != split:
            continue
        labels = set(r["labels"])
        gold = {label for label in ("open_question", "closed_question", "reflection", "advice", "information")
                if label in labels}
        if labels & {"open_question", "closed_question"}:
            gold.add("question")
        out.append(E.Utterance(transcript_id=f"{PEER}{r['id']}", utterance_id=0, text=r["reply"],
                               previous=r.get("context"), gold=frozenset(gold), mi_quality="peer"))
    return out


def head_data(utts, feats):
    """(name, row indices, targets) per head."""
    gold = [u.gold for u in utts]
    every = list(range(len(utts)))
    q_rows = [i for i in every if "question" in gold[i]]
    r_rows = [i for i in every if "reflection" in gold[i] and not str(utts[i].transcript_id).startswith(PEER)]
    return {
        "question": (every, [int("question" in gold[i]) for i in every]),
        "open": (q_rows, [int("open_question" in gold[i]) for i in q_rows]),
        "reflection": (every, [int("reflection" in gold[i]) for i in every]),
        "complex": (r_rows, [int("complex_reflection" in gold[i]) for i in r_rows]),
        "advice": (every, [int("advice" in gold[i]) for i in every]),
        "information": (every, [int("information" in gold[i]) for i in every]),
    }


def prune_rare(feat_dicts, groups, min_df=MIN_DF, min_groups=None):
    """Keep features seen in >= min_df utterances of >= min_groups different transcripts (no memorising a transcript's
    names and idioms)."""
    min_groups = MIN_GROUPS if min_groups is None else min_groups
    df: dict[str, int] = {}
    seen: dict[str, set] = {}
    for f, g in zip(feat_dicts, groups, strict=True):
        for k in f:
            df[k] = df.get(k, 0) + 1
            seen.setdefault(k, set()).add(g)
    keep = {k for k, n in df.items() if n >= min_df and len(seen[k]) >= min_groups}
    return [{k: v for k, v in f.items() if k in keep} for f in feat_dicts]


def as_int32(X):
    """liblinear wants 32-bit sparse indices; recent SciPy may build 64-bit ones."""
    X = X.tocsr()
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)
    return X


def fit(feat_dicts, y, C, groups):
    vec = DictVectorizer()
    X = as_int32(vec.fit_transform(prune_rare(feat_dicts, groups)))
    if len(set(y)) < 2:
        return vec, None
    clf = LogisticRegression(C=C, solver="liblinear", max_iter=2000, random_state=0)
    clf.fit(X, y)
    return vec, clf


def predict_proba(vec, clf, feat_dicts, y_train_mean=0.5):
    if clf is None:
        return np.full(len(feat_dicts), y_train_mean)
    return clf.predict_proba(as_int32(vec.transform(feat_dicts)))[:, 1]


def f1(y, pred):
    y = np.asarray(y)
    pred = np.asarray(pred)
    tp = int(((y == 1) & (pred == 1)).sum())
    fp = int(((y == 0) & (pred == 1)).sum())
    fn = int(((y == 1) & (pred == 0)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def accuracy(y, pred):
    return float((np.asarray(y) == np.asarray(pred)).mean()) if len(y) else 0.0


def rule_votes(utts):
    """Per utterance, what the rules alone say for each head (so thresholds are tuned for 'model OR rules')."""
    rules_only = A.Analyzer(None)
    votes = []
    for u in utts:
        labels, _complex, hits, _ = rules_only.decide(u.text)
        votes.append(
            {
                "question": bool(hits["open_prompt"] or hits["clear_question"]),
                "reflection": bool(
                    hits["stock_reflection"] or hits["feeling_reflection"] or hits["stock_reflection_q"]
                ),
                "advice": bool(hits["advice"]),
                "information": bool(hits["information"]),
            }
        )
    return votes


def select(utts, feats, groups, votes, n_inner):
    """Choose C and threshold per head by grouped inner CV (head OR rules, F1; accuracy for subtype heads)."""
    data = head_data(utts, feats)
    choice = {}
    gkf = GroupKFold(n_splits=n_inner)
    for head, (rows, y) in data.items():
        rows = np.asarray(rows)
        y = np.asarray(y)
        g = np.asarray([groups[i] for i in rows])
        best = None
        for C in C_GRID:
            oof = np.zeros(len(rows))
            for tr, te in gkf.split(rows, y, g):
                vec, clf = fit([feats[i] for i in rows[tr]], y[tr], C, g[tr])
                oof[te] = predict_proba(vec, clf, [feats[i] for i in rows[te]], y[tr].mean())
            for thr in (t for t in THRESHOLDS if t >= THRESHOLD_FLOOR.get(head, 0.0)):
                pred = (oof >= thr).astype(int)
                if head in votes[0]:
                    rule = np.asarray([votes[i][head] for i in rows], dtype=int)
                    score = f1(y, pred | rule)
                elif head in ("open", "complex"):
                    score = accuracy(y, pred)
                else:
                    score = f1(y, pred)
                if best is None or score > best[0] + 1e-9:
                    best = (score, C, thr)
        choice[head] = {"C": best[1], "threshold": best[2], "inner_score": round(best[0], 4)}
    return choice


def train_heads(utts, feats, groups, choice):
    data = head_data(utts, feats)
    heads = {}
    for head, (rows, y) in data.items():
        vec, clf = fit([feats[i] for i in rows], y, choice[head]["C"], [groups[i] for i in rows])
        if clf is None:
            continue
        names = vec.get_feature_names_out()
        weights = {str(n): round(float(w), 4) for n, w in zip(names, clf.coef_[0], strict=True) if abs(w) >= PRUNE}
        heads[head] = {
            "intercept": round(float(clf.intercept_[0]), 4),
            "threshold": choice[head]["threshold"],
            "C": choice[head]["C"],
            "weights": dict(sorted(weights.items())),
        }
    return heads


def main(argv=None):
    global MIN_GROUPS, C_GRID
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="the AnnoMI development CSV")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--inner", type=int, default=4)
    parser.add_argument("--context", action="store_true", help="experiment: add features of the client's previous line")
    parser.add_argument("--no-write", action="store_true", help="report CV figures only")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="experiment: override a decision setting of lms.roleplay.analyzer.decisions, e.g. COMPLEX_MODE=model",
    )
    parser.add_argument("--floor", action="append", default=[], metavar="HEAD=P", help="experiment: threshold floor")
    parser.add_argument("--C", dest="c_grid", help="experiment: comma-separated grid of inverse L2 strengths")
    parser.add_argument(
        "--min-groups", type=int, default=MIN_GROUPS, help="features must occur in this many transcripts"
    )
    parser.add_argument(
        "--in-domain", default=str(IN_DOMAIN),
        help="the course's peer-support replies (JSON lines); their train part joins every training part ('' for none)",
    )
    parser.add_argument("--dump", help="experiment: write the held-out predictions to this JSON-lines file")
    parser.add_argument("--out", default=str(A.MODEL_PATH))
    args = parser.parse_args(argv)

    MIN_GROUPS = args.min_groups
    if args.c_grid:
        C_GRID = tuple(float(c) for c in args.c_grid.split(","))
    for item in args.set:
        name, value = item.split("=", 1)
        setattr(D, name, json.loads(value) if value[:1] in "0123456789tf[{" else value)
    for item in args.floor:
        head, value = item.split("=", 1)
        THRESHOLD_FLOOR[head] = float(value)
    started = time.time()
    utts = E.load_utterances(args.csv)
    feats = [A.features(u.text, u.previous if args.context else None) for u in utts]
    groups = [u.transcript_id for u in utts]
    votes = rule_votes(utts)
    gold = [u.gold for u in utts]
    print(f"{len(utts)} counsellor utterances, {len(set(groups))} transcripts", file=sys.stderr)
    # The train part of the in-domain replies joins every training part; it is never in a test fold, and the held
    # part is never read here.
    peer = load_in_domain(args.in_domain) if args.in_domain else []
    peer_feats = [A.features(u.text, u.previous if args.context else None) for u in peer]
    peer_groups = [u.transcript_id for u in peer]
    peer_votes = rule_votes(peer)
    print(f"{len(peer)} in-domain training replies", file=sys.stderr)

    # Outer grouped CV: the honest estimate.
    pred = [None] * len(utts)
    outer = GroupKFold(n_splits=args.folds)
    idx = np.arange(len(utts))
    for k, (tr, te) in enumerate(outer.split(idx, groups=groups)):
        sub = [utts[i] for i in tr] + peer
        sub_feats = [feats[i] for i in tr] + peer_feats
        sub_groups = [groups[i] for i in tr] + peer_groups
        choice = select(sub, sub_feats, sub_groups, [votes[i] for i in tr] + peer_votes, args.inner)
        model = {"heads": train_heads(sub, sub_feats, sub_groups, choice)}
        analyzer = A.Analyzer(model)
        for i in te:
            labels, complex_reflection, _h, _p = analyzer.decide(
                utts[i].text, utts[i].previous if args.context else None
            )
            pred[i] = E.analyzer_predictions(labels, complex_reflection)
        print(
            f"fold {k + 1}: " + ", ".join(f"{h} C={c['C']} t={c['threshold']}" for h, c in choice.items()),
            file=sys.stderr,
        )
    cv = E.prf(gold, pred)
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as fh:
            for u, p in zip(utts, pred, strict=True):
                row = {"id": f"{u.transcript_id}/{u.utterance_id}", "text": u.text, "previous": u.previous}
                fh.write(json.dumps({**row, "gold": sorted(u.gold), "pred": sorted(p)}) + "\n")
    baseline = E.prf(gold, [E.baseline_predict(u.text) for u in utts])
    rules_only = E.prf(gold, E.predict(A.Analyzer(None), utts))

    print(
        f"\n{'task':<20}{'support':>8}  {'baseline F1':>12}  {'rules only F1':>14}  "
        f"{'CV P':>6} {'CV R':>6} {'CV F1':>6}"
    )
    for task in E.TASKS:
        m = cv[task]
        print(
            f"{task:<20}{m['support']:>8}  {baseline[task]['f1']:>12.3f}  {rules_only[task]['f1']:>14.3f}  "
            f"{m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}"
        )

    if args.no_write:
        return
    choice = select(utts + peer, feats + peer_feats, groups + peer_groups, votes + peer_votes, args.folds)
    heads = train_heads(utts + peer, feats + peer_feats, groups + peer_groups, choice)
    model = {
        "format": 1,
        "description": (
            "logistic-regression heads over word n-gram and rule features, trained on AnnoMI dev "
            f"({len(utts)} deduplicated counsellor utterances, even transcript ids) and the train part of the "
            f"course's peer-support replies ({len(peer)}) by tools/train_analyzer.py"
        ),
        "features": {
            "context": bool(args.context),
            "min_df": MIN_DF,
            "min_transcripts": MIN_GROUPS,
            "prune_below": PRUNE,
        },
        "settings": {
            "threshold_floor": THRESHOLD_FLOOR,
            "C_grid": C_GRID,
            "NO_MARK_QUESTION_P": D.NO_MARK_QUESTION_P,
            "COMPLEX_MODE": D.COMPLEX_MODE,
            "NON_REFLECTIVE_INFORMATION": D.NON_REFLECTIVE_INFORMATION,
        },
        "cv_meta": {
            "folds": args.folds, "inner_folds": args.inner, "grouped_by": "transcript_id",
            "in_domain_train_replies": len(peer),
        },
        "cv": cv,
        "cv_baseline": baseline,
        "cv_rules_only": rules_only,
        "heads": heads,
    }
    Path(args.out).write_text(json.dumps(model, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    size = Path(args.out).stat().st_size
    n_weights = sum(len(h["weights"]) for h in heads.values())
    print(
        f"\nwrote {args.out}: {n_weights} weights, {size / 1024:.0f} KiB, {time.time() - started:.0f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
