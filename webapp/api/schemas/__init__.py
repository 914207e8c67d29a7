"""Request and response schemas of /api/v1, declared once: the document (webapp/api/__init__.py),
the checks of every request (:class:`webapp.api.core.Parser`) and the answers are generated from
these. Names of the programme's records are the same everywhere: ``round_id`` (never batch or
year), ``nomination_id``, ``mentorship_id`` ...

One module a part of the programme (:mod:`.common` holds what they share); every schema is
re-exported here, so views write ``schemas.TaskDetail``."""
from __future__ import annotations

from .access import *  # noqa: F401,F403
from .common import *  # noqa: F401,F403
from .files import *  # noqa: F401,F403
from .mentoring import *  # noqa: F401,F403
from .selection import *  # noqa: F401,F403
from .work import *  # noqa: F401,F403
