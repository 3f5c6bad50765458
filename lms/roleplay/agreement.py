"""Rater agreement: percent agreement, Cohen's kappa (unweighted, linear or quadratic weights), Fleiss' kappa.

Pure Python, no Flask, no database.

Conventions
-----------
- ``pairs`` is a list of ``(rating_a, rating_b)``, one per rated item (same criterion, same performance).
- ``categories`` lists every possible rating in its natural order (e.g. rubric levels ``[1, 2, 3, 4]``); weighted
  kappa uses the *position* in this list, so the levels need not be consecutive integers.
- Weighted kappa is ``1 - sum(w * observed) / sum(w * expected)`` with disagreement weights
  ``|i - j| / (k - 1)`` (linear) or ``(i - j)**2 / (k - 1)**2`` (quadratic); ``weights=None`` gives Cohen's
  unweighted kappa (every disagreement weighs 1), the right choice for nominal categories.
- Degenerate case: when chance disagreement is zero, both raters used one and the same category for every item, so
  they agree on everything; kappa is then defined as **1.0** (it is 0/0 in the formula). Empty input raises
  ``ValueError``; so does a rating that is not in ``categories``.
- ``percent_agreement`` returns a percentage, 0-100.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence

WEIGHTS = ("linear", "quadratic", None)


def _check(pairs: Sequence[tuple[Hashable, Hashable]]) -> None:
    if not pairs:
        raise ValueError("no rating pairs")


def percent_agreement(pairs: Sequence[tuple[Hashable, Hashable]]) -> float:
    """Share of items on which both raters gave exactly the same rating, in percent (0-100)."""
    _check(pairs)
    return 100.0 * sum(1 for a, b in pairs if a == b) / len(pairs)


def confusion_matrix(pairs: Sequence[tuple[Hashable, Hashable]], categories: Sequence[Hashable]) -> list[list[int]]:
    """Counts, rows = rater A's category, columns = rater B's, in the order of ``categories``."""
    index = {c: i for i, c in enumerate(categories)}
    if len(index) != len(categories):
        raise ValueError("categories must be distinct")
    matrix = [[0] * len(categories) for _ in categories]
    for a, b in pairs:
        if a not in index or b not in index:
            raise ValueError(f"rating {a if a not in index else b!r} is not one of the categories {list(categories)}")
        matrix[index[a]][index[b]] += 1
    return matrix


def weighted_kappa(
    pairs: Sequence[tuple[Hashable, Hashable]],
    categories: Sequence[Hashable],
    weights: str | None = "linear",
) -> float:
    """Cohen's kappa for two raters; ``weights`` = "linear", "quadratic" or None (unweighted, nominal)."""
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, not {weights!r}")
    _check(pairs)
    matrix = confusion_matrix(pairs, categories)
    k = len(categories)
    n = len(pairs)
    if k < 2:
        return 1.0
    rows = [sum(r) for r in matrix]
    cols = [sum(matrix[i][j] for i in range(k)) for j in range(k)]

    def w(i: int, j: int) -> float:
        if weights is None:
            return 0.0 if i == j else 1.0
        d = abs(i - j) / (k - 1)
        return d if weights == "linear" else d * d

    observed = sum(w(i, j) * matrix[i][j] for i in range(k) for j in range(k)) / n
    expected = sum(w(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k)) / (n * n)
    if expected <= 1e-15:
        # Both raters used a single, identical category throughout: perfect agreement by definition.
        return 1.0
    return 1.0 - observed / expected


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]], categories: Sequence[Hashable] | None = None) -> float:
    """Unweighted Cohen's kappa; the categories default to every rating seen."""
    _check(pairs)
    cats = list(categories) if categories is not None else sorted({x for p in pairs for x in p}, key=str)
    return weighted_kappa(pairs, cats, None)


def fleiss_kappa(items: Iterable[Sequence[Hashable]]) -> float:
    """Fleiss' kappa for several raters; each item lists the ratings it received (at least two per item).

    Items may have different numbers of raters (the per-item agreement is averaged, as in Fleiss 1971 generalised).
    Returns 1.0 when every rating is the same category (no chance disagreement), like ``weighted_kappa``.
    """
    items = [list(r) for r in items if len(r) >= 2]
    if not items:
        raise ValueError("no items with two or more ratings")
    totals: dict[Hashable, int] = defaultdict(int)
    agreement = 0.0
    n_ratings = 0
    for ratings in items:
        m = len(ratings)
        counts: dict[Hashable, int] = defaultdict(int)
        for r in ratings:
            counts[r] += 1
            totals[r] += 1
        n_ratings += m
        agreement += sum(c * (c - 1) for c in counts.values()) / (m * (m - 1))
    p_bar = agreement / len(items)
    p_e = sum((t / n_ratings) ** 2 for t in totals.values())
    if p_e >= 1 - 1e-15:
        return 1.0
    return (p_bar - p_e) / (1 - p_e)


_LANDIS_KOCH = (
    (0.0, "poor"),
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (1.0, "almost perfect"),
)


def interpret_kappa(k: float | None) -> str:
    """Landis & Koch (1977): < 0 poor, 0-0.20 slight, 0.21-0.40 fair, 0.41-0.60 moderate, 0.61-0.80 substantial,
    0.81-1.00 almost perfect. ``None`` or NaN gives "undefined"."""
    if k is None or (isinstance(k, float) and math.isnan(k)):
        return "undefined"
    k = round(float(k), 2)  # so 0.605 reads "moderate"/"substantial" the way it is displayed
    if k < 0:
        return "poor"
    for upper, label in _LANDIS_KOCH[1:]:
        if k <= upper:
            return label
    return "almost perfect"
