"""Timing helpers shared by the bench scripts (imported as `from _timing import best_of`: a script run as
`python bench/x.py` has bench/ first on its path). Not a bench itself; `make bench` skips files starting with `_`."""
import time


def best_of(fn, repeats: int = 3) -> float:
    "Minimum wall time in seconds of `repeats` calls of `fn()` (the run least disturbed by other processes)."
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return min(times)
