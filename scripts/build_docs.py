"""Offline docs: nbdev-processed notebooks through mkdocs-material (`make docs` → `_docs/`).

Each notebook goes through nbdev's own processors (`nbdev.processors.FilterDefaults`, the
filter `nbdev_docs` hands to Quarto): `#| hide` and exported cells leave the page, every
exported definition gets its `show_doc` signature with its documented parameters, and the
`echo`/`output`/`include` directives are honoured here the way Quarto honours them. The
processed notebooks are staged with nbdev's page names (`03_train.ipynb` → `train.html`, the
names nbdev's symbol links use) and built by mkdocs with the mkdocs-material theme (navigation,
search, code highlighting) and mkdocs-jupyter (notebook cells and outputs); mkdocs.yml holds the
theme and extensions, this script adds the pages and the navigation. Nothing is fetched from a
CDN and search works from file://, so the site opens from disk.

Links: nbdev writes symbol links against the online site (`doc_host` + `doc_baseurl` in
settings.ini); here they become relative links to the generated pages. Source links and the
Colab badges follow `git_url` (with `branch`), the one setting that names the project's home.

Outputs are the notebooks' committed ones. `--execute` reruns every notebook first,
nbdev_test style (cells flagged with `tst_flags` in settings.ini are skipped), and exits
non-zero naming each notebook that failed. Online users with Quarto build the full site with
`pip install quarto-cli` (it downloads Quarto's binary) and `nbdev_docs`.
"""
import argparse, configparser, html, os, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
DIRECTIVE = re.compile(r"^#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$")
QUARTO_ATTRS = re.compile(r"\{(?:target|style|\.)[^}\n]*\}")  # `[source](url){target="_blank" …}`
from neurolab.cliutil import FAMILIES  # noqa: E402  (the family registry orders the family sections)
SECTIONS = [("0", "Foundation and engines"), *[(f.notebooks, f.title) for f in FAMILIES.values()],
            ("5", "Views"), ("9", "Command line")]


def settings() -> configparser.SectionProxy:
    cfg = configparser.ConfigParser(delimiters=["="]); cfg.read(ROOT / "settings.ini", encoding="utf-8")
    return cfg["DEFAULT"]


def skip_flags() -> set: return set(settings().get("tst_flags", "").split())


def execute(path: Path):
    "Run a notebook in memory nbdev_test style (flagged cells skipped); return it with fresh outputs."
    from execnb.nbio import read_nb
    from execnb.shell import CaptureShell
    from nbdev.process import NBProcessor
    flags = skip_flags()
    nb = NBProcessor(path, process=True).nb
    def no_eval(cell):
        if cell.cell_type != "code": return True
        d = getattr(cell, "directives_", {}) or {}
        return d.get("eval:", [""])[0].lower() == "false" or bool(flags & d.keys())
    cwd = os.getcwd(); os.chdir(path.parent)
    try: CaptureShell(path).run_all(nb, exc_stop=True, preproc=no_eval)
    finally: os.chdir(cwd)
    fresh = read_nb(path)
    for cell, done in zip(fresh.cells, nb.cells):
        if cell.cell_type == "code": cell["outputs"] = done.get("outputs", [])
    return fresh


def _doc_procs():
    "nbdev's processors, with show_doc execution limited to what documentation needs."
    import ast
    from nbdev.processors import FilterDefaults, exec_show_docs, _is_showdoc

    class exec_definitions(exec_show_docs):
        "Like nbdev's, but a cell mixing imports with other code (a test, a clean-up) is not run for the docs."
        def __call__(self, cell):
            d = getattr(cell, "directives_", None) or {}
            if cell.cell_type == "code" and not d.keys() & {"export", "exports", "exporti", "exec_doc"}:
                try: tree = ast.parse(cell.source)
                except SyntaxError: return
                imports_only = all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body)
                if not imports_only and not _is_showdoc(cell): return
            super().__call__(cell)

    class DocsFilter(FilterDefaults):
        def base_procs(self): return [exec_definitions if p is exec_show_docs else p for p in super().base_procs()]
    return DocsFilter()


def nbdev_process(nb):
    "Apply nbdev's documentation processors in place (they run show_doc, so inside nbs/ like nbdev does)."
    cwd, was = os.getcwd(), os.environ.get("IN_TEST")
    os.chdir(NBS); os.environ["IN_TEST"] = "1"  # as nbdev_filter does: notebooks skip their interactive extras
    try:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbdev warns about cells mixing imports and code; harmless here
            _doc_procs()(nb)
    finally:
        os.chdir(cwd)
        if was is None: os.environ.pop("IN_TEST", None)
        else: os.environ["IN_TEST"] = was
    return nb


def _text(v) -> str: return "".join(v) if isinstance(v, list) else (v or "")


