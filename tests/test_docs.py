"""`make docs`: nbdev's processors, one offline site with a sidebar, API signatures, no CDN."""
import re, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_docs.py"), "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return out


def test_every_notebook_has_a_page_in_the_sidebar(site):
    stems = sorted(nb.stem for nb in (ROOT / "nbs").glob("*.ipynb"))
    for stem in stems:
        page = site / f"{stem}.html"
        assert page.exists() and page.stat().st_size > 1000, f"{stem}.ipynb did not render"
    sidebar = re.search(r'<nav class="sidebar">(.*?)</nav>', (site / "index.html").read_text(encoding="utf-8"), re.S).group(1)
    assert all(f'href="{stem}.html"' in sidebar for stem in stems)


def test_pages_are_processed_like_nbdev_docs(site):
    metrics = (site / "02_metrics.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", metrics)
    assert re.search(r"def\s+regression_report\(", text)    # show_doc signature of an exported function
    assert "#| export" not in metrics and "#| hide" not in metrics  # directives honoured, not printed
    assert "Colab: install Neurolab" not in metrics         # hidden cells stay out
    assert 'target="_blank" style=' not in metrics          # Quarto-only link attributes removed


def test_nothing_is_fetched_from_the_network(site):
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', text), f"{page.name} loads from a CDN"
