"""What a newcomer reads must match the code: every setting is in deploy/.env.example with a comment, and the
README's commands and prerequisites are the real ones."""

from __future__ import annotations

import re

from bot.config import Settings
from bot.emulator.__main__ import parse_args
from tests.conftest import ROOT


def env_names() -> list[str]:
    names = []
    for name, field in Settings.model_fields.items():
        names.append(field.alias if field.alias else name.upper())
    return names


def test_env_example_lists_every_setting_with_a_comment() -> None:
    lines = (ROOT / "deploy" / ".env.example").read_text().splitlines()
    for env in env_names():
        at = [i for i, line in enumerate(lines) if re.match(rf"#? ?{env}=", line)]
        assert at, f"{env} (read by bot/config.py) is missing from deploy/.env.example"
        above = lines[at[0] - 1]
        assert above.startswith("# ") and "=" not in above.split(" ", 2)[1], f"{env} needs a comment line above it"


def test_readme_gives_prerequisites_and_the_emulators_required_options() -> None:
    readme = (ROOT / "README.md").read_text()
    for must in ("Python ≥ 3.11", "sudo", "SASAEAI_TEST_PG", ".venv/bin"):
        assert must in readme, must
    command = re.search(r"python -m bot\.emulator ([^`]*)`", readme)
    assert command, "the README shows how to run the emulator"
    args = command.group(1).split()
    parse_args(args)  # raises SystemExit if a required option is missing
    figure = re.search(r"Coverage over `bot/`[^*]*\*\*(\d+)%\*\*", readme)
    assert figure, "the README keeps the latest coverage figure"
