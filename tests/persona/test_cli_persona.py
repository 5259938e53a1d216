"""`samantha persona ...` as a user meets it: output, exit codes and the files it writes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from samantha.cli.main import app
from samantha.errors import PersonaError
from samantha.persona import Persona, load_persona, shipped_personas_dir
from samantha.persona.cards import load_card
from tests.persona.cardkit import card_charx, card_png, v2_card, v3_card

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, ["persona", *args], catch_exceptions=True)


def personas_dir(home: Path) -> Path:
    return home / "personas"


def write_user_persona(home: Path, stem: str, text: str) -> Path:
    path = personas_dir(home) / f"{stem}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_list_shows_shipped_and_user_personas_with_their_source(isolated_home: Path) -> None:
    write_user_persona(isolated_home, "alan", "name: Alan\ntagline: my own Alan\n")
    write_user_persona(isolated_home, "ivy", "name: Ivy\ntagline: a gardener\n")
    write_user_persona(isolated_home, "broken", "name: [\n")
    done = invoke("list")
    assert done.exit_code == 0, done.output
    rows = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert "user (overrides shipped)" in rows["alan"]
    assert "my own Alan" in rows["alan"]
    assert "shipped" in rows["samantha"]
    assert "curious about everything" in rows["samantha"]
    assert rows["ivy"].split()[1] == "user"
    assert "a gardener" in rows["ivy"]
    assert "invalid: run samantha persona check" in rows["broken"]


def test_show_prints_yaml_that_loads_back(isolated_home: Path, tmp_path: Path) -> None:
    done = invoke("show", "alan")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("# Alan, from ")
    copy = tmp_path / "alan.yaml"
    copy.write_text(done.stdout, encoding="utf-8")
    assert load_persona(copy).offline_voice.openers[0] == "Ah, so"
    full = invoke("show", "alan", "--full")
    assert "half_life_hours" in full.stdout
    assert "self_influence" in full.stdout


def test_check_says_ok_or_the_problem_and_sets_the_exit_code(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: Ada\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Ada\ntemperament:\n  volatilty: 0.3\n", encoding="utf-8")
    card = tmp_path / "mira.png"
    card.write_bytes(card_png("chara", v2_card()))
    done = invoke("check", str(good), str(card))
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == [f"ok: {good} (Ada)", f"ok: {card} (Mira)"]
    done = invoke("check", str(good), str(bad), str(tmp_path / "missing.yaml"))
    assert done.exit_code == 2
    lines = done.stdout.splitlines()
    assert lines[0] == f"ok: {good} (Ada)"
    assert lines[1].startswith(f"{bad}:3:3: there is no field 'volatilty' in 'temperament'")
    assert "did you mean 'volatility'?" in lines[1]
    assert lines[2].startswith("There is no persona file at")


def test_check_takes_persona_names_too(isolated_home: Path) -> None:
    done = invoke("check", "alan", "edith")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0].endswith("alan.yaml (Alan)")
    done = invoke("check", "nobody")
    assert done.exit_code == 2
    assert "There is no persona called 'nobody'" in done.stdout


def test_schema_prints_or_writes_the_json_schema(tmp_path: Path) -> None:
    done = invoke("schema")
    assert done.exit_code == 0
    assert json.loads(done.stdout) == Persona.model_json_schema()
    out = tmp_path / "schema.json"
    done = invoke("schema", "-o", str(out))
    assert done.exit_code == 0
    assert json.loads(out.read_text("utf-8")) == Persona.model_json_schema()


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("mira.json", json.dumps(v2_card()).encode()),
        ("mira.png", card_png("ccv3", v3_card())),
        ("mira.charx", card_charx(v3_card())),
    ],
)
def test_import_writes_a_private_persona_she_can_be_chatted_with(
    isolated_home: Path, tmp_path: Path, filename: str, content: bytes
) -> None:
    card = tmp_path / filename
    card.write_bytes(content)
    done = invoke("import", str(card))
    assert done.exit_code == 0, done.output
    target = personas_dir(isolated_home) / "mira.yaml"
    assert f"Imported Mira to {target}." in done.stdout
    assert "samantha --persona mira" in done.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    written = load_persona(target)
    imported = load_card(card)
    assert written == imported
    assert target.read_text("utf-8").startswith("# Imported from " + filename)


def test_import_refuses_to_overwrite_without_force(isolated_home: Path, tmp_path: Path) -> None:
    card = tmp_path / "mira.json"
    card.write_text(json.dumps(v2_card()), encoding="utf-8")
    assert invoke("import", str(card)).exit_code == 0
    again = invoke("import", str(card))
    assert isinstance(again.exception, PersonaError)
    assert "already exists: pass --force" in str(again.exception)
    renamed = invoke("import", str(card), "--name", "Mira Two")
    assert renamed.exit_code == 0, renamed.output
    assert load_persona(personas_dir(isolated_home) / "mira-two.yaml").name == "Mira Two"
    card.write_text(json.dumps(v2_card(description="changed")), encoding="utf-8")
    forced = invoke("import", str(card), "--force")
    assert forced.exit_code == 0, forced.output
    assert load_persona(personas_dir(isolated_home) / "mira.yaml").description == "changed"


def test_import_over_a_shipped_name_says_it_overrides(isolated_home: Path, tmp_path: Path) -> None:
    card = tmp_path / "alan.json"
    card.write_text(json.dumps(v2_card(name="Alan")), encoding="utf-8")
    done = invoke("import", str(card))
    assert done.exit_code == 0, done.output
    assert "takes the place of the shipped persona 'alan'" in done.stdout


def test_import_names_become_safe_file_names(isolated_home: Path, tmp_path: Path) -> None:
    card = tmp_path / "c.json"
    card.write_text(json.dumps(v2_card(name="../../Évi the 2nd")), encoding="utf-8")
    assert invoke("import", str(card)).exit_code == 0
    assert (personas_dir(isolated_home) / "évi-the-2nd.yaml").is_file()
    card.write_text(json.dumps(v2_card(name="???")), encoding="utf-8")
    done = invoke("import", str(card))
    assert "makes no usable file name" in str(done.exception)


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_export_prints_or_writes_a_card_that_imports_back(tmp_path: Path, version: str) -> None:
    done = invoke("export", "alan", "--card", version)
    assert done.exit_code == 0, done.output
    card = json.loads(done.stdout)
    assert card["spec"] == f"chara_card_{version}"
    assert card["data"]["name"] == "Alan"
    original = load_persona(shipped_personas_dir() / "alan.yaml")
    for suffix in [".json", ".png", ".charx"]:
        out = tmp_path / f"alan{suffix}"
        done = invoke("export", "alan", "--card", version, "-o", str(out))
        assert done.exit_code == 0, done.output
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        back = load_card(out)
        assert back.model_dump(exclude={"about"}) == original.model_dump(exclude={"about"})


def test_export_rejects_an_unknown_card_version() -> None:
    done = invoke("export", "alan", "--card", "v9")
    assert done.exit_code == 2
    assert "v9" in done.output


def test_errors_reach_the_terminal_as_one_line(isolated_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x0c\x80\x00\x00tEXtchara")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMANTHA_")}
    env["SAMANTHA_HOME"] = str(isolated_home)
    done = subprocess.run(
        [sys.executable, "-m", "samantha", "persona", "import", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"samantha: {bad}: the PNG is damaged"), lines
