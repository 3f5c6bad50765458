"""Train the analyzer's four-way main-behaviour head (question / reflection / input / other) on AnnoMI dev.

    python tools/train_main_behaviour.py PATH/TO/annomi-dev.csv        # needs scikit-learn (requirements-dev.txt)

The figure reported is cross-validation grouped by transcript (5 folds, GroupKFold: no transcript in both parts).
Features are ``lms.roleplay.analyzer.features.main_features`` (word and character n-grams, rule hits, reflection cues,
overlap with the client's preceding line), the very function used at run time. The model is a class-balanced
multinomial logistic regression (lbfgs, deterministic). Writes ``main`` and ``cv_main`` into the shipped
``model.json``, keeping its other heads.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lms.roleplay.analyzer.features import main_features  # noqa: E402
from lms.roleplay.analyzer.model import MAIN_CLASSES, MODEL_PATH  # noqa: E402

C = 1.0
MIN_DF = 3
PRUNE = 0.01
FOLDS = 5


def load(path: Path) -> list[dict]:
    """Counsellor utterances (one annotator each: the lowest id) with the client's preceding line, if any."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    best: dict[tuple[int, int], dict] = {}
    for r in rows:
        key = (int(r["transcript_id"]), int(r["utterance_id"]))
        if key not in best or int(r["annotator_id"]) < int(best[key]["annotator_id"]):
            best[key] = r
    out = []
    for key in sorted(best):
        r = best[key]
        if r["interlocutor"] != "therapist":
            continue
        p = best.get((key[0], key[1] - 1))
        prev = p["utterance_text"] if p and p["interlocutor"] == "client" else None
        out.append({"group": key[0], "text": r["utterance_text"], "prev": prev, "y": r["main_therapist_behaviour"]})
    return out


def keep_frequent(dicts: list[dict], min_df: int = MIN_DF) -> set[str]:
    df: dict[str, int] = {}
    for d in dicts:
        for k in d:
            df[k] = df.get(k, 0) + 1
    return {k for k, n in df.items() if n >= min_df}


def fit(X: list[dict], y: np.ndarray):
    keep = keep_frequent(X)
    vec = DictVectorizer()
    M = vec.fit_transform([{k: v for k, v in d.items() if k in keep} for d in X])
    clf = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    clf.fit(M, y)
    return vec, clf


def cross_validate(X: list[dict], y: np.ndarray, groups: np.ndarray) -> dict:
    pred = np.zeros(len(y), dtype=int)
    for train, test in GroupKFold(n_splits=FOLDS).split(X, y, groups):
        vec, clf = fit([X[i] for i in train], y[train])
        pred[test] = clf.predict(vec.transform([X[i] for i in test]))
    per_class = f1_score(y, pred, average=None, labels=list(range(len(MAIN_CLASSES))))
    return {
        "macro_f1": round(float(per_class.mean()), 3),
        "f1": {c: round(float(f), 3) for c, f in zip(MAIN_CLASSES, per_class, strict=True)},
        "confusion": confusion_matrix(y, pred).tolist(),
        "utterances": len(y),
        "transcripts": len(set(groups.tolist())),
        "folds": FOLDS,
        "grouped_by": "transcript_id",
    }


def export(vec, clf) -> dict:
    names = vec.get_feature_names_out()
    weights = {}
    for j, name in enumerate(names):
        row = [round(float(w), 3) for w in clf.coef_[:, j]]
        if max(abs(w) for w in row) >= PRUNE:
            weights[str(name)] = row
    order = [list(clf.classes_).index(i) for i in range(len(MAIN_CLASSES))]
    return {
        "classes": list(MAIN_CLASSES),
        "intercept": [round(float(clf.intercept_[i]), 4) for i in order],
        "weights": {k: [v[i] for i in order] for k, v in sorted(weights.items())},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="the AnnoMI development CSV")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    utts = load(args.csv)
    X = [main_features(u["text"], u["prev"]) for u in utts]
    y = np.array([MAIN_CLASSES.index(u["y"]) for u in utts])
    groups = np.array([u["group"] for u in utts])
    cv = cross_validate(X, y, groups)
    print(json.dumps({k: v for k, v in cv.items() if k != "confusion"}))
    if args.no_write:
        return
    vec, clf = fit(X, y)
    model = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    model["main"] = export(vec, clf)
    model["cv_main"] = cv
    model["features"] = {**model.get("features", {}), "main_min_df": MIN_DF, "main_C": C, "main_prune": PRUNE}
    args.out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(model['main']['weights'])} features, {args.out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
