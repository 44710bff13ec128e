"""deploy/gunicorn.conf.py: what it does beyond plain settings (the production smoke test serves with it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# In a process of its own: freezing moves every object of the process out of the collector's reach.
FREEZE_BEFORE_FORK = """
import gc, runpy
config = runpy.run_path("deploy/gunicorn.conf.py")
before = gc.get_freeze_count()
config["pre_fork"](None, None)
print(before, gc.get_freeze_count())
"""


def test_the_master_freezes_the_loaded_app_before_each_fork():
    """What the master has loaded (preload_app) is out of every worker's full collections."""
    done = subprocess.run(
        [sys.executable, "-c", FREEZE_BEFORE_FORK], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    before, after = map(int, done.stdout.split())
    assert before == 0
    assert after > 1000  # the interpreter's and the config's objects at least
