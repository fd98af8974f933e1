"""The real LimeSurvey exports the issue names live beside the project, in shared/fixtures/lss/
of the checkout's parent (or of its grandparent, for a git worktree under wt/); PORTAL_SHARED_DIR
points elsewhere when a checkout sits somewhere else."""

import os
from pathlib import Path

from django.conf import settings


def _shared_dir() -> Path:
    if os.environ.get("PORTAL_SHARED_DIR"):
        return Path(os.environ["PORTAL_SHARED_DIR"])
    base = Path(settings.BASE_DIR)
    for ancestor in (base.parent, base.parent.parent):
        if (ancestor / "shared" / "fixtures" / "lss").is_dir():
            return ancestor / "shared"
    return base.parent / "shared"


SHARED_LSS = _shared_dir() / "fixtures" / "lss"
