"""The `neurolab` console script as a shell user meets it: --help everywhere, one-line errors."""
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
