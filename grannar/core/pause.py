"""Points where a test holds a process so that it can kill it midway (tests/test_killed_writers.py).

Only the test settings name points (from GRANNAR_TEST_PAUSE_AT); anywhere else a point does nothing.
"""

import time
from pathlib import Path

from django.conf import settings


def pause_point(name: str) -> None:
    """Stop here for good when the test settings name this point, after leaving a file named
    after it in GRANNAR_TEST_PAUSE_DIR to say it was reached."""
    if name not in getattr(settings, "GRANNAR_TEST_PAUSE_AT", ()):
        return
    Path(settings.GRANNAR_TEST_PAUSE_DIR, name).touch()
    while True:
        time.sleep(1)
