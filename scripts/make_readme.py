"""Generate README.md from nbs/index.ipynb (Quarto-free stand-in for `nbdev_readme`).

The index notebook is executed first (with execnb, as nbdev_test does), so the tables it
builds from results/*.json are current. Markdown cells are copied; code cells are shown
unless marked `#| hide` or `#| echo: false`; markdown outputs are inlined, text outputs fenced.
The same outputs are kept in nbs/index.ipynb (then `nbdev_clean`ed), so GitHub and Colab show
the tables too; `--no-outputs` leaves the notebook alone.
"""
import os, subprocess, sys
from pathlib import Path

from execnb.nbio import read_nb
from execnb.shell import CaptureShell

ROOT = Path(__file__).resolve().parents[1]


def directives(source: str) -> dict:
    out = {}
    for line in source.splitlines():
        if line.startswith("#|"):
            key, _, value = line[2:].strip().partition(" ")
            out[key.rstrip(":")] = value.strip()
    return out


def render(nb) -> str:
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown": parts.append(cell.source); continue
        if cell.cell_type != "code": continue
        d = directives(cell.source)
        if "hide" in d: continue
        code = "\n".join(l for l in cell.source.splitlines() if not l.startswith("#|")).strip()
        if code and d.get("echo") != "false" and "hide_input" not in d: parts.append(f"```python\n{code}\n```")
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/markdown" in data: parts.append("".join(data["text/markdown"]))
            elif out.get("output_type") == "stream": parts.append("```\n" + "".join(out.get("text", "")).rstrip() + "\n```")
            elif "text/plain" in data: parts.append("```\n" + "".join(data["text/plain"]).rstrip() + "\n```")
    return "\n\n".join(p.strip() for p in parts if p.strip()) + "\n"


if __name__ == "__main__":
    nb_path = ROOT / "nbs" / "index.ipynb"
    nb = read_nb(nb_path)
    shell = CaptureShell(nb_path)
    cwd = os.getcwd(); os.chdir(nb_path.parent)
    try: shell.run_all(nb, exc_stop=True)
    finally: os.chdir(cwd)
    text = "<!-- Generated from nbs/index.ipynb by scripts/make_readme.py: edit the notebook, not this file. -->\n\n" + render(nb)
    tmp = ROOT / ".README.md.tmp"
    tmp.write_text(text, encoding="utf-8"); os.replace(tmp, ROOT / "README.md")
    print(f"wrote README.md ({len(text)} characters)")
    if "--no-outputs" not in sys.argv:
        from execnb.nbio import write_nb
        write_nb(nb, nb_path)
        subprocess.run([str(Path(sys.executable).parent / "nbdev_clean"), "--fname", str(nb_path)], cwd=ROOT, check=True)
        print(f"kept the outputs in {nb_path.relative_to(ROOT)} ({nb_path.stat().st_size // 1024} KB)")
