"""Offline HTML docs: render every notebook in nbs/ to _docs/ with nbconvert (no Quarto needed).

Notebooks are executed first with execnb, skipping the cells flagged like nbdev_test skips them
(`tst_flags` in settings.ini, `#| eval: false`), so each page shows current outputs. Pass
--no-execute to render the notebooks as committed. Users with Quarto can run `nbdev_docs` instead.
"""
import argparse, configparser, html, os, sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]


def skip_flags() -> set:
    cfg = configparser.ConfigParser(); cfg.read(ROOT / "settings.ini")
    return set(cfg["DEFAULT"].get("tst_flags", "").split())


def execute(path: Path):
    "Run the notebook in place in memory, nbdev_test style; return the executed nbformat notebook."
    from execnb.nbio import read_nb, dict2nb
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
    raw = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    for cell, done in zip(raw.cells, nb.cells):  # copy outputs back onto a plain nbformat notebook
        if cell.cell_type == "code": cell.outputs = [nbformat.from_dict(_joined(o)) for o in done.get("outputs", [])]
    return raw


def _joined(output: dict) -> dict:
    "execnb keeps multi-line outputs as lists of lines; nbconvert's renderers want strings."
    output = dict(output)
    if isinstance(output.get("text"), list): output["text"] = "".join(output["text"])
    if "data" in output:
        output["data"] = {k: "".join(v) if isinstance(v, list) else v for k, v in output["data"].items()}
    return output


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-execute", action="store_true", help="render as committed, without running")
    ap.add_argument("--out", type=Path, default=ROOT / "_docs")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    links, failed = [], []
    for path in sorted((ROOT / "nbs").glob("*.ipynb")):
        try: nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4) if args.no_execute else execute(path)
        except Exception as e:
            failed.append(path.name)
            print(f"{path.name}: execution FAILED ({type(e).__name__}: {e}); its page shows the committed cells", file=sys.stderr)
            nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        body, _ = exporter.from_notebook_node(nb)
        target = args.out / (path.stem + ".html")
        target.write_text(body, encoding="utf-8")
        links.append(f'<li><a href="{target.name}">{html.escape(path.stem)}</a></li>')
        print(f"rendered {target}")
    (args.out / "toc.html").write_text("<html><body><h1>Neurolab docs</h1><ul>" + "".join(links) + "</ul></body></html>")
    if failed: sys.exit(f"make docs: {len(failed)} notebook(s) failed to execute: {', '.join(failed)}")


if __name__ == "__main__": main()
