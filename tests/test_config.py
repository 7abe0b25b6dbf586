"""`tix init` and `tix config`: a documented, validated, committed configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli, git

from tix.cli.main import main
from tix.storage import config as configmod

ROOT = Path(__file__).resolve().parents[1]


def test_init_creates_a_committed_helpdesk_and_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "desk"
    assert main(["init", str(root), "--name", "Pomoc Firma", "--timezone", "Europe/Warsaw"]) == 0
    files = git(root, "ls-files").split()
    assert files == [".gitattributes", ".gitignore", "templates/ack.j2", "templates/blank.j2", "templates/closed-notice.j2",
                     "templates/need-info.j2", "templates/resolved.j2", "templates/status-answer.j2", "tix.yaml"]
    assert "tickets/**/ticket.md merge=tix" in (root / ".gitattributes").read_text(encoding="utf-8")
    assert git(root, "log", "--format=%s").splitlines() == ["tix: initialize helpdesk"]
    capsys.readouterr()
    assert main(["init", str(root)]) == 0
    assert capsys.readouterr().out == f"{root} is already a helpdesk; nothing to do\n"
    assert git(root, "rev-list", "--count", "HEAD").strip() == "1"


def test_init_in_an_existing_repository_keeps_its_files_and_history(tmp_path: Path) -> None:
    root = tmp_path / "existing"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".gitignore").write_text("*.log\n", encoding="utf-8")
    (root / "README").write_text("ours\n", encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-qm", "first")
    assert main(["-C", str(root), "init"]) == 0
    assert (root / ".gitignore").read_text(encoding="utf-8").startswith("*.log\n")
    assert git(root, "log", "--format=%s").splitlines() == ["tix: initialize helpdesk", "first"]


def test_init_seeds_missing_templates_again_without_touching_edited_ones(tix: Cli, helpdesk: Path) -> None:
    (helpdesk / "templates" / "ack.j2").write_text("Subject: ours\n\nours\n", encoding="utf-8")
    (helpdesk / "templates" / "blank.j2").unlink()
    tix.ok("init")
    assert (helpdesk / "templates" / "ack.j2").read_text(encoding="utf-8") == "Subject: ours\n\nours\n"
    assert (helpdesk / "templates" / "blank.j2").exists()


def test_config_get_set_list(tix: Cli, helpdesk: Path) -> None:
    assert tix.ok("config", "get", "helpdesk.timezone").out == "Europe/Warsaw\n"
    assert tix.ok("config", "get", "statuses.open").out == "new\nopen\n"
    assert tix.ok("config", "set", "helpdesk.name", "Pomoc: Firma #1").out == "helpdesk.name=Pomoc: Firma #1\n"
    assert tix.ok("config", "set", "statuses.waiting", "[pending, on-hold, supplier]").out == (
        "statuses.waiting=pending, on-hold, supplier\n")
    assert tix.ok("config", "set", "team.ola.email", "ola@example.com").out == "team.ola.email=ola@example.com\n"
    assert tix.ok("config", "set", "team.ola.away", "yes").out == "team.ola.away=true\n"
    assert tix.ok("config", "set", "queues.sales.members", "ola").out == "queues.sales.members=ola\n"
    listing = tix.ok("config", "list").lines
    assert "helpdesk.name=Pomoc: Firma #1" in listing
    assert "team.ola.away=true" in listing and "queues.sales.owner=" in listing
    assert tix.ok("config", "get", "helpdesk.name").out == "Pomoc: Firma #1\n"
    assert git(helpdesk, "log", "-1", "--format=%s").strip() == "tix: config set queues.sales.members ola"
    assert git(helpdesk, "status", "--porcelain") == ""
    assert tix.ok("config", "set", "helpdesk.name", "Pomoc: Firma #1").out == "helpdesk.name: unchanged\n"
    # the rewritten file still carries its documentation
    assert "# IANA timezone for times written into tickets" in (helpdesk / "tix.yaml").read_text(encoding="utf-8")
    ticket = tix.new()
    assert tix.ok("status", ticket, "supplier").out == f"{ticket}: status new → supplier\n"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("helpdesk.timezone", "Mars/Olympus", "helpdesk.timezone: unknown timezone 'Mars/Olympus' (use an IANA name such as Europe/Warsaw)"),
        ("helpdesk.email", "nope", "helpdesk.email: 'nope' is not a mail address"),
        ("statuses.open", "new, Open", "statuses.open: 'Open' is not a valid name (lower-case letters, digits, '-', '_', '.')"),
        ("statuses.closed", "new", "statuses.closed: 'new' is already in statuses.open"),
        ("statuses.initial", "limbo", "statuses.initial: 'limbo' is not a configured status"),
        ("priorities.default", "p0", "priorities.default: 'p0' is not in priorities.levels"),
        ("team.ola.away", "maybe", "team.ola.away: expected true or false, got 'maybe'"),
        ("team.ola.name", "Ola", "team.ola.email: every team member needs a mail address"),
        ("queues.sales.members", "ghost", "queues.sales.members: 'ghost' is not in team"),
        ("helpdesk.colour", "red", "unknown config key 'helpdesk.colour' (see docs/CONFIG.md)"),
    ],
)
def test_config_set_refuses_invalid_values_naming_the_key(tix: Cli, helpdesk: Path, key: str, value: str, message: str) -> None:
    before = (helpdesk / "tix.yaml").read_bytes()
    result = tix("config", "set", key, value)
    assert (result.code, result.err) == (1, f"tix: error: {message}\n")
    assert (helpdesk / "tix.yaml").read_bytes() == before


def test_unknown_keys_in_a_hand_edited_file_are_named(tix: Cli, helpdesk: Path) -> None:
    with open(helpdesk / "tix.yaml", "a", encoding="utf-8") as handle:
        handle.write("team:\n  ola:\n    email: ola@example.com\n    phone: 123\n")
    assert tix("list").err == "tix: error: unknown config key 'team.ola.phone' (see docs/CONFIG.md)\n"


def test_every_config_key_is_documented_in_docs_config_md() -> None:
    documented = (ROOT / "docs" / "CONFIG.md").read_text(encoding="utf-8")
    assert documented == configmod.docs_markdown(), "regenerate: python -m tix.storage.config > docs/CONFIG.md"
    for key in configmod.SCHEMA:
        assert f"`{key.path}`" in documented


def test_default_config_round_trips_through_its_rendered_file() -> None:
    from tix.storage.yamlio import load_yaml

    data = configmod.validate({})
    assert configmod.validate(load_yaml(configmod.render(data))) == data


def test_no_wildcard_key_matches_a_key_written_out() -> None:
    """find_key looks keys without '*' up by path first; that is only the schema's own order if
    no '*' key (team.*.email) would match such a path."""
    exact = [key.path.split(".") for key in configmod.SCHEMA if "*" not in key.path]
    for key in configmod.SCHEMA:
        pattern = key.path.split(".")
        if "*" in pattern:
            clashes = [parts for parts in exact if len(parts) == len(pattern) and all(p in ("*", q) for p, q in zip(pattern, parts, strict=True))]
            assert clashes == [], key.path
    assert configmod.find_key("mail.tag")[0].path == "mail.tag"
    assert configmod.find_key("team.anna.email") == (next(k for k in configmod.SCHEMA if k.path == "team.*.email"), ["anna"])


def test_validated_values_are_kept_keyed_by_the_text_and_the_code_and_a_hand_edit_is_seen(
        tix: Cli, helpdesk: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Config.load keeps the validated values in .git/tix with the text they came from and the
    stamp of the validating code: the next command takes them without parsing or validating, and
    a hand edit, a broken file, another tix or a damaged kept file are each seen at once."""
    from tix.storage.layout import Helpdesk

    validated: list[str] = []
    real_validate = configmod.validate

    def counting(raw: object, source: str = configmod.CONFIG_FILE) -> dict[str, object]:
        validated.append(source)
        return real_validate(raw, source)

    monkeypatch.setattr(configmod, "validate", counting)
    kept = helpdesk / ".git" / "tix" / "config.marshal"
    kept.unlink(missing_ok=True)
    first = Helpdesk(helpdesk).config.data
    assert len(validated) == 1 and kept.is_file()
    assert Helpdesk(helpdesk).config.data == first and len(validated) == 1  # taken as kept

    path = helpdesk / "tix.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("categories: [", "categories: [hardware, "), encoding="utf-8")
    assert "hardware" in Helpdesk(helpdesk).config.categories and len(validated) == 2
    ticket = tix.new()
    tix.ok("category", ticket, "hardware")

    path.write_text(path.read_text(encoding="utf-8").replace("timeout: 30", "timeout: lots"), encoding="utf-8")
    for _ in range(2):  # never kept: refused every time
        result = tix("list")
        assert result.code != 0 and "mail.timeout" in result.err
    path.write_text(path.read_text(encoding="utf-8").replace("timeout: lots", "timeout: 30"), encoding="utf-8")

    Helpdesk(helpdesk).config  # noqa: B018  kept again
    count = len(validated)
    monkeypatch.setattr(configmod, "_validator_stamp", lambda: ("another tix",))
    assert Helpdesk(helpdesk).config.data["categories"][0] == "hardware" and len(validated) == count + 1
    kept.write_bytes(b"\x00not marshal")
    assert Helpdesk(helpdesk).config.data["categories"][0] == "hardware" and len(validated) == count + 2
