"""Domains in one place: icons and space words are read from ``layers/domains.yml``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assetmap._resources import layers_dir, templates_dir
from assetmap.anchor.spaces import read_spaces, space_hosts
from assetmap.domains import Domains, load_domains, parse_hosts
from assetmap.errors import ConfigError
from assetmap.icons import ICONS, icon_name, icon_svg

SHIPPED = layers_dir() / "domains.yml"

#: The table that was hard-coded in ``anchor/spaces.py`` before it moved to domains.yml.
OLD_SPACE_HOSTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("exam", ("primary_care", "behavioral_health")),
    ("clinic", ("primary_care", "behavioral_health")),
    ("child", ("childcare",)),
    ("kitchen", ("food", "older_adults")),
    ("parking", ("food", "primary_care")),
    ("lot", ("food", "primary_care")),
    ("garden", ("food",)),
    ("land", ("food",)),
    ("plot", ("food",)),
    (
        "room",
        ("legal_aid", "employment", "behavioral_health", "older_adults", "housing", "utilities"),
    ),
    ("classroom", ("legal_aid", "employment", "older_adults", "utilities")),
    ("auditorium", ("employment", "older_adults", "legal_aid")),
    ("hall", ("employment", "older_adults", "legal_aid", "food")),
)

SAMPLE_TYPES = [
    "conference room",
    "Community Room (Lobby Level)",
    "auditorium",
    "teaching kitchen",
    "Staff Parking Lot B",
    "parking lots",
    "garden plot",
    "vacant land",
    "classroom",
    "Wellness Classrooms",
    "Exam Room 3",
    "clinic waiting room",
    "child care room",
    "children's room",
    "kitchen hall",
    "Great Hall",
    "meeting rooms",
    "storage closet",
    "lobby",
    "",
]


def old_space_hosts(space_type: str) -> tuple[str, ...]:
    words = re.sub(r"[^0-9a-z]+", " ", space_type.lower()).split()
    for word, domains in OLD_SPACE_HOSTS:
        if word in words or f"{word}s" in words:
            return domains
    return ()


def write_domains(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "domains.yml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_space_words_give_the_hosts_of_the_old_table():
    domains = load_domains()
    assert isinstance(domains, Domains)
    assert domains.space_hosts == OLD_SPACE_HOSTS
    for kind in SAMPLE_TYPES:
        assert domains.hosts_for_space(kind) == old_space_hosts(kind), kind
        assert space_hosts(kind) == old_space_hosts(kind), kind
    # a plain dict of domains (no table of its own) uses the shipped table
    assert space_hosts("teaching kitchen", domains=dict(domains)) == ("food", "older_adults")


def test_a_users_domain_with_its_own_space_words(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace(
        "\nspace_hosts:\n",
        "\n  fitness:\n    label: Fitness\n    colour: '#117733'\n    icon: fa-Heart\n"
        "    threshold_min: 15\n\nspace_hosts:\n  gym: [fitness]\n  meeting room: [fitness]\n",
    )
    domains = load_domains(write_domains(tmp_path, text))
    assert list(domains)[-1] == "fitness" and domains["fitness"].icon == "fa-Heart"
    assert domains.hosts_for_space("Staff Gyms") == ("fitness",)
    assert domains.hosts_for_space("Meeting Room 2") == ("fitness",)  # listed before "room"
    assert domains.hosts_for_space("conference room") == old_space_hosts("conference room")
    spaces = tmp_path / "spaces.csv"
    spaces.write_text(
        "name,space_type,hosts,latitude,longitude\n"
        "Gym,gym,,40.84,-73.90\nKitchen,kitchen,,40.84,-73.90\nHall,hall,Fitness,40.84,-73.90\n",
        encoding="utf-8",
    )
    got = read_spaces(spaces, domains=domains)["hosts"].tolist()
    assert got == ["fitness", "food; older_adults", "fitness"]
    # a file without a space_hosts table hosts nothing by type
    bare = text[: text.index("\nspace_hosts:\n")] + "\n"
    assert load_domains(write_domains(tmp_path, bare)).hosts_for_space("kitchen") == ()


def test_unknown_icon_names_the_file_line_and_the_icons(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8").replace("icon: bus\n", "icon: rocket\n")
    path = write_domains(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_domains(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}, line {line_of(text, 'icon: rocket')}: ")
    assert "'transportation'" in msg and "'rocket'" in msg
    assert ", ".join(sorted(ICONS)) in msg


def test_unknown_domain_in_space_hosts_names_its_line(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "garden: [food]", "garden: [food, gardening]"
    )
    path = write_domains(tmp_path, text)
    with pytest.raises(ConfigError, match=r"'gardening', which is not a domain") as err:
        load_domains(path)
    assert str(err.value).startswith(f"{path}, line {line_of(text, 'garden: [food, g')}: ")
    text = SHIPPED.read_text(encoding="utf-8").replace("garden: [food]", "garden: 3")
    with pytest.raises(ConfigError, match="must list domain keys"):
        load_domains(write_domains(tmp_path, text))


def test_every_icon_in_the_docs_is_drawn_and_every_drawing_is_listed():
    header = SHIPPED.read_text(encoding="utf-8").split("\ndomains:\n")[0]
    block = header.split("#   icon ")[1].split("#   threshold_min")[0]
    in_yml = [
        w
        for line in block.splitlines()
        if line.startswith("#" + " " * 20)
        for w in line[1:].split()
    ]
    readme = (templates_dir() / "README.md").read_text(encoding="utf-8")
    listed = readme.split("<!-- icons:")[1].split("-->", 1)[1].split("\n\n")[0]
    in_readme = re.findall(r"`([a-z-]+)`", listed)
    assert in_yml == in_readme == sorted(ICONS)
    assert all(icon_svg(name) is not None for name in in_yml)
    assert all(icon_name(d.icon) for d in load_domains().values())


def test_parse_hosts_reads_a_cell_of_domain_keys():
    assert parse_hosts("food; older_adults;food") == ("food", "older_adults")
    assert parse_hosts(" ; ") == () == parse_hosts(float("nan")) == parse_hosts(None)
