"""Offline docs in nbdev's style, without Quarto (`make docs` → `_docs/`).

Each notebook goes through nbdev's own processors (`nbdev.processors.FilterDefaults`, the
filter `nbdev_docs` hands to Quarto): `#| hide` and exported cells leave the page, every
exported definition gets its `show_doc` signature with its documented parameters, and the
`echo`/`output`/`include` directives are honoured here the way Quarto honours them. The
processed notebook becomes HTML through nbconvert's plain template, wrapped in one page with
a sidebar of every page and local CSS: nothing is fetched from a CDN, figures and GIFs are
embedded.

Outputs are the notebooks' committed ones. `--execute` reruns every notebook first,
nbdev_test style (cells flagged with `tst_flags` in settings.ini are skipped), and exits
non-zero naming each notebook that failed. Online users with Quarto build the full site with
`pip install quarto-cli` (it downloads Quarto's binary) and `nbdev_docs`.
"""
import argparse, base64, configparser, html, json, os, re, sys, time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
DIRECTIVE = re.compile(r"^#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$")
QUARTO_ATTRS = re.compile(r"\{(?:target|style|\.)[^}\n]*\}")  # `[source](url){target="_blank" …}`
from neurolab.cliutil import FAMILIES  # noqa: E402  (the family registry orders the family sections)
SECTIONS = [("0", "Foundation and engines"), *[(f.notebooks, f.title) for f in FAMILIES.values()],
            ("5", "Views"), ("9", "Command line")]


def skip_flags() -> set:
    cfg = configparser.ConfigParser(); cfg.read(ROOT / "settings.ini")
    return set(cfg["DEFAULT"].get("tst_flags", "").split())


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
    import yaml
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


def _output(o) -> dict:
    o = {k: v for k, v in dict(o).items() if k != "transient"}
    if "text" in o: o["text"] = _text(o["text"])
    if "data" in o:
        data = {k: _text(v) if not isinstance(v, dict) else v for k, v in o["data"].items()}
        if "image/gif" in data:  # nbconvert has no GIF renderer: hand it over as an <img>
            data = {"text/html": f'<img src="data:image/gif;base64,{data["image/gif"].strip()}">'}
        data.pop("application/vnd.jupyter.widget-view+json", None)  # a live widget has no static form
        if "text/markdown" in data:  # show_doc: its markdown, not its repr, without Quarto's link attributes
            data = {"text/markdown": QUARTO_ATTRS.sub("", data["text/markdown"])}
        o["data"] = data
        o.setdefault("metadata", {})
    return o


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – Neurolab</title><style>{css}</style></head>
<body><nav class="sidebar"><a class="brand" href="index.html">Neurolab</a>{sidebar}</nav>
<main><header><h1>{title}</h1>{description}</header>{body}</main></body></html>
"""
CSS = """
body{margin:0;display:flex;font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330}
.sidebar{position:sticky;top:0;height:100vh;overflow:auto;flex:0 0 15rem;padding:1.2rem;background:#f5f6f8;border-right:1px solid #e1e4e8;font-size:.92rem}
.sidebar .brand{display:block;font-weight:700;font-size:1.2rem;margin-bottom:1rem;color:#1d2330;text-decoration:none}
.sidebar h4{margin:1rem 0 .3rem;font-size:.78rem;text-transform:uppercase;letter-spacing:.05em;color:#6a737d}
.sidebar a{display:block;padding:.12rem .4rem;border-radius:4px;color:#24527a;text-decoration:none}
.sidebar a.current{background:#dbe7f3;font-weight:600}
main{flex:1;max-width:60rem;padding:1.5rem 2.5rem 4rem}
header .description{font-size:1.1rem;color:#57606a;margin-top:-.4rem}
pre{background:#f6f8fa;padding:.7rem .9rem;border-radius:6px;overflow:auto;font-size:.85rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.88em}
.jp-InputArea pre{border-left:3px solid #9ab7d3}
.jp-OutputArea pre{background:#fff;border:1px solid #eaecef}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}th,td{border:1px solid #dfe2e5;padding:.25rem .6rem}th{background:#f6f8fa}
img{max-width:100%;height:auto}
.prompt{display:none}.celltag_remove_input .input{display:none}
blockquote{margin:.4rem 0;padding:.3rem .9rem;border-left:4px solid #d0d7de;color:#444;background:#fafbfc}
hr{border:0;border-top:1px solid #e1e4e8;margin:1.5rem 0}
"""


def page_title(path: Path, front: dict) -> str:
    return "Neurolab" if path.stem == "index" else str(front.get("title") or path.stem)


def sidebar(pages: list, current: str) -> str:
    parts = []
    for prefix, name in SECTIONS:
        links = [f'<a href="{stem}.html"{" class=current" if stem == current else ""}>{html.escape(title)}</a>'
                 for stem, title in pages if stem[:1] == prefix]
        if links: parts.append(f"<h4>{name}</h4>" + "".join(links))
    return "".join(parts)


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
        t0 = time.perf_counter()
        try: book, front = to_nbformat(nbdev_process(nb))
        except Exception as e:
            failed.append(path.name); print(f"{path.name}: nbdev processing FAILED ({type(e).__name__}: {e})", file=sys.stderr)
            continue
        rendered.append((path, book, front)); print(f"{path.name}: {time.perf_counter() - t0:.1f} s", flush=True)
    pages = [(p.stem, page_title(p, f)) for p, _, f in rendered]
    from traitlets.config import Config
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {"remove_input"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove_output"}
    exporter = HTMLExporter(config=config, template_name="basic")
    args.out.mkdir(parents=True, exist_ok=True)
    for path, book, front in rendered:
        body, _ = exporter.from_notebook_node(book)
        desc = front.get("description")
        page = PAGE.format(title=html.escape(page_title(path, front)), css=CSS, sidebar=sidebar(pages, path.stem), body=body,
                           description=f'<p class="description">{html.escape(str(desc))}</p>' if desc else "")
        (args.out / f"{path.stem}.html").write_text(page, encoding="utf-8")
    print(f"{len(rendered)} pages in {args.out} ({time.perf_counter() - start:.0f} s); open {args.out / 'index.html'}")
    if failed: sys.exit(f"make docs: {len(failed)} notebook(s) failed: {', '.join(failed)}")


if __name__ == "__main__": main()
