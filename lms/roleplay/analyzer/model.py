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


# Decision settings (tools/train_analyzer.py cross-validates them).
