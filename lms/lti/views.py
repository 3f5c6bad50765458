"""The LTI tool's pages, one module per job, all on one blueprint (`bp`):

- `launch_views`: what platforms call (login initiation, launch, key set, configuration) and the
  deep-linking picker;
- `platform_views`: registering platforms, and the scores sent to them;
- `roster_views`: reading a platform course's class list into a cohort.
"""

from lms.lti import launch_views, platform_views, roster_views  # noqa: F401 (routes)
from lms.lti.blueprint import bp

__all__ = ["bp"]
