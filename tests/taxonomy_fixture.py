"""A small party/office/person taxonomy for extractor tests, independent of the bundled data."""

from __future__ import annotations

from pathlib import Path

import pytest
from negotiation_watch.store.extract.taxonomy import BUNDLED_DIR, Taxonomy, load_taxonomy_paths

FIXTURE_TOML = """
[[party]]
id = "RUS"
kind = "state"
name = "Russia"
aliases = ["Russia", "Russian Federation"]
demonyms = ["Russian", "Russians"]
metonyms = ["the Kremlin", "Kremlin", "Moscow"]
institutions = ["State Duma"]

[[party]]
id = "USA"
kind = "state"
name = "United States"
aliases = ["United States", "US", "U.S.", "USA", "United States of America"]
demonyms = ["American", "Americans"]
metonyms = ["Washington", "the White House"]
institutions = ["State Department", "Pentagon"]

[[party]]
id = "UKR"
kind = "state"
name = "Ukraine"
aliases = ["Ukraine"]
demonyms = ["Ukrainian", "Ukrainians"]
metonyms = ["Kyiv", "Kiev"]

[[party]]
id = "FRA"
kind = "state"
name = "France"
aliases = ["France"]
demonyms = ["French"]
metonyms = ["Paris", "the Elysee", "Elysee"]

[[party]]
id = "DEU"
kind = "state"
name = "Germany"
aliases = ["Germany"]
demonyms = ["German", "Germans"]
metonyms = ["Berlin"]

[[party]]
id = "CHE"
kind = "state"
name = "Switzerland"
aliases = ["Switzerland"]
demonyms = ["Swiss"]
metonyms = ["Bern"]

[[party]]
id = "BLR"
kind = "state"
name = "Belarus"
aliases = ["Belarus"]
demonyms = ["Belarusian"]
metonyms = ["Minsk"]

[[party]]
id = "KAZ"
kind = "state"
name = "Kazakhstan"
aliases = ["Kazakhstan"]
metonyms = ["Astana"]

[[party]]
id = "GEO"
kind = "state"
name = "Georgia"
aliases = ["Georgia"]
demonyms = ["Georgian"]
metonyms = ["Tbilisi"]
ambiguous = ["Georgia"]

[[party]]
id = "JOR"
kind = "state"
name = "Jordan"
aliases = ["Jordan"]
demonyms = ["Jordanian"]
metonyms = ["Amman"]
ambiguous = ["Jordan"]

[[party]]
id = "TCD"
kind = "state"
name = "Chad"
aliases = ["Chad"]
demonyms = ["Chadian"]
ambiguous = ["Chad"]

[[party]]
id = "TUR"
kind = "state"
name = "Turkey"
aliases = ["Turkey", "Türkiye"]
demonyms = ["Turkish"]
metonyms = ["Ankara"]
ambiguous = ["Turkey"]

[[party]]
id = "GIN"
kind = "state"
name = "Guinea"
aliases = ["Guinea"]
not = ["Guinea pig", "Guinea pigs"]

[[party]]
id = "MEX"
kind = "state"
name = "Mexico"
aliases = ["Mexico"]
demonyms = ["Mexican"]
not = ["New Mexico"]

[[party]]
id = "NER"
kind = "state"
name = "Niger"
aliases = ["Niger"]
ambiguous = ["Niger"]
not = ["Niger River", "Niger Delta"]

[[party]]
id = "SYR"
kind = "state"
name = "Syria"
aliases = ["Syria"]
demonyms = ["Syrian"]
metonyms = ["Damascus"]

[[party]]
id = "ARM"
kind = "state"
name = "Armenia"
aliases = ["Armenia"]
demonyms = ["Armenian"]

[[party]]
id = "AZE"
kind = "state"
name = "Azerbaijan"
aliases = ["Azerbaijan"]
demonyms = ["Azerbaijani"]

[[party]]
id = "CHN"
kind = "state"
name = "China"
aliases = ["China"]
demonyms = ["Chinese"]
metonyms = ["Beijing"]

[[party]]
id = "NATO"
kind = "organisation"
name = "NATO"
aliases = ["NATO", "North Atlantic Treaty Organization"]

[[party]]
id = "OSCE"
kind = "organisation"
name = "OSCE"
aliases = ["OSCE", "Organization for Security and Co-operation in Europe"]

[[party]]
id = "UN"
kind = "organisation"
name = "United Nations"
aliases = ["United Nations", "UN", "U.N."]

[[office]]
id = "RUS.foreign-minister"
party = "RUS"
name = "Foreign Minister of Russia"
role = "foreign minister"

[[office]]
id = "RUS.presidential-spokesperson"
party = "RUS"
name = "Kremlin spokesperson"
role = "presidential spokesperson"
titles = ["Kremlin spokesman", "Kremlin spokesperson"]

[[office]]
id = "USA.secretary-of-state"
party = "USA"
name = "US Secretary of State"
role = "secretary of state"
titles = ["Secretary of State"]

[[office]]
id = "NATO.secretary-general"
party = "NATO"
name = "NATO Secretary General"
role = "secretary general"

[[person]]
id = "sergey-lavrov"
name = "Sergey Lavrov"
aliases = ["Sergei Lavrov", "Lavrov"]
party = "RUS"
offices = [{ office = "RUS.foreign-minister", start = "2004-03-09" }]

[[person]]
id = "dmitry-peskov"
name = "Dmitry Peskov"
aliases = ["Peskov"]
party = "RUS"
offices = [{ office = "RUS.presidential-spokesperson", start = "2012-05-22" }]

[[person]]
id = "antony-blinken"
name = "Antony Blinken"
aliases = ["Blinken"]
party = "USA"
offices = [{ office = "USA.secretary-of-state", start = "2021-01-26", end = "2025-01-20" }]

[[person]]
id = "marco-rubio"
name = "Marco Rubio"
aliases = ["Rubio"]
party = "USA"
offices = [{ office = "USA.secretary-of-state", start = "2025-01-21" }]

[[person]]
id = "jens-stoltenberg"
name = "Jens Stoltenberg"
aliases = ["Stoltenberg"]
party = "NOR"
offices = [{ office = "NATO.secretary-general", start = "2014-10-01", end = "2024-09-30" }]

[[person]]
id = "mark-rutte"
name = "Mark Rutte"
aliases = ["Rutte"]
party = "NLD"
offices = [{ office = "NATO.secretary-general", start = "2024-10-01" }]

[[party]]
id = "NOR"
kind = "state"
name = "Norway"
aliases = ["Norway"]

[[party]]
id = "NLD"
kind = "state"
name = "Netherlands"
aliases = ["Netherlands"]
"""


def fixture_taxonomy(tmp_path: Path, extra: str = "") -> Taxonomy:
    """The bundled tracks and matcher rules over the fixture parties, plus optional extra TOML."""
    parties = tmp_path / "fixture.toml"
    parties.write_text(FIXTURE_TOML, encoding="utf-8")
    paths = [BUNDLED_DIR / "tracks.toml", BUNDLED_DIR / "matcher.toml", parties]
    if extra:
        user = tmp_path / "user.toml"
        user.write_text(extra, encoding="utf-8")
        paths.append(user)
    return load_taxonomy_paths(*paths)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep compiled matchers out of the user's cache folder."""
    folder = tmp_path_factory.getbasetemp() / "matcher-cache"
    monkeypatch.setenv("NEGOTIATION_WATCH_CACHE_DIR", str(folder))
    return folder
