"""Give a study notebook committed outputs (its docs page, GitHub and Colab show them) without rerunning its training.

    python scripts/keep_outputs.py nbs/24_steering_study.ipynb
    python scripts/keep_outputs.py nbs/15_audio_study.ipynb --from "^## The results"

Runs the notebook in a kernel the way nbdev_test does (cells flagged with settings.ini's `tst_flags`, e.g.
`slow`, are skipped). With `--from`, only the definitions above the first markdown cell matching the regex
run (exported cells and import-only cells: cheap), then every cell from it on: the results sections read
results/*.json, while the toy reruns above them stay without outputs. Then the outputs are slimmed
(scripts/slim_outputs.py) and the notebook `nbdev_clean`ed.
"""
import argparse, ast, os, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from build_docs import skip_flags  # noqa: E402
from slim_outputs import slim      # noqa: E402


def cheap(cell) -> bool:
    "An exported cell (definitions) or a cell of imports only."
    d = getattr(cell, "directives_", {}) or {}  # nbdev's processor has moved the `#|` lines here
    if d.keys() & {"export", "exports", "exporti"}: return True
    try: tree = ast.parse("\n".join(l for l in cell.source.splitlines() if not l.startswith("#|")))
    except SyntaxError: return False
    return all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body)


def run(path: Path, start: str | None):
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    from nbdev.process import NBProcessor
    nb = NBProcessor(path, process=True).nb
    first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and re.search(start, c.source, re.M)),
                 None) if start else 0
    if first is None: sys.exit(f"{path.name}: no markdown cell matches {start!r}")
    flags = skip_flags()
    def skip(cell):
        if cell.cell_type != "code": return True
        d = getattr(cell, "directives_", {}) or {}
        if flags & d.keys() or d.get("eval:", [""])[0].lower() == "false": return True
        return cell.idx_ < first and not cheap(cell)
    cwd = os.getcwd(); os.chdir(path.parent)
    try: CaptureShell(path).run_all(nb, exc_stop=True, preproc=skip)
    finally: os.chdir(cwd)
    fresh = read_nb(path)
    for cell, done in zip(fresh.cells, nb.cells):
        if cell.cell_type == "code": cell["outputs"] = done.get("outputs", []) if cell.idx_ >= first else []
    write_nb(fresh, path)
    before, after = slim(path, 640, 32, 16)
    subprocess.run([str(Path(sys.executable).parent / "nbdev_clean"), "--fname", str(path)], cwd=ROOT, check=True)
    print(f"{path.name}: outputs kept ({after // 1024} KB)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebook", type=Path)
    ap.add_argument("--from", dest="start", help="regex of the markdown cell the outputs start at")
    a = ap.parse_args()
    run(a.notebook.resolve(), a.start)
