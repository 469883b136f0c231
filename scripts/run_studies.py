"""Rerun every study that writes results/*.json (long: real-data training on CPU).

Each family's `study` subcommand trains on the real corpus, evaluates on held-out speakers or
the official dev split, and writes its results JSON and figures. Order matters: steering
builds on the audio model the audio study ships. Pass family names to run a subset.
"""
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from neurolab.cliutil import FAMILIES  # noqa: E402  (the one family registry; importing it loads no model code)

STUDIES = {name: fam.study_command for name, fam in FAMILIES.items()}  # family -> the command that writes its results

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(STUDIES)
    unknown = [c for c in chosen if c not in STUDIES]
    if unknown: sys.exit(f"unknown studies {unknown}; choose from {list(STUDIES)}")
    for name in chosen:
        cmd = [str(Path(sys.executable).parent / "neurolab"), *STUDIES[name]]
        print("$", " ".join(cmd[1:]), flush=True)
        subprocess.run(cmd, cwd=ROOT, check=True)
