"""Peak memory of each audio predict command on a long noise file: raised limit (bounded?) and default limit (refused quickly?).

Usage: python bench/memory.py [--seconds 3600] [--out results/bench_memory.json] [--timeout 1800] [--only speech]
Writes `--seconds` of white noise (16 kHz mono 16-bit WAV, written block by block) to a temporary folder, then runs each
command in its own process: `neurolab audio predict`, `neurolab speech predict` (the offline openSMILE system) and
`neurolab speech predict --streaming` (the LSTM on contract MFCC frames), each twice: with `--max-seconds` raised to allow
the file, and at the default limit (`neurolab.data.MAX_SECONDS`, 10 min), where a longer file must be refused from its
header before decoding. Peak RSS is the child's own `ru_maxrss` (os.wait4), so each number is that command alone.
Text commands read no audio and are not measured. Goal (issue 33): peak RSS <= 1 GiB for a 1-hour file in every command.
"""
import argparse, os, signal, subprocess, sys, tempfile, threading, time
from pathlib import Path

import numpy as np
import soundfile as sf

from neurolab.core import run_environment, write_json
from neurolab.data import MAX_SECONDS

GOAL_MB = 1024  # 1 GiB, in MiB
COMMANDS = {"audio predict": ["audio", "predict"], "speech predict": ["speech", "predict"],
            "speech predict --streaming": ["speech", "predict", "--streaming"]}


def write_noise(path: Path, seconds: float, sr: int = 16000, block: int = 1 << 20, seed: int = 0):
    "White noise at −20 dBFS RMS, written a block at a time (the bench's own memory stays small)."
    rng, left = np.random.default_rng(seed), int(seconds * sr)
    with sf.SoundFile(str(path), "w", sr, 1, "PCM_16") as f:
        while left > 0:
            n = min(block, left); f.write(np.clip(rng.standard_normal(n) * 0.1, -1, 1).astype(np.float32)); left -= n


def measure(argv: list, timeout: float) -> dict:
    "Run `python -m neurolab.cli *argv` alone; its exit status, wall time, peak RSS (MiB) and first error line."
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-m", "neurolab.cli", *argv], stdout=out, stderr=err, start_new_session=True)
        timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL)); timer.start()
        try: _, status, usage = os.wait4(p.pid, 0)
        finally: timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
        err.seek(0); lines = err.read().decode(errors="replace").strip().splitlines()
    rss = usage.ru_maxrss / 1024  # Linux: KiB
    return {"argv": ["neurolab", *argv[:-1], Path(argv[-1]).name] if argv[-1].endswith(".wav") else ["neurolab", *argv],
            "rc": p.returncode, "timed_out": p.returncode == -signal.SIGKILL, "seconds": round(seconds, 1),
            "peak_rss_mb": round(rss, 1), "within_goal": rss <= GOAL_MB, "error": lines[-1] if p.returncode and lines else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3600, help="length of the noise file (default 3600 = 1 h)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds each command may run before it is killed")
    ap.add_argument("--only", default=None, help="run only the commands containing this text, e.g. 'speech'")
    ap.add_argument("--out", default="results/bench_memory.json")
    a = ap.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "noise.wav"
        write_noise(wav, a.seconds)
        for name, cmd in COMMANDS.items():
            if a.only and a.only not in name: continue
            for limit, extra in (("raised", ["--max-seconds", str(int(np.ceil(a.seconds)))]), ("default", [])):
                r = measure([*cmd, "--json", *extra, str(wav)], a.timeout)
                rows[f"{name} ({limit} limit)"] = r
                verdict = "timed out" if r["timed_out"] else f"exit {r['rc']}"
                print(f"{name:28s} {limit:7s} limit: {r['peak_rss_mb']:8.0f} MB peak RSS, {r['seconds']:7.1f} s, {verdict}; "
                      f"{'<=' if r['within_goal'] else '>'} {GOAL_MB} MB" + (f"  [{r['error']}]" if r["error"] else ""), flush=True)
    res = {"audio_seconds": a.seconds, "default_max_seconds": MAX_SECONDS, "goal_peak_rss_mb": GOAL_MB, "commands": rows,
           "all_within_goal": all(r["within_goal"] for r in rows.values()), "cpu": run_environment()["cpu"],
           "load_average_1min": os.getloadavg()[0]}
    write_json(a.out, res)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
