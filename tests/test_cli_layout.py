# tests/test_cli_layout.py: the hanreader command is one module per command, found by the dispatcher.
import os
import subprocess
import sys

from hostlib import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_command_module_is_a_subcommand_in_order():
    names = [m.__name__.rsplit(".", 1)[1] for m in cli.commands()]
    files = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "hostlib", "cli"))
                   if f.endswith(".py") and not f.startswith("_"))
    assert sorted(names) == files
    # The first six keep their order in --help.
    assert [n for n in names if n in ("decode", "read", "record", "replay", "simulate", "demo")] == [
        "decode", "read", "record", "replay", "simulate", "demo"]
    p = cli.build_parser()
    sub = [a for a in p._actions if a.dest == "command"][0]
    assert list(sub.choices) == names


def test_python_dash_m_and_entry_point_give_the_same_help():
    a = subprocess.run([sys.executable, "-m", "hostlib.cli", "--help"], capture_output=True, cwd=ROOT, timeout=60)
    exe = os.path.join(os.path.dirname(sys.executable), "hanreader")
    b = subprocess.run([exe, "--help"], capture_output=True, cwd=ROOT, timeout=60)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout
    assert b"decode" in a.stdout and b"simulate" in a.stdout


def test_no_command_is_usage_error():
    assert cli.main([]) == 2
