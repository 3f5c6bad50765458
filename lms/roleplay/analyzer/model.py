"""The learned heads: logistic regressions over sparse features, read from ``model.json`` (a sparse dot product in
plain Python; no numpy at run time)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("model.json")
HEADS = ("question", "open", "reflection", "complex", "advice", "information")


def load_model(path: str | Path = MODEL_PATH) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None


class Head:
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


MAIN_CLASSES = ("question", "reflection", "therapist_input", "other")


class MainHead:
    """The four-way main behaviour (AnnoMI's ``main_therapist_behaviour``): one linear score per class, the highest
    (after the class's bias) wins."""

    __slots__ = ("classes", "intercepts", "weights")

    def __init__(self, spec: Mapping):
        self.classes: tuple[str, ...] = tuple(spec["classes"])
        bias = spec.get("bias") or [0.0] * len(self.classes)
        self.intercepts = [float(b) + float(c) for b, c in zip(spec["intercept"], bias, strict=True)]
        self.weights: dict[str, list[float]] = spec["weights"]

    def scores(self, feats: Mapping[str, float]) -> list[float]:
        out = list(self.intercepts)
        w = self.weights
        for key, value in feats.items():
            row = w.get(key)
            if row:
                for i, weight in enumerate(row):
                    out[i] += weight * value
        return out

    def predict(self, feats: Mapping[str, float]) -> str:
        scores = self.scores(feats)
        return self.classes[max(range(len(scores)), key=scores.__getitem__)]