def to_nbformat(nb) -> tuple[nbformat.NotebookNode, dict]:
    "Quarto's share of the work: frontmatter, echo/output/include directives, GIFs; returns (notebook, frontmatter)."
    front, cells = {}, []
    for cell in nb.cells:
        if "source" not in cell: continue  # removed by nbdev's processors (hidden, exported)
        src = _text(cell.source)
        if cell.cell_type == "raw" and src.startswith("---"):
            front = yaml.safe_load(src.strip().strip("-")) or {}; continue
        if cell.cell_type == "markdown" and src.startswith("<!-- WARNING"): continue
        lines, directives = src.splitlines(), {}
        while lines and (m := DIRECTIVE.match(lines[0])): directives[m.group(1)] = m.group(2).lower(); lines.pop(0)
        if directives.get("include") == "false": continue
        raw = {"cell_type": cell.cell_type, "id": f"c{len(cells)}", "metadata": {"tags": []}, "source": "\n".join(lines)}
        if cell.cell_type == "code":
            raw["execution_count"] = None
            raw["outputs"] = [_output(o) for o in cell.get("outputs", [])]
            if directives.get("echo") == "false" or not raw["source"].strip(): raw["metadata"]["tags"].append("remove_input")
            if directives.get("output") == "false": raw["metadata"]["tags"].append("remove_output")
            if not raw["source"].strip() and not raw["outputs"]: continue
        cells.append(raw)
    book = nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})
    return book, front


FENCE = re.compile(r"^```.*?^```", re.S | re.M)
MD_LINK = re.compile(r"\[(`?)([^\]`]+)\1\]\([^)\s]+\)")


def unlink_code(md: str) -> str:
    "nbdev's doclinks also link names in a signature's parameter comments; a code block shows them as plain names."
    return FENCE.sub(lambda m: MD_LINK.sub(lambda l: l.group(2), m.group(0)), md)


def _output(o) -> dict:
    o = {k: v for k, v in dict(o).items() if k != "transient"}
    if "text" in o: o["text"] = _text(o["text"])
    if "data" in o:
        data = {k: _text(v) if not isinstance(v, dict) else v for k, v in o["data"].items()}
        if "image/gif" in data:  # nbconvert has no GIF renderer: hand it over as an <img>
            data = {"text/html": f'<img src="data:image/gif;base64,{data["image/gif"].strip()}">'}
        data.pop("application/vnd.jupyter.widget-view+json", None)  # a live widget has no static form
        if "text/markdown" in data:  # show_doc: its markdown, not its repr, without Quarto's link attributes
            data = {"text/markdown": unlink_code(QUARTO_ATTRS.sub("", data["text/markdown"]))}
        o["data"] = data
        o.setdefault("metadata", {})
    return o


def page_name(path: Path) -> str:
    "nbdev's page name for a notebook (`03_train.ipynb` → `train`), the one its symbol links use."
    from nbdev.doclinks import _nbpath2html
    return Path(_nbpath2html(Path(path.name))).stem


def nav_label(path: Path, front: dict) -> str:
    """The sidebar's name for a page: the module a notebook exports (`steering.study`), "Home" for the
    index, and "<family> results" for a study notebook that exports nothing, so no two read alike."""
    if path.stem == "index": return "Home"
    src = path.read_text(encoding="utf-8")
    if m := re.search(r"#\|\s*default_exp\s+([\w.]+)", src): return m.group(1)
    return f"{page_name(path).split('_')[0]} results"


def inline_md(text: str) -> str:
    "A one-line description as HTML: `code` spans and *emphasis*, nothing else (no raw backticks)."
    t = html.escape(text, quote=False)
    t = re.sub(r"`([^`]+)`", r"<code>\1</code>", t)
    return re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<em>\1</em>", t)


class Links:
    "Point nbdev's online links at the offline pages, and every home-URL link at `git_url`."
    def __init__(self, cfg):
        self.doc_url = cfg["doc_host"].rstrip("/") + "/" + cfg.get("doc_baseurl", "").strip("/") + "/"
        self.doc_url = self.doc_url.replace("//", "/").replace(":/", "://")
        owner_repo = cfg["git_url"].rstrip("/").split("github.com/")[-1]
        self.colab = f"https://colab.research.google.com/github/{owner_repo}/blob/{cfg.get('branch', 'main')}/"
        self.source = f"{cfg['git_url'].rstrip('/')}/blob/{cfg.get('branch', 'main')}/"
    def __call__(self, text: str) -> str:
        text = text.replace(self.doc_url, "")          # symbol links: `train.html#fit`, relative to the page
        # a notebook named by its path (the README's links, which GitHub follows) is its page here
        text = re.sub(r"\]\((?:\.\./)?nbs/([\w-]+)\.ipynb", lambda m: f"]({page_name(Path(m.group(1) + '.ipynb'))}.html", text)
        return re.sub(r"https://colab\.research\.google\.com/github/[^/\s]+/[^/\s]+/blob/[^/\s]+/", self.colab, text)


