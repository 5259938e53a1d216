"""Promises the command line keeps when an attacker or a new user leans on it (issue 18):
addresses that carry keys, addresses that cannot work, doctor's exit code."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from samantha.urls import redact, url_problem
from tests.fakeserver import FakeOpenAI, refused_base_url
from tests.test_cli import SAMANTHA, assert_one_line_error, cli_env, rows, run

USER_SECRET = "sk-userinfo-S3CRET"
QUERY_SECRET = "sk-query-S3CRET"
KEY_SECRET = "query-key-S3CRET"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        (f"http://u:{USER_SECRET}@host:8000/v1", "http://***@host:8000/v1"),
        (f"http://{USER_SECRET}@host/v1", "http://***@host/v1"),
        (f"https://host/v1?api_key={QUERY_SECRET}", "https://host/v1?api_key=***"),
        (f"https://host/v1?key={KEY_SECRET}&x=1", "https://host/v1?key=***&x=1"),
        (f"https://host/v1?access_token={KEY_SECRET}", "https://host/v1?access_token=***"),
        (f"http://u:{USER_SECRET}@[bad:x/v1?key={KEY_SECRET}", "http://***@[bad:x/v1?key=***"),
        ("http://localhost:11434/v1", "http://localhost:11434/v1"),
    ],
)
def test_redact_hides_userinfo_and_key_parameters(url: str, kept: str | None) -> None:
    shown = redact(url)
    for secret in (USER_SECRET, QUERY_SECRET, KEY_SECRET):
        assert secret not in shown
    if kept is not None:
        assert shown == kept


def secret_url() -> str:
    refused = refused_base_url()  # http://127.0.0.1:PORT/v1
    host = refused.removeprefix("http://")
    return f"http://u:{USER_SECRET}@{host}?api_key={QUERY_SECRET}&key={KEY_SECRET}"


def test_a_key_inside_the_base_url_is_never_printed(isolated_home: Path) -> None:
    url = secret_url()
    said = run(
        isolated_home,
        "--backend",
        "custom",
        "--base-url",
        url,
        "say",
        "hi",
        SAMANTHA_MAX_RETRIES="0",
    )
    doctor = run(isolated_home, "--backend", "custom", "--base-url", url, "doctor")
    shown = run(isolated_home, "config", "show", SAMANTHA_BASE_URL=url)
    debug = run(
        isolated_home,
        "--backend",
        "custom",
        "--base-url",
        url,
        "say",
        "--debug",
        "hi",
        SAMANTHA_MAX_RETRIES="0",
    )
    assert_one_line_error(said, 3)
    assert "***@127.0.0.1" in said.stderr
    assert "base_url" in shown.stdout
    for done in (said, doctor, shown):
        for secret in (USER_SECRET, QUERY_SECRET, KEY_SECRET):
            assert secret not in done.stdout + done.stderr, (done.args, done.stdout, done.stderr)
    # --debug's traceback is the one place the client's own exception text may show.
    assert debug.returncode == 3


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://[bad:x/v1", "not a valid address"),
        ("http://127.0.0.1:99999/v1", "port '99999'"),
        ("ftp://127.0.0.1/v1", "scheme 'ftp'"),
        ("localhost:8000/v1", "http://"),
        ("http:///v1", "no server"),
    ],
)
def test_a_bad_base_url_gets_a_sentence_naming_its_problem(
    isolated_home: Path, url: str, words: str
) -> None:
    assert url_problem(url) is not None
    done = run(isolated_home, "--backend", "custom", "--base-url", url, "say", "hi")
    line = assert_one_line_error(done, 2)
    assert words in line, line
    assert "base-url" in line
    doctor = run(isolated_home, "--backend", "custom", "--base-url", url, "doctor")
    assert doctor.returncode == 1
    assert words in doctor.stdout


def test_good_urls_have_no_problem() -> None:
    for url in ("http://localhost:11434/v1", "https://api.openai.com/v1", "http://[::1]:8080/v1"):
        assert url_problem(url) is None, url


def test_doctor_exits_non_zero_when_the_backend_does_not_answer(isolated_home: Path) -> None:
    done = run(
        isolated_home,
        "--backend",
        "custom",
        "--base-url",
        refused_base_url(),
        "doctor",
        SAMANTHA_MAX_RETRIES="0",
    )
    assert done.returncode == 1, done.stdout
    assert "Cannot reach" in done.stdout
    assert done.stderr.startswith("samantha: ")
    assert "backend" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_doctor_exits_zero_when_everything_answers(isolated_home: Path) -> None:
    with FakeOpenAI() as server:
        done = run(isolated_home, "--backend", "custom", "--base-url", server.base_url, "doctor")
    assert done.returncode == 0, done.stdout + done.stderr


def test_doctor_exits_non_zero_when_the_persona_does_not_load(isolated_home: Path) -> None:
    done = run(isolated_home, "--persona", "nobody-at-all", "doctor")
    assert done.returncode == 1
    assert "persona" in done.stderr


# -- the data folder, the schema, full and read-only disks -----------------------------------


def run_with_umask(home: Path, *args: str, umask: int = 0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SAMANTHA, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(home),
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.umask(umask),
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def card_file(folder: Path, name: str = "Flux the Cat") -> Path:
    path = folder / "card.json"
    card = {"spec": "chara_card_v2", "spec_version": "2.0", "data": {"name": name}}
    path.write_text(json.dumps(card), encoding="utf-8")
    return path


def test_persona_import_first_under_umask_000_makes_private_folders(
    isolated_home: Path, tmp_path: Path
) -> None:
    assert not isolated_home.exists()
    done = run_with_umask(isolated_home, "persona", "import", str(card_file(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert mode(isolated_home) == 0o700
    assert mode(isolated_home / "personas") == 0o700
    assert mode(isolated_home / "personas" / "flux-the-cat.yaml") == 0o600
    said = run_with_umask(isolated_home, "say", "hello")
    assert said.returncode == 0, said.stderr
    assert mode(isolated_home / "samantha.db") == 0o600


def test_an_existing_open_folder_is_tightened_by_whatever_command_opens_it(
    isolated_home: Path,
) -> None:
    isolated_home.mkdir()
    os.chmod(isolated_home, 0o777)
    done = run_with_umask(isolated_home, "memory", "list")
    assert done.returncode == 0, done.stderr
    assert mode(isolated_home) == 0o700
    os.chmod(isolated_home / "samantha.db", 0o666)
    os.chmod(isolated_home, 0o755)
    again = run_with_umask(isolated_home, "say", "hi")
    assert again.returncode == 0, again.stderr
    assert mode(isolated_home) == 0o700
    assert mode(isolated_home / "samantha.db") == 0o600


def set_version(db: Path, version: int) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute(f"PRAGMA user_version = {version}")
    finally:
        conn.close()


def digest(home: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in sorted(home.iterdir()) if p.name.startswith("samantha.db")
    }


@pytest.mark.parametrize("command", [["say", "hi"], ["memory", "list"], ["export", "-o", "out"]])
def test_a_database_from_a_newer_samantha_is_refused_and_left_untouched(
    isolated_home: Path, tmp_path: Path, command: list[str]
) -> None:
    assert run(isolated_home, "say", "hello").returncode == 0
    set_version(isolated_home / "samantha.db", 999)
    before = digest(isolated_home)
    if command[0] == "export":
        command = ["export", "-o", str(tmp_path / "out")]
    done = run(isolated_home, *command)
    line = assert_one_line_error(done, 4)
    assert "newer samantha" in line
    assert "upgrade" in line
    assert digest(isolated_home) == before
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("version", [-3, 3])
def test_an_impossible_or_damaged_schema_version_says_what_to_do(
    isolated_home: Path, version: int
) -> None:
    assert run(isolated_home, "say", "hello").returncode == 0
    set_version(isolated_home / "samantha.db", version)
    done = run(isolated_home, "say", "hi")
    line = assert_one_line_error(done, 4)
    assert "try again" not in line
    assert "samantha export" in line
    assert "move it aside" in line


def mount_tmpfs(folder: Path, size: str) -> Path:
    """A real small disk, where the machine lets us mount one (it needs root)."""
    folder.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {made.stderr.strip()}")
    return folder


@pytest.fixture
def disks(tmp_path: Path) -> Iterator[list[Path]]:
    """Mounts made by a test, unmounted after it."""
    made: list[Path] = []
    yield made
    for folder in made:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(disk: Path) -> None:
    """Take every free byte of the disk."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    failure = 0
    try:
        while True:
            os.write(fd, b"x" * 4096)
    except OSError as exc:
        failure = exc.errno or 0
    finally:
        os.close(fd)
    assert failure == errno.ENOSPC


