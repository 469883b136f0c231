"""Command-line start-up: wall time of `neurolab --help`, `neurolab text predict "…"` and `neurolab audio predict FILE`.

Usage: NEUROLAB_DATA=/work/shared/data python bench/cli.py [--repeats 3] [--out results/bench_cli.json] (writes results/bench_cli.json)
Each command runs in a fresh interpreter (what a shell user waits for); the best of `--repeats` runs is reported,
since start-up is dominated by imports and page-cache state. Goals (issue #16): --help ≤ 1 s, text predict ≤ 4 s.
A command whose model or data is missing is reported as skipped, not timed.
"""
import argparse, json, os, subprocess, sys
from pathlib import Path

from _timing import best_of

ROOT = Path(__file__).resolve().parents[1]


def wall(cmd: list[str], repeats: int) -> dict:
    "Best and all wall times of `python -m neurolab.cli *cmd`, or why it could not run."
    argv = [sys.executable, "-m", "neurolab.cli", *cmd]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0: return {"skipped": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return {"best_s": round(best_of(lambda: subprocess.run(argv, capture_output=True, check=True), repeats), 3), "repeats": repeats}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="fresh-interpreter runs per command (default 3)")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "bench_cli.json", help="where to write the JSON")
    a = ap.parse_args()
    data = Path(os.environ.get("NEUROLAB_DATA", ROOT / "data"))
    clip = next(iter(sorted((data / "ravdess").glob("Actor_*/*.*"))), None)
    res = {"python": sys.version.split()[0], "cpu_count": os.cpu_count(),
           "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
           "help": wall(["--help"], a.repeats),
           "text_predict": wall(["text", "predict", "What a wonderful day!"], a.repeats),
           "audio_predict": wall(["audio", "predict", str(clip)], a.repeats) if clip else {"skipped": f"no RAVDESS clip under {data}"}}
    res["goals"] = {"help_le_1s": res["help"].get("best_s", 99) <= 1.0, "text_predict_le_4s": res["text_predict"].get("best_s", 99) <= 4.0}
    print(json.dumps(res, indent=2))
    if a.out:
        sys.path.insert(0, str(ROOT))
        from neurolab.core import write_json
        write_json(a.out, res)


if __name__ == "__main__":
    main()
