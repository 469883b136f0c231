"""What the test files share: `run` (the CLI as a shell user runs it) and the markers that skip a test when the
data or a shipped model it needs is absent. Test files import these names from here (`from conftest import ...`)."""
import os, subprocess, sys
from pathlib import Path

import pytest

from neurolab.core import data_dir

ROOT = Path(__file__).resolve().parents[1]
DATA = data_dir()                                  # $NEUROLAB_DATA, else <repo>/data
RAVDESS = DATA / "ravdess"
EMOBANK = DATA / "emobank" / "emobank.csv"


def run(*args, env: dict | None = None, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    "`python -m neurolab.cli *args` in a fresh process (this checkout first on the path, one thread); text output captured."
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "neurolab.cli", *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=timeout, **kw)


needs_data = pytest.mark.skipif(not RAVDESS.is_dir(), reason="RAVDESS not present (set NEUROLAB_DATA)")
needs_emobank = pytest.mark.skipif(not EMOBANK.exists(), reason="EmoBank not in NEUROLAB_DATA")


def needs_models(*model_dirs, what: str = "model"):
    "Skip unless every model folder given holds a checkpoint (`config.json`), e.g. the shipped ones."
    return pytest.mark.skipif(not all((Path(d) / "config.json").exists() for d in model_dirs), reason=f"no shipped {what}")
