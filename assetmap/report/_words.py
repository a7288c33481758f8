"""The report's words: "a" or "an", the citation, and the terms of method it defines.

Internal to :mod:`assetmap.report`; shared by the facts and both templates.
"""

from __future__ import annotations

import re

__all__ = ["CITATION_YEAR", "GLOSSARY", "article", "citation", "with_article"]

#: Year of this assetmap release, printed in the suggested citation (bump with the version).
#: A constant, not today's date: the report's body is reproducible.
CITATION_YEAR = 2026

_CITATION = (
    "assetmap developers ({year}). assetmap: community asset mapping for population health, "
    "version {version} [software]. https://github.com/assetmap/assetmap"
)

# Words that start with a vowel letter but a consonant sound ("a unit", "a one-stop"),
# and words that start with a silent h ("an hour").
_CONSONANT_SOUND = re.compile(r"^(uni|use|usa|usu|uti|ute|uro|ura|eu|ewe|one\b|once|ubiq)")
_SILENT_H = re.compile(r"^(hour|honest|honou?r|heir)")
# Letters read as a name starting with a vowel sound, for acronyms ("an SVI", "a CDC").
_VOWEL_LETTERS = set("AEFHILMNORSX")


def article(word: str) -> str:
    """Return "a" or "an" for the word that follows, by its sound.

    Vowel letters take "an", with the usual exceptions ("a unit", "a one-stop", "an hour");
    an acronym goes by the name of its first letter ("an SVI", "a CDC"), a number by how
    it is read ("an 8-minute walk", "an 18-minute walk", "a 15-minute walk").

    Examples
    --------
    >>> [article(w) for w in ("employment", "food", "unit", "hour", "older", "SVI", "18")]
    ['an', 'a', 'a', 'an', 'an', 'an', 'an']
    >>> [article(w) for w in ("8-minute", "80", "11,000", "110", "15", "one-stop", "use")]
    ['an', 'an', 'an', 'a', 'a', 'a', 'a']
    """
    w = word.strip().lstrip("\"'“‘(")
    if not w:
        return "a"
    digits = re.match(r"[\d,]+", w)
    if digits:
        number = digits.group(0).replace(",", "")
        lead = number[: len(number) % 3 or 3]
        return "an" if number.startswith("8") or lead in ("11", "18") else "a"
    first = re.match(r"[A-Za-z]+", w)
    token = first.group(0) if first else w
    if len(token) > 1 and token.isupper():
        return "an" if token[0] in _VOWEL_LETTERS else "a"
    low = w.lower()
    if _SILENT_H.match(low):
        return "an"
    if low[0] in "aeiou" and not _CONSONANT_SOUND.match(low):
        return "an"
    return "a"


def with_article(words: str) -> str:
    """Return ``words`` after their article: "an employment and training".

    Examples
    --------
    >>> with_article("employment and training"), with_article("food")
    ('an employment and training', 'a food')
    """
    return f"{article(words)} {words}"


def citation(version: object) -> str:
    """Return the suggested citation, with the release year and the assetmap version.

    Examples
    --------
    >>> citation("0.1.0")[:33]
    'assetmap developers (2026). asset'
    >>> "version 0.1.0" in citation("0.1.0")
    True
    """
    return _CITATION.format(year=CITATION_YEAR, version=version)


#: Terms of method the report uses, each with its anchor (``#term-<key>``) and definition.
GLOSSARY: dict[str, tuple[str, str]] = {
    "threshold": (
        "Threshold",
        "the longest trip, in minutes of travel, that counts as having a service nearby "
        "(in reach); set per domain.",
    ),
    "in-reach": (
        "In reach",
        "a service lies within the domain's threshold of where residents are counted "
        "(a population point, or the neighbourhood's one inside point).",
    ),
    "need-percentile": (
        "Need percentile",
        "where a neighbourhood ranks on the need index among the residential "
        "neighbourhoods, from 0 (least need) to 100 (most); the index sums the "
        "percentile ranks of the indicators under Methods, as the CDC/ATSDR Social "
        "Vulnerability Index does.",
    ),
    "high-need": (
        "High need",
        "a need percentile at or above the study's cut-off (the 75th unless set otherwise).",
    ),
    "gap": (
        "Gap",
        "a high-need neighbourhood where residents have no service of the domain in "
        "reach; 'Beyond reach' counts those residents.",
    ),
    "median-nearest": (
        "Median nearest",
        "half of the residents live at most this travel time from the nearest service of "
        "the domain (a median weighted by residents).",
    ),
    "cluster": (
        "Cluster (overlap)",
        "three or more providers of the same service whose catchments share at least 75% "
        "of their area or residents: duplicated services, candidates for coordination.",
    ),
    "over-served": (
        "Over-served area",
        "a neighbourhood whose supply per resident is in the top 10% while its need is "
        "below the median.",
    ),
    "2sfca": (
        "2SFCA (supply per 1,000)",
        "the enhanced two-step floating catchment area measure: each service's capacity "
        "is shared among the residents in its catchment, weighted by travel time, and "
        "summed for every neighbourhood as services per 1,000 residents.",
    ),
    "unreliable": (
        "Unreliable estimate",
        "an ACS estimate whose coefficient of variation (margin of error over the "
        "estimate) is above the threshold under Methods.",
    ),
    "alignment": (
        "Alignment ratio",
        "the share of a hospital measure that lands in high-need neighbourhoods divided "
        "by the share of residents living there; above 1 means concentrated where need is "
        "high.",
    ),
    "suppression": (
        "Complementary suppression",
        "hiding further small counts so that no hidden count can be worked out from the "
        "published ones and their totals.",
    ),
}
