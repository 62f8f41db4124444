"""The `sasaeai` command as a coordinator types it: clear one-line errors, nothing half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import gid, uid


def run(db: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "DATABASE_URL": db, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=full_env, timeout=120, check=False
    )


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"


def test_setup_commands_and_listing(db_url: str) -> None:
    assert run(db_url, "db", "upgrade").returncode == 0
    r = run(db_url, "district", "add", "NAGA", "長町", "--towns", "長町,中央通町、長土塀")
    assert r.returncode == 0, r.stderr
    assert run(db_url, "group", "bind", gid(5), "--district", "NAGA").returncode == 0
    assert run(db_url, "group", "bind", gid(6), "--coordinators").returncode == 0
    assert run(db_url, "supporter", "add", uid(7), "--district", "NAGA", "--name", "山田太郎").returncode == 0
    r = run(
        db_url,
        "resident",
        "add",
        uid(8),
        "--district",
        "NAGA",
        "--name",
        "金沢花子",
        "--address",
        "長町1-2-3",
        "--phone",
        "076-111-2222",
    )
    assert r.returncode == 0, r.stderr
    listing = run(db_url, "district", "list").stdout
    assert "NAGA" in listing and "長土塀" in listing
    assert "coordinators" in run(db_url, "group", "list").stdout
    assert "山田太郎" in run(db_url, "supporter", "list").stdout


@pytest.mark.parametrize(
    "args",
    [
        ("district", "add", "X", "名前", "--towns", ""),
        ("group", "bind", "C123", "--district", "NAGA"),
        ("group", "bind", gid(9), "--district", "NOPE"),
        ("supporter", "add", "not-a-user", "--district", "NAGA", "--name", "x"),
        ("supporter", "add", uid(9), "--district", "NOPE", "--name", "x"),
        ("resident", "add", uid(9), "--district", "NAGA", "--name", "x", "--phone", "abc"),
        ("resident", "add", uid(9), "--district", "NAGA", "--name", "   "),
    ],
)
def test_bad_input_is_one_clear_line_and_writes_nothing(sqlite_db: str, args: tuple[str, ...]) -> None:
    assert run(sqlite_db, "district", "add", "NAGA", "長町", "--towns", "長町").returncode == 0
    before = run(sqlite_db, "resident", "list").stdout + run(sqlite_db, "supporter", "list").stdout
    r = run(sqlite_db, *args)
    assert r.returncode != 0
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sasaeai: error:"), r.stderr
    assert "Traceback" not in r.stderr
    after = run(sqlite_db, "resident", "list").stdout + run(sqlite_db, "supporter", "list").stdout
    assert before == after


def test_duplicate_district_with_towns_is_refused_whole(sqlite_db: str) -> None:
    assert run(sqlite_db, "district", "add", "A", "甲", "--towns", "一町").returncode == 0
    r = run(sqlite_db, "district", "add", "B", "乙", "--towns", "二町,二町")
    assert r.returncode != 0
    assert "B\t" not in run(sqlite_db, "district", "list").stdout


@pytest.mark.parametrize("secret", ["", "changeme", "<your channel secret>", "xxxxxxxx"])
def test_serve_refuses_missing_or_placeholder_secret(sqlite_db: str, secret: str) -> None:
    r = run(
        sqlite_db, "serve", "--port", "0", env={"LINE_CHANNEL_SECRET": secret, "LINE_CHANNEL_ACCESS_TOKEN": "t" * 40}
    )
    assert r.returncode != 0
    assert "LINE_CHANNEL_SECRET" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("url", "advice"),
    [
        ("postgresql://postgres@127.0.0.1:5432/x", "postgresql+asyncpg://postgres@127.0.0.1:5432/x"),
        ("postgres://u:secret@127.0.0.1/x", "postgresql+asyncpg://u:***@127.0.0.1/x"),
        ("sqlite:///here.db", "sqlite+aiosqlite:///here.db"),
        ("mysql://x/y", "postgresql+asyncpg://"),
    ],
)
def test_a_wrong_database_url_says_what_to_write(url: str, advice: str) -> None:
    r = run(url, "district", "list")
    err = r.stderr.strip().splitlines()
    assert r.returncode != 0 and len(err) == 1 and "Traceback" not in r.stderr, r.stderr
    assert advice in err[0] and "secret" not in err[0]


def test_an_unreachable_or_missing_database_is_one_plain_line() -> None:
    nobody = "postgresql+asyncpg://postgres:pw@127.0.0.1:1/x"  # nothing listens on port 1
    r = run(nobody, "district", "list")
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "cannot reach the database" in r.stderr
    assert "pw@" not in r.stderr
    base = os.environ.get("SASAEAI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test").rsplit("/", 1)[0]
    missing = base.replace("postgresql://", "postgresql+asyncpg://") + "/sasaeai_no_such_database"
    r = run(missing, "district", "list")
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "does not exist" in r.stderr


def test_a_port_in_use_is_one_plain_line(sqlite_db: str) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = run(
            sqlite_db,
            "serve",
            "--port",
            str(port),
            env={"LINE_CHANNEL_SECRET": "0123456789abcdef0123456789abcdef", "LINE_CHANNEL_ACCESS_TOKEN": "t" * 40},
        )
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert f"port {port} on 127.0.0.1 is already in use" in r.stderr
    # serve names the database it had to create (a relative path run from another folder makes a new one).
    assert "was empty: its tables were created now" in r.stderr and "cli.db" in r.stderr


def test_a_new_empty_database_is_named(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    r = run(db, "district", "list")
    assert r.returncode == 0 and str(tmp_path / "fresh.db") in r.stderr and "was empty" in r.stderr
    assert "was empty" not in run(db, "district", "list").stderr


def test_binding_a_districts_group_elsewhere_needs_force(sqlite_db: str) -> None:
    assert run(sqlite_db, "district", "add", "NAGA", "長町", "--towns", "長町").returncode == 0
    assert run(sqlite_db, "group", "bind", gid(5), "--district", "NAGA").returncode == 0
    r = run(sqlite_db, "group", "bind", gid(5), "--coordinators")
    assert r.returncode != 0 and "NAGA" in r.stderr and "--force" in r.stderr
    assert f"{gid(5)}\tdistrict\tNAGA" in run(sqlite_db, "group", "list").stdout
    assert run(sqlite_db, "group", "bind", gid(5), "--district", "NAGA").returncode == 0  # the same binding again
    assert run(sqlite_db, "group", "bind", gid(5), "--coordinators", "--force").returncode == 0
    assert f"{gid(5)}\tcoordinators" in run(sqlite_db, "group", "list").stdout


def test_a_town_of_another_district_is_refused(sqlite_db: str) -> None:
    assert run(sqlite_db, "district", "add", "NAGA", "長町", "--towns", "長町,中央通町").returncode == 0
    r = run(sqlite_db, "district", "add", "KIKU", "菊川", "--towns", "菊川,中央通町")
    assert r.returncode != 0 and "中央通町" in r.stderr and "NAGA" in r.stderr
    assert "KIKU" not in run(sqlite_db, "district", "list").stdout


def test_coordinator_password_from_stdin_is_not_echoed(sqlite_db: str) -> None:
    assert run(sqlite_db, "district", "add", "NAGA", "長町", "--towns", "長町").returncode == 0
    full_env = {**os.environ, "DATABASE_URL": sqlite_db}
    r = subprocess.run(
        [sys.executable, "-m", "bot", "coordinator", "add", "naga", "--district", "NAGA"],
        input="a-long-password-0123\n",
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "a-long-password" not in r.stdout + r.stderr


# Python 3.12+ warns about forkpty() in a process with threads; the child only execs, so it cannot deadlock.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_coordinator_password_on_a_terminal_is_asked_without_echo(sqlite_db: str) -> None:
    import pty
    import select
    import time

    assert run(sqlite_db, "district", "add", "NAGA", "長町", "--towns", "長町").returncode == 0
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI with a terminal for stdin and stdout
        env = {**os.environ, "DATABASE_URL": sqlite_db}
        os.execve(
            sys.executable, [sys.executable, "-m", "bot", "coordinator", "add", "naga", "--district", "NAGA"], env
        )
    out = b""
    deadline = time.monotonic() + 90
    sent = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal: it has finished
            break
        if not chunk:
            break
        out += chunk
        if not sent and b"password:" in out:
            os.write(fd, b"a-long-password-0123\n")
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert sent, out.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, out.decode(errors="replace")
    assert b"coordinator naga added" in out and b"a-long-password" not in out


def test_coordinators_groups_per_district_add_up_and_widening_or_narrowing_needs_force(sqlite_db: str) -> None:
    assert run(sqlite_db, "district", "add", "NAGA", "長町", "--towns", "長町").returncode == 0
    assert run(sqlite_db, "district", "add", "KIKU", "菊川", "--towns", "菊川").returncode == 0
    assert run(sqlite_db, "district", "add", "IZUM", "泉", "--towns", "泉").returncode == 0
    r = run(sqlite_db, "group", "bind", gid(5), "--coordinators", "--district", "NAGA", "--district", "KIKU")
    assert r.returncode == 0 and "KIKU NAGA" in r.stdout, r.stderr
    # Binding it for one more district adds to those it serves: nothing is silently dropped.
    assert run(sqlite_db, "group", "bind", gid(5), "--coordinators", "--district", "IZUM").returncode == 0
    assert f"{gid(5)}\tcoordinators\tIZUM,KIKU,NAGA\tactive" in run(sqlite_db, "group", "list").stdout
    # Widening a district's group to the whole city would show it every district's alerts.
    r = run(sqlite_db, "group", "bind", gid(5), "--coordinators")
    assert r.returncode != 0 and "--force" in r.stderr and "every district" in r.stderr
    assert run(sqlite_db, "group", "bind", gid(6), "--coordinators").returncode == 0
    assert f"{gid(6)}\tcoordinators\tcity-wide\tactive" in run(sqlite_db, "group", "list").stdout
    # Narrowing the city-wide group would take other districts' alerts (and every escalation) away from it.
    r = run(sqlite_db, "group", "bind", gid(6), "--coordinators", "--district", "NAGA")
    assert r.returncode != 0 and "--force" in r.stderr and "city-wide" in r.stderr
    # A supporters' group is bound to exactly one district.
    r = run(sqlite_db, "group", "bind", gid(7), "--district", "NAGA", "--district", "KIKU")
    assert r.returncode != 0 and "one --district" in r.stderr


def test_suspending_a_supporter(sqlite_db: str) -> None:
    assert run(sqlite_db, "district", "add", "NAGA", "長町", "--towns", "長町").returncode == 0
    assert run(sqlite_db, "supporter", "add", uid(7), "--district", "NAGA", "--name", "山田太郎").returncode == 0
    r = run(sqlite_db, "supporter", "suspend", uid(7))
    assert r.returncode == 0 and "suspended; 0 request(s)" in r.stdout, r.stderr
    assert "\tsuspended\t" in run(sqlite_db, "supporter", "list").stdout
    assert run(sqlite_db, "supporter", "unsuspend", uid(7)).returncode == 0
    assert "\tactive\t" in run(sqlite_db, "supporter", "list").stdout
    r = run(sqlite_db, "supporter", "suspend", uid(8))
    assert r.returncode == 2 and "no supporter" in r.stderr
