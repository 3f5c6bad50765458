"""The learning blueprint (/courses) and the template helpers its pages share.

The pages register on `bp` from their own modules (lms.learning.views imports them all).
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import format_decimal

from lms.learning import links

bp = Blueprint("learning", __name__)


@bp.app_template_global()
def learning_scenario_url(scenario):
    return links.scenario_url(scenario)


@bp.app_template_filter("learning_hours")
def hours_filter(value) -> str:
    """Hours as people write them: 40, 6, 1.5."""
    return format_decimal(value or 0, format="#,##0.##")
