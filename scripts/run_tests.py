"""The project's test command: sync check, notebooks (nbdev_test) and pytest, one count line.

Run through `make test`. It ends with a line `N passed, N failed` where a notebook counts as
one test (nbdev_test stops a notebook at its first failing cell), the clean/export sync
check counts as one, and every pytest test counts as one.
"""
import hashlib, os, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tree_fingerprint() -> str:
    "Hash of everything git would see as changed in nbs/, neurolab/ and the tree around them."
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True, text=True).stdout
    diff = subprocess.run(["git", "diff", "--no-ext-diff", "--binary"], cwd=ROOT, capture_output=True).stdout
    return hashlib.sha256(status.encode() + diff).hexdigest()


def sync_check() -> bool:
    "True when nbdev_clean and nbdev_export leave the working tree exactly as it was."
    before = tree_fingerprint()
    for cmd in ("nbdev_clean", "nbdev_export"):
        subprocess.run([str(BIN / cmd)], cwd=ROOT, check=True, capture_output=True)
    if tree_fingerprint() == before:
        print("sync: notebooks are clean and the package matches them")
        return True
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    print("sync: FAILED: nbdev_clean/nbdev_export changed files; commit the cleaned notebooks and exported package:\n" + changed)
    return False


def notebooks() -> tuple[int, int]:
    "Run nbdev_test with the default flags; return (passed, failed) notebook counts."
    proc = subprocess.run([str(BIN / "nbdev_test"), "--do_print", "--timing"], cwd=ROOT, capture_output=True, text=True)
    sys.stdout.write(proc.stdout); sys.stderr.write(proc.stderr)
    completed = len(re.findall(r"^- Completed ", proc.stdout, flags=re.M))
    failed = 0
    if "nbdev Tests Failed On The Following Notebooks" in proc.stderr:
        tail = proc.stderr.split("nbdev Tests Failed On The Following Notebooks", 1)[1]
        failed = len(re.findall(r"^\t\S+\.ipynb$", tail, flags=re.M))
    if proc.returncode != 0 and failed == 0: failed = 1  # nbdev_test itself crashed
    return completed - failed, failed


def pytest_counts() -> tuple[int, int]:
    "Run pytest on tests/; return (passed, failed) counting errors as failures."
    proc = subprocess.run([str(BIN / "python"), "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                          capture_output=True, text=True)
    sys.stdout.write(proc.stdout[-20000:]); sys.stderr.write(proc.stderr[-5000:])
    if proc.returncode == 5: return 0, 0  # no tests collected
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    count = lambda word: sum(int(n) for n in re.findall(rf"(\d+) {word}", summary))
    passed, failed = count("passed"), count("failed") + count("error")
    if proc.returncode != 0 and failed == 0: failed = 1
    return passed, failed


if __name__ == "__main__":
    os.chdir(ROOT)
    sync_ok = sync_check()
    nb_pass, nb_fail = notebooks()
    py_pass, py_fail = pytest_counts()
    passed, failed = nb_pass + py_pass + int(sync_ok), nb_fail + py_fail + int(not sync_ok)
    print(f"notebooks: {nb_pass} passed, {nb_fail} failed; pytest: {py_pass} passed, {py_fail} failed; sync: {'ok' if sync_ok else 'FAILED'}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
