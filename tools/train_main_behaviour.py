"""Train the analyzer's four-way main-behaviour head (question / reflection / input / other) on AnnoMI dev.

    python tools/train_main_behaviour.py PATH/TO/annomi-dev.csv        # needs scikit-learn (requirements-dev.txt)

The figure reported is cross-validation grouped by transcript (5 folds, GroupKFold: no transcript in both parts).
Features are ``lms.roleplay.analyzer.features.main_features`` (word and character n-grams, rule hits, reflection cues,
overlap with the client's preceding line), the very function used at run time.

The head is an ensemble of two linear models over the same features, each trained on **every** expert annotation of
the training transcripts (an utterance coded by two experts who disagree counts once for each code; scoring uses one
annotator per utterance, the lowest id, as everywhere else):

- a class-balanced multinomial logistic regression (lbfgs, C=1);
- a class-balanced one-vs-rest linear SVM (liblinear, C=0.1).

Each model's decision scores are divided by their standard deviation on its own training part and the two are
summed. A sum of linear models is a linear model, so the shipped head is still one weight row per feature (pure
Python at run time, same speed). Every setting is fixed in advance; nothing is tuned on the test folds. Writes
``main`` and ``cv_main`` into the shipped ``model.json``, keeping its other heads.
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
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lms.roleplay.analyzer.features import main_features  # noqa: E402
from lms.roleplay.analyzer.model import MAIN_CLASSES, MODEL_PATH  # noqa: E402

C_LR = 1.0
C_SVM = 0.1
MIN_DF = 3
PRUNE = 0.01
FOLDS = 5


def load(path: Path) -> tuple[list[dict], list[tuple[int, int]]]:
    """Counsellor utterances (scored with one annotator each: the lowest id) with the client's preceding line, if
    any; and every (utterance index, class) annotation, for training."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    best: dict[tuple[int, int], dict] = {}
    for r in rows:
        key = (int(r["transcript_id"]), int(r["utterance_id"]))
        if key not in best or int(r["annotator_id"]) < int(best[key]["annotator_id"]):
            best[key] = r
    out, index = [], {}
    for key in sorted(best):
        r = best[key]
        if r["interlocutor"] != "therapist":
            continue
        p = best.get((key[0], key[1] - 1))
        prev = p["utterance_text"] if p and p["interlocutor"] == "client" else None
        index[key] = len(out)
        out.append({"group": key[0], "text": r["utterance_text"], "prev": prev, "y": r["main_therapist_behaviour"]})
    seen, annotations = set(), []
    for r in rows:
        key = (int(r["transcript_id"]), int(r["utterance_id"]))
        mark = (key, r["annotator_id"])
        if key in index and mark not in seen:
            seen.add(mark)
            annotations.append((index[key], MAIN_CLASSES.index(r["main_therapist_behaviour"])))
    annotations.sort()
    return out, annotations


def keep_frequent(dicts: list[dict], min_df: int = MIN_DF) -> set[str]:
    df: dict[str, int] = {}
    for d in dicts:
        for k in d:
            df[k] = df.get(k, 0) + 1
    return {k for k, n in df.items() if n >= min_df}


def _int32(M):
    """liblinear wants 32-bit sparse indices; recent SciPy may build 64-bit ones."""
    M = M.tocsr()
    M.indices = M.indices.astype(np.int32)
    M.indptr = M.indptr.astype(np.int32)
    return M


def fit(X: list[dict], annotations: list[tuple[int, int]], rows: set[int] | None = None):
    """The ensemble fitted on the annotations of ``rows`` (all rows when None): (vectorizer, coef, intercept)."""
    train = [(i, c) for i, c in annotations if rows is None or i in rows]
    utterances = sorted({i for i, _ in train})
    keep = keep_frequent([X[i] for i in utterances])
    vec = DictVectorizer()
    vec.fit([{k: v for k, v in X[i].items() if k in keep} for i in utterances])
    M = _int32(vec.transform([X[i] for i, _ in train]))
    y = np.array([c for _, c in train])
    coef = np.zeros((len(MAIN_CLASSES), M.shape[1]))
    intercept = np.zeros(len(MAIN_CLASSES))
    for clf in (
        LogisticRegression(C=C_LR, max_iter=5000, class_weight="balanced"),
        LinearSVC(C=C_SVM, class_weight="balanced", max_iter=20000, random_state=0),
    ):
        clf.fit(M, y)
        scale = float(clf.decision_function(M).std()) or 1.0
        coef += clf.coef_ / scale
        intercept += clf.intercept_ / scale
    return vec, coef, intercept


def scores(vec, coef, intercept, X: list[dict]) -> np.ndarray:
    return np.asarray(vec.transform(X) @ coef.T) + intercept


def cross_validate(X: list[dict], y: np.ndarray, groups: np.ndarray, annotations: list[tuple[int, int]]) -> dict:
    pred = np.zeros(len(y), dtype=int)
    for train, test in GroupKFold(n_splits=FOLDS).split(X, y, groups):
        vec, coef, intercept = fit(X, annotations, set(train.tolist()))
        pred[test] = scores(vec, coef, intercept, [X[i] for i in test]).argmax(1)
    per_class = f1_score(y, pred, average=None, labels=list(range(len(MAIN_CLASSES))))
    return {
        "macro_f1": round(float(per_class.mean()), 3),
        "f1": {c: round(float(f), 3) for c, f in zip(MAIN_CLASSES, per_class, strict=True)},
        "confusion": confusion_matrix(y, pred).tolist(),
        "utterances": len(y),
        "transcripts": len(set(groups.tolist())),
        "folds": FOLDS,
        "grouped_by": "transcript_id",
        "model": f"logistic regression (C={C_LR}) + linear SVM (C={C_SVM}), class-balanced, every annotation",
    }


def export(vec, coef, intercept) -> dict:
    names = vec.get_feature_names_out()
    weights = {}
    for j, name in enumerate(names):
        row = [round(float(w), 3) for w in coef[:, j]]
        if max(abs(w) for w in row) >= PRUNE:
            weights[str(name)] = row
    return {
        "classes": list(MAIN_CLASSES),
        "intercept": [round(float(b), 4) for b in intercept],
        "weights": dict(sorted(weights.items())),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="the AnnoMI development CSV")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    utts, annotations = load(args.csv)
    X = [main_features(u["text"], u["prev"]) for u in utts]
    y = np.array([MAIN_CLASSES.index(u["y"]) for u in utts])
    groups = np.array([u["group"] for u in utts])
    cv = cross_validate(X, y, groups, annotations)
    print(json.dumps({k: v for k, v in cv.items() if k != "confusion"}))
    if args.no_write:
        return
    model = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    model["main"] = export(*fit(X, annotations))
    model["cv_main"] = cv
    model["features"] = {
        **model.get("features", {}),
        "main_min_df": MIN_DF,
        "main_C": [C_LR, C_SVM],
        "main_prune": PRUNE,
        "main_training": "every annotation",
    }
    args.out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(model['main']['weights'])} features, {args.out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
