"""Make a notebook's outputs fit for committing (used by `make figures` and for the index's tables).

GitHub and Colab show a notebook's committed outputs, and `make docs` renders them, so study
notebooks keep theirs; this keeps them small and free of one machine's noise. In place, for each
notebook named:
- PNG outputs are downscaled to at most `--width` pixels (or the width the notebook displays them
  at, if smaller) and stored with a small palette (the full-resolution PNG and SVG of every figure
  are under results/figures/);
- GIF outputs are downscaled and thinned to at most `--frames` frames, keeping the total duration;
- live-widget outputs (progress bars, the breathing monitor's panel) and their saved widget state
  are dropped: nothing can drive them in a static view, and the figures they end in are shown;
- stderr streams (warnings naming this machine's paths) are dropped.
Then run `nbdev_clean` on the notebook (it strips execution counts and metadata, keeps outputs).
"""
import argparse, base64, io, json
from pathlib import Path

from PIL import Image, ImageSequence

WIDGET = "application/vnd.jupyter.widget-view+json"


def slim_png(data: str, width: int, colours: int) -> str:
    im = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
    if im.width > width: im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
    im = im.quantize(colors=colours, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buf = io.BytesIO(); im.save(buf, "PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode()


def slim_gif(data: str, width: int, frames: int) -> str:
    im = Image.open(io.BytesIO(base64.b64decode(data)))
    all_frames = [(f.convert("RGB"), f.info.get("duration", 100)) for f in ImageSequence.Iterator(im)]
    step = max(1, -(-len(all_frames) // frames))
    kept = []
    for i in range(0, len(all_frames), step):
        group = all_frames[i:i + step]
        frame = group[0][0]
        if frame.width > width: frame = frame.resize((width, round(frame.height * width / frame.width)), Image.LANCZOS)
        kept.append((frame.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE), sum(d for _, d in group)))
    buf = io.BytesIO()
    kept[0][0].save(buf, "GIF", save_all=True, append_images=[f for f, _ in kept[1:]], duration=[d for _, d in kept], loop=0, optimize=True)
    return base64.b64encode(buf.getvalue()).decode()


def slim(path: Path, width: int, colours: int, frames: int) -> tuple[int, int]:
    before = path.stat().st_size
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] != "code": continue
        outs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET in data: continue
            if out.get("output_type") == "stream" and out.get("name") == "stderr": continue
            if "image/png" in data:  # a display width the notebook asked for (`Image(..., width=…)`) caps the kept width too
                shown = (out.get("metadata", {}).get("image/png") or {}).get("width")
                data["image/png"] = slim_png("".join(data["image/png"]), min(width, int(shown)) if shown else width, colours)
            if "image/gif" in data: data["image/gif"] = slim_gif("".join(data["image/gif"]), width * 2 // 3, frames)
            outs.append(out)
        cell["outputs"] = outs
    nb.get("metadata", {}).pop("widgets", None)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return before, path.stat().st_size


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--width", type=int, default=640, help="largest PNG width kept, in pixels (default 640)")
    ap.add_argument("--colours", type=int, default=32, help="palette size of the kept PNGs (default 32)")
    ap.add_argument("--frames", type=int, default=16, help="most GIF frames kept (default 16)")
    a = ap.parse_args()
    for nb in a.notebooks:
        before, after = slim(nb, a.width, a.colours, a.frames)
        print(f"{nb}: {before / 1024:.0f} KB -> {after / 1024:.0f} KB")
