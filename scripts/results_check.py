"""`make results-check`: rerun a cheap slice of each study and compare it with the committed results.

Each family's study module defines its own slice (`results_check`), prints every comparison and
says whether the rerun lands inside the committed spread:
- speech: fold 0 of the actor-disjoint CV — the logistic regressions (deterministic up to
  rounding) and the speaker-normalised LSTM with seed 0 (within the committed spread over seeds);
- audio: the shipped model re-evaluated on the recorded test actors (inference only);
- text: the frozen encoder's ridge baseline (deterministic up to rounding) and one TRM head of the
  best frozen version with seed 0 and the study's recipe (within the committed spread over seeds);
  the ~30-minute end-to-end fine-tune is not rerun.
Steering has no trained system of its own (it steers the shipped audio model), so no slice.
Pass family names to check a subset. Exits 1 when any comparison fails.
"""
import sys, time


def speech() -> dict:
    from neurolab.speech.cli import load_index
    from neurolab.speech.study import results_check
    return results_check(load_index())


def audio() -> dict:
    from neurolab.audio.study import results_check
    return results_check()


def text() -> dict:
    from neurolab.text.study import results_check
    return results_check()


CHECKS = {"speech": speech, "audio": audio, "text": text}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(CHECKS)
    unknown = [c for c in chosen if c not in CHECKS]
    if unknown: sys.exit(f"results-check: unknown families {unknown}; choose from {list(CHECKS)}")
    failed = []
    for name in chosen:
        t0 = time.perf_counter()
        print(f"== {name} (neurolab.{name}.study.results_check)", flush=True)
        ok = CHECKS[name]()["ok"]
        print(f"== {name}: {'inside the committed spread' if ok else 'OUTSIDE the committed spread'} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
        if not ok: failed.append(name)
    if failed: sys.exit(f"results-check: {', '.join(failed)} differ from the committed results")
