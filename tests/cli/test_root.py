from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from switchover import __version__
from switchover.cli.app import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"switchover {__version__}"


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "switchover" in result.stdout


def test_unknown_command_is_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "switchover", "no-such-command"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_ctrl_c_prints_a_message_and_exits_130() -> None:
    code = (
        "import switchover.cli.app as a\n"
        "a._load_commands()\n"
        "@a._app.command('qa-interrupt')\n"
        "def qa_interrupt() -> None:\n"
        "    raise KeyboardInterrupt\n"
        "a.main(['qa-interrupt'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 130
    assert "interrupted: work done so far is kept" in proc.stderr
    assert "Traceback" not in proc.stderr