def test_exports_on_a_full_disk_leave_no_empty_file_and_say_so(
    isolated_home: Path, tmp_path: Path, disks: list[Path]
) -> None:
    small_disk = mount_tmpfs(tmp_path / "small-disk", "64k")
    disks.append(small_disk)
    assert run(isolated_home, "say", "My sister is called Anna.").returncode == 0
    old = small_disk / "memories.json"
    old.write_text('{"kept": true}\n', encoding="utf-8")
    fill(small_disk)
    memories = run(isolated_home, "memory", "export", "-o", str(old))
    line = assert_one_line_error(memories, 4)
    assert "full" in line
    assert old.read_text(encoding="utf-8") == '{"kept": true}\n'  # the old export survives
    everything = run(isolated_home, "export", "-o", str(small_disk / "export"))
    line = assert_one_line_error(everything, 4)
    assert "full" in line
    left = [p for p in small_disk.rglob("*") if p.is_file() and p.name != "filler"]
    assert left == [old], left
    assert all(p.stat().st_size > 0 for p in left)


def test_a_database_on_read_only_media_can_be_exported_and_listed(
    tmp_path: Path, disks: list[Path]
) -> None:
    small_disk = mount_tmpfs(tmp_path / "media", "8m")
    disks.append(small_disk)
    backup = small_disk / "backup"
    assert run(backup, "say", "My sister is called Anna.").returncode == 0
    listed_before = run(backup, "memory", "list")
    remounted = subprocess.run(
        ["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True
    )
    if remounted.returncode != 0:
        pytest.skip(f"cannot remount read-only here: {remounted.stderr.strip()}")
    listed = run(backup, "memory", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == listed_before.stdout
    assert "Anna" in listed.stdout
    exported = run(backup, "export", "-o", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    document = json.loads((tmp_path / "out" / "samantha.json").read_text(encoding="utf-8"))
    texts = [row["text"] for row in document["tables"]["messages"]["rows"]]
    assert "My sister is called Anna." in texts
    said = run(backup, "say", "hello again")
    line = assert_one_line_error(said, 4)
    assert "read-only" in line


# -- personas and cards ----------------------------------------------------------------------


def test_a_persona_linked_to_another_file_never_quotes_that_file(
    isolated_home: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("rootsecret: hunter2-PASSWORD\ndaemon: x\n", encoding="utf-8")
    link = tmp_path / "ada.yaml"
    link.symlink_to(secret)
    for args in (["--persona", str(link), "say", "hi"], ["persona", "check", str(link)]):
        done = run(isolated_home, *args)
        assert done.returncode == 2, done.stderr
        assert "hunter2" not in done.stdout + done.stderr
        assert "rootsecret" not in done.stdout + done.stderr
        assert "is a link to" in done.stdout + done.stderr
    card_link = tmp_path / "card.json"
    card_link.symlink_to(secret)
    imported = run(isolated_home, "persona", "import", str(card_link))
    assert imported.returncode == 2
    assert "hunter2" not in imported.stdout + imported.stderr
    # A link to a real persona file (a dotfiles folder) still works.
    real = tmp_path / "real.yaml"
    real.write_text("name: Ada\n", encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.symlink_to(real)
    assert run(isolated_home, "persona", "check", str(good)).returncode == 0


def test_an_imported_persona_is_listed_and_chosen_by_her_display_name(
    isolated_home: Path, tmp_path: Path
) -> None:
    assert run(isolated_home, "persona", "import", str(card_file(tmp_path))).returncode == 0
    listed = run(isolated_home, "persona", "list")
    line = next(line for line in listed.stdout.splitlines() if line.startswith("flux-the-cat"))
    assert "Flux the Cat" in line
    for name in ("Flux the Cat", "flux the cat", "FLUX THE CAT", "flux-the-cat"):
        shown = run(isolated_home, "persona", "show", name)
        assert shown.returncode == 0, shown.stderr
        assert "name: Flux the Cat" in shown.stdout
    said = run(isolated_home, "--persona", "flux the cat", "say", "hi")
    assert said.returncode == 0, said.stderr
    assert rows(isolated_home, "SELECT persona FROM conversations") == [("flux the cat",)]


def test_card_greetings_in_another_template_language_are_flagged_not_sent_raw(
    isolated_home: Path, tmp_path: Path
) -> None:
    card = {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {
            "name": "Mira",
            "first_mes": "{{#if user}}Hello {{user}}!{{/if}}",
            "alternate_greetings": [
                "{{setvar::mood::happy}}Hi there.",
                "Hi {{user}}, I'm {{char}}.",
            ],
            "character_book": {
                "entries": [
                    {"keys": [], "content": "Always on.", "constant": True, "use_regex": True},
                    {"keys": ["/dra(g|k)on/i"], "content": "Dragons.", "name": "dragons"},
                    {"keys": ["museum"], "content": "A museum."},
                ]
            },
        },
    }
    path = tmp_path / "mira.json"
    path.write_text(json.dumps(card), encoding="utf-8")
    done = run(isolated_home, "persona", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert "2 greetings" in done.stdout
    assert "{{#if" in done.stdout
    assert "1 lorebook entry" in done.stdout
    assert "'dragons'" in done.stdout

    from samantha.persona import load_persona

    persona = load_persona(isolated_home / "personas" / "mira.yaml")
    assert persona.greetings == ["Hi {{user}}, I'm {{char}}."]
    assert "{{setvar::mood::happy}}Hi there." in persona.about.notes
    entries = {e.content: e.enabled for e in persona.lorebook.entries}
    assert entries == {"Always on.": True, "Dragons.": False, "A museum.": True}


def test_counts_agree_with_their_nouns(isolated_home: Path) -> None:
    assert run(isolated_home, "say", "My sister is called Anna.").returncode == 0
    asked = run(isolated_home, "memory", "forget", "1", stdin="n\n")
    assert "Forget 1 memory for good?" in asked.stdout
    exported = run(isolated_home, "memory", "export", "-o", str(isolated_home / "m.json"))
    assert "Wrote 1 memory to" in exported.stdout, exported.stdout


def test_a_config_key_typo_gets_a_suggestion(isolated_home: Path) -> None:
    isolated_home.mkdir()
    (isolated_home / "config.toml").write_text("recal_k = 3\n", encoding="utf-8")
    done = run(isolated_home, "say", "hi")
    line = assert_one_line_error(done, 2)
    assert "'recal_k'" in line
    # Named with its section, where it now lives ([memory] recall_k).
    assert "did you mean 'memory.recall_k'?" in line


def test_macros_in_the_user_s_own_words_are_left_alone(isolated_home: Path) -> None:
    done = run(isolated_home, "say", "My sister is called {{char}} and I am {{user}}.")
    assert done.returncode == 0, done.stderr
    # She echoes his words back; they must come back as he wrote them.
    assert "called {{char}}" in done.stdout, done.stdout
