"""Rules that keep apart records a similarity score alone would merge (used by dedupe).

Two questions a score cannot answer well, asked here on normalised text:

* Do two names name different programmes? "Maple Health Center" and "Maple Medical
  Clinic" of one organisation at one address share the organisation's name, address and
  phone, so they score as one service; they are two. :func:`different_programmes` drops
  the words the names share and the organisations' own words, forgives typos, and
  answers yes when both names keep words of their own.
* Which rule, if any, keeps a pair apart: :func:`decide`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

__all__ = [
    "ABBREVIATIONS",
    "DECISIONS",
    "PROGRAMME_FILLER",
    "REASONS",
    "decide",
    "different_programmes",
    "different_programmes_many",
]

#: Words written one way before names are compared ("Saint" / "St." -> "st", "Center" ->
#: "ctr", "Sr." -> "senior"); :func:`assetmap.dedupe.normalise_name` applies it.
ABBREVIATIONS = {
    "saint": "st",
    "street": "st",
    "center": "ctr",
    "centre": "ctr",
    "cntr": "ctr",
    "and": "and",
    "avenue": "ave",
    "av": "ave",
    "boulevard": "blvd",
    "road": "rd",
    "place": "pl",
    "east": "e",
    "west": "w",
    "north": "n",
    "south": "s",
    "community": "cmty",
    "comm": "cmty",
    "health": "hlth",
    "services": "svc",
    "service": "svc",
    "svcs": "svc",
    "association": "assn",
    "assoc": "assn",
    "department": "dept",
    "program": "prog",
    "mount": "mt",
    "fort": "ft",
    "neighborhood": "nbhd",
    "neighbourhood": "nbhd",
    "parkway": "pkwy",
    "plaza": "plz",
    "office": "ofc",
    "sr": "senior",
    "snr": "senior",
}
#: The long forms of each short one ("ctr" -> "center", "centre", "cntr").
_LONG: dict[str, list[str]] = {}
for _long, _short in ABBREVIATIONS.items():
    if _long != _short:
        _LONG.setdefault(_short, []).append(_long)

#: Words that tell no programme from another (normalised forms).
PROGRAMME_FILLER = frozenset({"at", "for", "a", "an", "in", "on", "to", "by", "bronx"})
#: Two words at least this alike (rapidfuzz ``ratio``) are one word typed twice
#: ("recovry" / "recovery", "helath" / "health").
_TYPO = 0.8
#: Letters two names may differ by (spaces aside) and still be one name mistyped.
_TYPO_LETTERS = 4


def _abbreviates(short: str, long: str) -> bool:
    """Tell whether ``short`` could abbreviate ``long``: its letters in order, same start."""
    if len(short) < 2 or len(short) >= len(long) or short[0] != long[0]:
        return False
    rest = iter(long)
    return all(c in rest for c in short)


def _alike(a: str, b: str) -> bool:
    """Tell whether two words are one word typed twice (a typo, an abbreviation)."""
    if _abbreviates(a, b) or _abbreviates(b, a):
        return True
    forms_a, forms_b = [a, *_LONG.get(a, [])], [b, *_LONG.get(b, [])]
    return any(fuzz.ratio(x, y) >= _TYPO * 100 for x in forms_a for y in forms_b)


def _twin(word: str, others: list[str]) -> bool:
    """Tell whether ``word`` has a near twin in ``others``."""
    return any(_alike(word, v) for v in others)


def _middles(a: str, b: str) -> tuple[str, str]:
    """Drop the spaces, common start and common end of two strings; return the rest."""
    a, b = a.replace(" ", ""), b.replace(" ", "")
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    a, b = a[k:], b[k:]
    k = 0
    while k < min(len(a), len(b)) and a[-1 - k] == b[-1 - k]:
        k += 1
    return a[: len(a) - k], b[: len(b) - k]


def _words_differ(name_a: str, name_b: str, org_a: str, org_b: str) -> bool:
    wa, wb = set(name_a.split()), set(name_b.split())
    own_a = _own_words(name_a, wb, set(org_b.split()) | PROGRAMME_FILLER)
    own_b = _own_words(name_b, wa, set(org_a.split()) | PROGRAMME_FILLER)
    if not own_a or not own_b:
        return False
    left_a = [w for w in own_a if not _twin(w, own_b)]
    left_b = [w for w in own_b if not _twin(w, own_a)]
    return bool(left_a) and bool(left_b)


def _own_words(name: str, other: set[str], org_words: set[str]) -> list[str]:
    """Words of ``name`` not in ``other`` and not (a typo of) a word of ``org_words``."""
    own = [w for w in name.split() if w not in other and w not in org_words]
    orgs = sorted(org_words - PROGRAMME_FILLER)
    return [w for w in own if not any(fuzz.ratio(w, v) >= _TYPO * 100 for v in orgs)]


def different_programmes(name_a: str, name_b: str, org_a: str = "", org_b: str = "") -> bool:
    """Tell whether two normalised names are different programmes of one place.

    The words both names share, filler (:data:`PROGRAMME_FILLER`) and the words of the
    *other* record's organisation ("BronxWorks Jackson Ave Pantry" of BronxWorks is
    "Jackson Ave Food Pantry") are set aside; a word with a near twin on the other side
    (a typo, or an abbreviation: "prog" / "porgram", "sr" / "senior") goes too. The names
    are different programmes when both keep words of their own, and when, with spaces
    dropped and their common start and end set aside, they differ by more than four
    letters (so a space typed in the wrong place, "ironwoodsoup kitchen", is no new
    programme).

    Examples
    --------
    >>> different_programmes("maple hlth ctr", "maple medical clinic")
    True
    >>> different_programmes("grace senior ctr", "grace senior meals", "grace church", "")
    True
    >>> different_programmes("bronxworks jackson ave pantry", "jackson ave food pantry",
    ...                      "bronxworks", "bronxworks")
    False
    >>> different_programmes("concourse recovry ctr", "concourse recovery ctr")
    False
    >>> different_programmes("white plains rd sr ctr", "white plains rd seniors ctr")
    False
    >>> different_programmes("ironwoodsoup kitchen", "ironwood soup kitchen", "", "ironwood")
    False
    """
    if not _words_differ(name_a, name_b, org_a, org_b):
        return False
    mid_a, mid_b = _middles(name_a, name_b)
    return len(mid_a) + len(mid_b) > _TYPO_LETTERS


def different_programmes_many(
    names: np.ndarray, orgs: np.ndarray, i: np.ndarray, j: np.ndarray
) -> np.ndarray:
    """Apply :func:`different_programmes` to the pairs ``(i[k], j[k])``, each distinct once.

    Examples
    --------
    >>> names = np.array(["maple hlth ctr", "maple medical clinic", "maple hlth ctr"])
    >>> orgs = np.array(["maple", "maple", ""])
    >>> different_programmes_many(names, orgs, np.array([0, 0]), np.array([1, 2])).tolist()
    [True, False]
    """
    if len(i) == 0:
        return np.zeros(0, dtype=bool)
    keys = pd.DataFrame({"na": names[i], "nb": names[j], "oa": orgs[i], "ob": orgs[j]})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys))
    answers = np.array([different_programmes(*map(str, u)) for u in uniques], dtype=bool)
    return np.asarray(answers[codes], dtype=bool)


#: Names of a pair found beyond ``max_distance_m`` (through its phone) must be this alike.
_FAR_NAME_SIM = 0.9
#: Categories of a pair's decision and of its reason (:func:`decide`), in code order.
DECISIONS = np.array(["match", "review", "distinct"], dtype=object)
REASONS = np.array(
    ["names differ", "different programmes", "different address", "other domain", ""],
    dtype=object,
)
#: Addresses less alike than this (0 for different house numbers) are different buildings.
_SAME_ADDRESS = 0.5


def decide(
    names: np.ndarray,
    orgs: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    scores: dict[str, np.ndarray],
    *,
    max_distance_m: float,
    threshold: float,
    review_low: float,
) -> tuple[pd.Categorical, pd.Categorical]:
    """Return each pair's decision (``match``, ``review``, ``distinct``) and its ``reason``.

    Both come as categoricals (one byte a pair). ``names`` and ``orgs`` are the records'
    normalised names and organisations, ``scores`` the columns :func:`assetmap.dedupe`
    computes for the pairs ``(i[k], j[k])`` (``score``, ``same_domain``, ``distance_m``,
    ``name_sim``, ``address_sim``). The rules (``names differ``, ``different
    programmes``, ``different address``, ``other domain``; see :mod:`assetmap.dedupe`)
    are looked at only for pairs scoring at least ``threshold`` (the only pairs they can
    change), so the Python part stays small.

    Examples
    --------
    >>> names = np.array(["grace senior ctr", "grace senior meals"])
    >>> orgs = np.array(["grace church", "grace church"])
    >>> scores = {"score": np.array([0.9]), "same_domain": np.array([True]),
    ...           "distance_m": np.array([5.0]), "name_sim": np.array([0.95]),
    ...           "address_sim": np.array([1.0])}
    >>> decision, reason = decide(names, orgs, np.array([0]), np.array([1]), scores,
    ...                           max_distance_m=150, threshold=0.8, review_low=0.65)
    >>> decision.tolist(), reason.tolist()
    (['review'], ['different programmes'])
    """
    score, same = scores["score"], scores["same_domain"]
    with np.errstate(invalid="ignore"):
        high = score >= threshold
        band = score >= review_low
        far = scores["distance_m"] > max_distance_m
        names_differ = far & band & ~(scores["name_sim"] >= _FAR_NAME_SIM)
        elsewhere = high & (scores["address_sim"] < _SAME_ADDRESS)
    k = np.flatnonzero(names_differ)  # a space typed in the wrong place is no other name
    if len(k):
        run_a = [str(x).replace(" ", "") for x in names[i[k]]]
        run_b = [str(x).replace(" ", "") for x in names[j[k]]]
        run = process.cpdist(run_a, run_b, scorer=fuzz.ratio, dtype=np.float64) / 100.0
        names_differ[k[run >= _FAR_NAME_SIM]] = False
    programmes = np.zeros(len(i), dtype=bool)
    k = np.flatnonzero(high)
    programmes[k] = different_programmes_many(names, orgs, i[k], j[k])
    kept = names_differ | programmes | elsewhere
    match = high & same & ~kept
    review = ~match & ((same & band & ~names_differ) | (~same & high & ~kept))
    # one byte per pair: categoricals (the first rule that applies gives the reason)
    decision = np.full(len(i), 2, dtype=np.int8)
    decision[review], decision[match] = 1, 0
    reason = np.full(len(i), 4, dtype=np.int8)
    for code, rule in ((3, high & ~same), (2, elsewhere), (1, programmes), (0, names_differ)):
        reason[rule] = code
    return (
        pd.Categorical.from_codes(decision, categories=DECISIONS),
        pd.Categorical.from_codes(reason, categories=REASONS),
    )
