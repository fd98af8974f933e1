"""The real LimeSurvey exports the issue names live beside the project, in ../shared/fixtures/lss/
(PORTAL_SHARED_DIR points elsewhere when a checkout sits somewhere else)."""

import os
from pathlib import Path

from django.conf import settings

SHARED_LSS = (
    Path(os.environ.get("PORTAL_SHARED_DIR", Path(settings.BASE_DIR).parent / "shared"))
    / "fixtures"
    / "lss"
)
