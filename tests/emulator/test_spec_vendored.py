"""The vendored LINE OpenAPI files must stay byte-identical to the shared upstream copy."""

from pathlib import Path

import pytest

from bot.emulator.openapi import SPEC_DIR

SHARED = Path(__file__).resolve().parents[3] / "shared" / "line-openapi"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/line-openapi is not present on this machine")
@pytest.mark.parametrize("name", ["messaging-api.yml", "webhook.yml", "LICENSE"])
def test_vendored_copy_is_byte_identical(name: str) -> None:
    assert (SPEC_DIR / name).read_bytes() == (SHARED / name).read_bytes()


def test_source_note_names_upstream() -> None:
    text = (SPEC_DIR / "SOURCE.md").read_text(encoding="utf-8")
    assert "line/line-openapi" in text and "Apache" in text
