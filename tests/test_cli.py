"""The `neurolab` console script as a shell user meets it: --help everywhere, one-line errors."""
import subprocess, sys

import pytest

from neurolab.cli import build_parser

from conftest import run


def subcommand_paths():
    "Every (sub)command path of the parser, e.g. ('data', 'summary'), found by walking argparse."
    import argparse
    paths = []
    def walk(parser, prefix):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    paths.append(prefix + (name,)); walk(child, prefix + (name,))
    walk(build_parser(), ())
    return paths


@pytest.mark.parametrize("path", subcommand_paths(), ids=lambda p: " ".join(p))
def test_every_subcommand_has_help(path, capsys):
    # In process: argparse prints the help and exits 0, exactly as the console script would.
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args([*path, "--help"])
    assert stop.value.code == 0
    assert "usage: neurolab" in capsys.readouterr().out


def test_console_script_help():
    proc = run("--help")
    assert proc.returncode == 0 and "usage: neurolab" in proc.stdout


def test_unknown_command_fails_cleanly():
    proc = run("no-such-command")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_bad_data_folder_is_one_line(tmp_path):
    (tmp_path / "emobank").mkdir()
    (tmp_path / "emobank" / "emobank.csv").write_text("id,split,V,A,D,text\na,train,3,9,3,x\n")
    proc = run("data", "summary", "--data", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "outside 1–5" in proc.stderr


def test_help_imports_no_model_code():
    # `neurolab --help` lists every family from the registry without importing any (start-up stays fast).
    code = ("import sys, neurolab.cli as c; c.build_parser([]).format_help(); "
            "print(sorted(m for m in ('torch', 'pandas', 'transformers', 'sklearn', 'neurolab.audio', 'neurolab.text') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_families_never_import_the_top_cli():
    # the layering rule: neurolab.cli imports the families (lazily, through cliutil.FAMILIES), never the other way round
    import re
    from pathlib import Path
    from neurolab.cliutil import FAMILIES
    pkg = Path(__file__).resolve().parents[1] / "neurolab"
    for fam in FAMILIES.values():
        for f in (pkg / fam.package).glob("*.py"):
            text = f.read_text(encoding="utf-8")
            assert not re.search(r"from \.\.cli import|from neurolab\.cli import|import neurolab\.cli\b", text), f
        assert {p.stem for p in (pkg / fam.package).glob("*.py")} >= {"model", "training", "study", "cli"}, fam.package


@pytest.mark.parametrize("family", ["audio", "speech", "steer"])
def test_actors_accept_every_spelling(family):
    # one parser for --actors in every family: '21,22', '21 22' and '21-22' mean the same
    from neurolab.cli import build_parser
    action = {"audio": "eval", "speech": "eval", "steer": "eval"}[family]
    p = build_parser([family])
    for spelling in (["21,22"], ["21", "22"], ["21-22"]):
        assert p.parse_args([family, action, "--actors", *spelling]).actors == [21, 22]
    assert p.parse_args([family, action, "--actors", "test"]).actors == "test"


def test_bad_actors_is_one_line():
    proc = run("speech", "eval", "--actors", "21,x")
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "--actors: 'x'" in proc.stderr


# Words for people by default, JSON for machines with --json; --out writes the full JSON either way (issue 16.4).
# An untrained audio model and a synthetic clip: no corpus or shipped model needed.

@pytest.fixture(scope="module")
def tiny_audio(tmp_path_factory):
    import numpy as np, soundfile as sf, torch
    from neurolab.audio.emotion import FeatureEmotionRegression_Cnn6_LRM
    from neurolab.audio.features import RAVDESS_FRONTEND
    from neurolab.core import save_checkpoint
    torch.manual_seed(0)
    d = tmp_path_factory.mktemp("human")
    save_checkpoint(FeatureEmotionRegression_Cnn6_LRM(**RAVDESS_FRONTEND).eval(), d / "model",
                    meta={"split": {"train": [1], "valid": [2], "test": [3]}})
    sf.write(d / "clip.wav", 0.1 * np.random.default_rng(0).standard_normal(32000).astype(np.float32), 16000)
    return d


def test_predict_prints_an_aligned_table_by_default(tiny_audio):
    import json, re
    clip = tiny_audio / "clip.wav"
    proc = run("audio", "predict", clip, tiny_audio / "missing.wav", "--model", tiny_audio / "model")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1   # the table, then one line on stderr
    with pytest.raises(json.JSONDecodeError): json.loads(proc.stdout)
    head, row, failed, *rest = proc.stdout.splitlines()
    assert head.split()[:3] == ["file", "valence", "arousal"] and row.startswith(str(clip)) and failed.startswith(str(tiny_audio / "missing.wav"))
    assert "error: " in failed and rest[-1].startswith("valence and arousal on −1…1")
    words = re.search(r"(negative|neutral|positive), (low|medium|high) arousal", row)
    assert words and words.start() == head.index("in words")              # columns line up under their titles
    assert head.index("arousal") + len("arousal") == row.index(row.split()[2]) + len(row.split()[2])   # numbers right-aligned


def test_predict_json_parses_and_out_writes_json_in_both_modes(tiny_audio, tmp_path):
    import json
    clip, model = tiny_audio / "clip.wav", tiny_audio / "model"
    machine = run("audio", "predict", clip, "--model", model, "--json", "--out", tmp_path / "j.json")
    assert machine.returncode == 0, machine.stderr
    records = json.loads(machine.stdout)
    assert [r["file"] for r in records] == [str(clip)] and {"valence", "arousal", "passes"} <= set(records[0])
    assert json.loads((tmp_path / "j.json").read_text()) == records
    people = run("audio", "predict", clip, "--model", model, "--out", tmp_path / "w.json")
    assert people.returncode == 0 and people.stdout.splitlines()[-1] == f"wrote the full JSON to {tmp_path / 'w.json'}"
    assert json.loads((tmp_path / "w.json").read_text()) == records


def test_every_family_subcommand_takes_json():
    # the same --json everywhere (add_common), so a script can ask any command for machine output
    import argparse
    def children(parser):
        return next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    top = children(build_parser())
    for family in ("audio", "steer", "speech", "text"):
        for name, sub in children(top[family]).items():
            assert any("--json" in a.option_strings for a in sub._actions), (family, name)
