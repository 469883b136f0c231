"""`make docs`: nbdev-processed notebooks through mkdocs-material; one offline site that resolves every link and searches."""
import json, re, subprocess, sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from build_docs import page_name  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_docs.py"), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return out


class Page(HTMLParser):
    "Every id a page defines and every link or resource it names."
    def __init__(self, text):
        super().__init__(); self.ids, self.refs = set(), []
        self.feed(text)
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"): self.ids.add(a["id"])
        for k in ("href", "src"):
            if a.get(k): self.refs.append((tag, a[k]))


def test_every_notebook_has_a_page_in_the_navigation(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    for nb in (ROOT / "nbs").glob("*.ipynb"):
        page = site / f"{page_name(nb)}.html"        # nbdev's names: 03_train.ipynb → train.html
        assert page.exists() and page.stat().st_size > 1000, f"{nb.name} did not render"
        assert f'href="{page.name}"' in index, f"{page.name} is not in the navigation"


def test_every_internal_link_resolves(site):
    pages = {p: Page(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")}
    broken = []
    for page, parsed in pages.items():
        for tag, ref in parsed.refs:
            if re.match(r"^(https?:|mailto:|data:|javascript:)", ref): continue
            path, _, frag = ref.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists() or (frag and target.suffix == ".html" and frag not in pages[target].ids):
                broken.append(f"{page.relative_to(site)}: {ref}")
    assert not broken, f"{len(broken)} broken: {broken[:10]}"


def test_symbol_links_are_relative_and_home_links_follow_git_url(site):
    from build_docs import settings
    cfg = settings()
    train = (site / "train.html").read_text(encoding="utf-8")
    assert cfg["doc_host"] not in train                    # no link into the online site
    assert 'href="train.html#fit"' in train                # nbdev's symbol links, relative
    assert f'href="{cfg["git_url"]}/blob/{cfg["branch"]}/neurolab/train.py#L' in train  # source links
    badges = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', (site / "core.html").read_text(encoding="utf-8"))
    owner_repo = cfg["git_url"].split("github.com/")[-1]
    assert badges and all(f"/github/{owner_repo}/blob/" in b for b in badges)


def test_search_finds_the_main_names(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert (site / "search" / "search_index.js").exists()  # the offline plugin's copy: search works from file://
    titles = {re.sub(r"<[^>]+>", "", d["title"]).strip(): d["location"] for d in index["docs"]}
    assert titles.get("fit", "").startswith("train.html#fit")
    assert titles.get("SpeakerNorm", "").startswith("speakers.html#speakernorm")
    assert "SoulKernel" in " ".join(d["text"] for d in index["docs"] if d["location"].startswith("text_trm.html"))


def test_pages_are_processed_like_nbdev_docs(site):
    metrics = (site / "metrics.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", metrics)
    assert re.search(r"def\s+regression_report\(", text)    # show_doc signature of an exported function
    assert "#| export" not in metrics and "#| hide" not in metrics  # directives honoured, not printed
    assert "Colab: install Neurolab" not in metrics         # hidden cells stay out
    assert 'target="_blank" style=' not in metrics          # Quarto-only link attributes removed
    assert 'class="highlight"' in metrics and "Out[" not in text


def test_no_raw_markdown_in_signatures_or_subtitles(site):
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for pre in re.findall(r"<pre>(.*?)</pre>", text, re.S):
            assert not re.search(r"\]\((https?:|[\w.-]+\.html)", re.sub(r"<[^>]+>", "", pre)), f"{page.name}: markdown link in code"
        for desc in re.findall(r'<p class="description">(.*?)</p>', text, re.S):
            assert "`" not in desc, f"{page.name}: raw backticks in the subtitle"


@pytest.mark.parametrize("page", ["audio_study", "steering_study", "speech_study", "text_study", "viz_study"])
def test_study_pages_show_their_figures_and_tables(site, page):
    text = (site / f"{page}.html").read_text(encoding="utf-8")
    assert "data:image/png;base64" in text, f"{page}.html shows no figure"
    assert "<table" in text, f"{page}.html shows no table"


def test_nothing_is_fetched_from_the_network(site):
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', text), f"{page.name} loads from the network"
