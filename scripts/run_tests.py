"""The project's test command: sync check, notebooks (nbdev_test) and pytest, one count line.

Run through `make test`. It ends with a line `N passed, N failed` where a notebook counts as
one test (nbdev_test stops a notebook at its first failing cell), the clean/export sync
check counts as one, every pytest test counts as one, and so does the final check that the
whole run left the working tree as it found it.
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


def tree_unchanged(before: str) -> bool:
    "True when the whole run (notebooks and pytest) left git's view of the tree as it found it."
    if tree_fingerprint() == before:
        print("tree: the test run left the working tree unchanged"); return True
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    print("tree: FAILED: the test run changed files (write them untracked or byte-reproducibly):\n" + changed)
    return False


if __name__ == "__main__":
    os.chdir(ROOT)
    sync_ok = sync_check()
    # pytest's test_project checks the notebook run against this fingerprint; the final check covers pytest too
    before = os.environ["NEUROLAB_TREE_FINGERPRINT"] = tree_fingerprint()
    nb_pass, nb_fail = notebooks()
    py_pass, py_fail = pytest_counts()
    tree_ok = tree_unchanged(before)
    passed = nb_pass + py_pass + int(sync_ok) + int(tree_ok)
    failed = nb_fail + py_fail + int(not sync_ok) + int(not tree_ok)
    print(f"notebooks: {nb_pass} passed, {nb_fail} failed; pytest: {py_pass} passed, {py_fail} failed; "
          f"sync: {'ok' if sync_ok else 'FAILED'}; tree: {'unchanged' if tree_ok else 'CHANGED'}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
