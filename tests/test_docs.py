"""The offline docs build renders every notebook (as committed; `make docs` also executes them)."""
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_notebook_renders_to_html(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_docs.py"), "--no-execute", "--out", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    for nb in (ROOT / "nbs").glob("*.ipynb"):
        page = tmp_path / (nb.stem + ".html")
        assert page.exists() and page.stat().st_size > 1000, f"{nb.name} did not render"