def stage(book, front: dict, path: Path, links: Links) -> nbformat.NotebookNode:
    "The page's notebook: a title and subtitle cell first, links rewritten in markdown and outputs."
    head = f"# {page_title(path, front)}"
    if desc := front.get("description"): head += f'\n\n<p class="description">{inline_md(str(desc))}</p>'
    if path.stem != "index":  # text links, not the badge image: nothing on the page is fetched
        nb = f"{path.parent.name}/{path.name}"
        head += (f'\n\n<p class="nb-links"><a href="{links.colab}{nb}">Open in Colab</a> · '
                 f'<a href="{links.source}{nb}">Notebook source</a></p>')
    book.cells.insert(0, nbformat.from_dict({"cell_type": "markdown", "id": "title", "metadata": {}, "source": head}))
    for cell in book.cells:
        cell.source = links(cell.source)
        for o in cell.get("outputs", []):
            for k, v in o.get("data", {}).items():
                if isinstance(v, str) and k.startswith("text/"): o["data"][k] = links(v)
    return book


def page_title(path: Path, front: dict) -> str:
    return "Neurolab" if path.stem == "index" else str(front.get("title") or path.stem)


REMOTE_SCRIPT = re.compile(r'<script[^>]+src="https?://[^"]*"[^>]*>\s*</script>')


def postprocess(site: Path):
    """What mkdocs-jupyter adds for live notebooks goes: its MathJax, Mermaid and require.js loaders are
    fetched from CDNs (the pages need none of them; the site must open offline)."""
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = REMOTE_SCRIPT.sub("", text)
        if new != text: page.write_text(new, encoding="utf-8")


def build_site(rendered: list, out: Path):
    "Stage the processed notebooks and build them with mkdocs into `out`."
    cfg, links = settings(), None
    links = Links(cfg)
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="neurolab-docs-") as tmp:
        docs = Path(tmp) / "docs"; docs.mkdir()
        shutil.copy(ROOT / "scripts" / "docs.css", docs / "neurolab.css")
        sections = {name: [] for _, name in SECTIONS}
        nav = []
        for path, book, front in rendered:
            name = page_name(path) + ".ipynb"
            nbformat.write(stage(book, front, path, links), docs / name)
            entry = {nav_label(path, front): name}
            if path.stem == "index": nav.insert(0, entry); continue
            for prefix, section in SECTIONS:
                if path.stem[:1] == prefix: sections[section].append(entry); break
            else: nav.append(entry)
        nav += [{s: pages} for s, pages in sections.items() if pages]
        config.update(docs_dir=str(docs), site_dir=str(out.resolve()), nav=nav, hooks=[str(ROOT / "scripts" / "docs_hooks.py")],
                      site_description=cfg["description"], repo_url=cfg["git_url"], edit_uri="",
                      copyright=f"© {cfg['copyright']}")
        (Path(tmp) / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--clean", "--quiet", "-f", str(Path(tmp) / "mkdocs.yml")],
                              capture_output=True, text=True, cwd=tmp)
        if proc.returncode: sys.exit(f"make docs: mkdocs build failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    postprocess(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--execute", action="store_true", help="rerun each notebook first (fails naming the notebook)")
    ap.add_argument("--no-execute", action="store_true", help=argparse.SUPPRESS)  # the default; kept for old scripts
    ap.add_argument("--out", type=Path, default=ROOT / "_docs")
    args = ap.parse_args()
    from execnb.nbio import read_nb
    start, failed, rendered = time.perf_counter(), [], []
    for path in sorted(NBS.glob("*.ipynb")):
        try: nb = execute(path) if args.execute else read_nb(path)
        except Exception as e:
            failed.append(path.name); print(f"{path.name}: execution FAILED ({type(e).__name__}: {e})", file=sys.stderr)
            nb = read_nb(path)
        try: book, front = to_nbformat(nbdev_process(nb))
        except Exception as e:
            failed.append(path.name); print(f"{path.name}: nbdev processing FAILED ({type(e).__name__}: {e})", file=sys.stderr)
            continue
        rendered.append((path, book, front))
    print(f"{len(rendered)} notebooks processed ({time.perf_counter() - start:.0f} s); building the site", flush=True)
    build_site(rendered, args.out)
    print(f"{len(rendered)} pages in {args.out} ({time.perf_counter() - start:.0f} s); open {args.out / 'index.html'}")
    if failed: sys.exit(f"make docs: {len(failed)} notebook(s) failed: {', '.join(failed)}")


if __name__ == "__main__": main()
