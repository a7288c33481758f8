"""Records of one service listed in several sources, found and merged.

Candidate pairs come only from records within ``max_distance_m`` of each other, plus
records up to ``moved_pin_m`` apart that share a phone number (a pin moved between
sources), found on tiles of space (never all pairs): in a tile of at most ``max_block``
records every such pair, in a denser one (a thousand services in a few city blocks) each
record's ``window`` neighbours in order of name, of phone and of address, so that the
pairs, and the memory, grow with the records and not with the square of a dense block
(:mod:`assetmap._dedupe_blocks`). Each pair is scored from:

* name similarity: rapidfuzz ``token_set_ratio`` of normalised names (abbreviations
  expanded, "St." / "Saint", "Ctr" / "Center", "&" / "and"; accents, legal suffixes and
  filler dropped), raised towards the organisations' similarity when both are given, and
  lowered by ``conflict_penalty`` when the names name different kinds of service
  ("Food Pantry" / "Soup Kitchen", see :data:`SERVICE_WORDS`);
* address similarity (``token_sort_ratio``; 0 when the house numbers differ);
* phone equality (last ten digits) and distance (0 from ``max_distance_m`` on).

Pairs of one domain scoring at least ``threshold`` are the same service, unless a rule
keeps them apart (the pair's ``reason``); linked records form clusters (connected
components). The rules, each capping the decision at ``review``:

* ``different programmes``: both names keep words of their own once the shared words
  and the organisations' words are set aside ("Maple Health Center" / "Maple Medical
  Clinic" of one organisation at one address), see
  :func:`assetmap._dedupe_rules.different_programmes`;
* ``different address``: both addresses are given and name different buildings (a
  chain's branches share a name and a phone, not an address);
* ``other domain``: a pair of different domains is never merged; scoring at least
  ``threshold``, it goes to review (one service filed under two domains);
* ``names differ``: a pair beyond ``max_distance_m`` (found through its phone) whose names
  are less than 90 % alike (as words, or run together without spaces) is distinct.

Pairs of one domain in ``[review_low, threshold)`` go to review too.

Scoring is vectorised: the candidate pairs are scored in batches by
``rapidfuzz.process.cpdist`` (C++, element-wise over two lists) and numpy, never one pair
at a time in Python (the rules look only at pairs scoring at least ``threshold``), and
in chunks of pairs kept as float32 scores and one-byte decisions, so 100,000 records
dedupe in seconds (``benchmarks/bench_dedupe.py``) and 1,000,000 in one small city (18
million candidate pairs) in about a minute at a 2.2 GB peak on two cores
(``benchmarks/bench_scale_assets.py``).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from assetmap._dedupe_blocks import BlockStats, phone_pairs, tile_pairs
from assetmap._dedupe_merge import merge_clusters, pairs_table, stable_cluster_ids
from assetmap._dedupe_rules import ABBREVIATIONS, DECISIONS, REASONS, decide
from assetmap.region import measure_crs

__all__ = [
    "REVIEW_COLUMNS",
    "SERVICE_WORDS",
    "DedupeResult",
    "conflicting_service_words",
    "dedupe",
    "house_number",
    "normalise_name",
]

#: Columns of the pairs a person should look at (``DedupeResult.review``,
#: ``dedupe_review.csv``), in order.
REVIEW_COLUMNS = (
    "asset_id_a",
    "asset_id_b",
    "distance_m",
    "name_sim",
    "address_sim",
    "phone_match",
    "score",
    "same_domain",
    "decision",
    "reason",
)

_ABBREV = ABBREVIATIONS
_DROP = {"inc", "llc", "ltd", "corp", "co", "the", "of", "nyc", "ny"}
#: Words that say what kind of service a name is (normalised, singular). Two names that
#: both carry such words but share none ("St. Jerome's Food Pantry" / "St. Jerome's Soup
#: Kitchen") are different programmes, however alike the rest of the name.
_SERVICE_WORDS = """
    food pantry kitchen soup meal fridge grocery nutrition wic snap
    shelter housing rental rent eviction homeless
    clinic medical dental pediatric pharmacy hospital
    mental counseling counselling recovery addiction substance psychiatric
    legal law lawyer immigration tenant
    job training workforce career employment
    daycare childcare child kid youth teen preschool
    senior aging elder elderly older
    domestic violence victim crisis
    transportation ride transit
    energy utility heat heap weatherization
    library
"""
SERVICE_WORDS = frozenset(_SERVICE_WORDS.split())
#: Punctuation that separates words; apostrophes join them ("Ann's" -> "anns").
_SEPARATORS = str.maketrans({c: " " for c in '!"#$%()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r'})
#: Pairs scored per rapidfuzz call, and per chunk of :func:`_score` (bounds its memory).
_BATCH = 500_000


def normalise_name(text: object) -> str:
    """Normalise an organisation or address string for comparison.

    Lower-cases, folds accents ("Aché" → "ache"), joins apostrophes, expands "&" to
    "and", maps common words to one abbreviation ("Saint"/"St." → "st", "Center"/"Ctr"
    → "ctr") and drops legal suffixes and filler ("Inc", "The", "of").

    Examples
    --------
    >>> normalise_name("The St. Ann's Community Center, Inc.")
    'st anns cmty ctr'
    >>> normalise_name("Saint Anns Comm. Ctr & Pantry")
    'st anns cmty ctr and pantry'
    >>> normalise_name("Casa Atabex Aché")
    'casa atabex ache'
    """
    s = str(text or "")
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    s = s.lower().replace("&", " and ").replace("'", "").translate(_SEPARATORS)
    return " ".join([_ABBREV.get(w, w) for w in s.split() if w not in _DROP and w.isalnum()])


def _stem(word: str) -> str:
    """Return a crude singular: "pantries" → "pantry", "seniors" → "senior"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _service_words(name: str) -> frozenset[str]:
    return frozenset(w for w in map(_stem, name.split()) if w in SERVICE_WORDS)


def conflicting_service_words(a: str, b: str) -> bool:
    """Tell whether two normalised names name different kinds of service.

    True when both names contain words of :data:`SERVICE_WORDS` and have none in common.

    Examples
    --------
    >>> conflicting_service_words("st jeromes food pantry", "st jeromes soup kitchen")
    True
    >>> conflicting_service_words("jackson ave food pantry", "bronxworks pantry")
    False
    """
    wa, wb = _service_words(a), _service_words(b)
    return bool(wa) and bool(wb) and not (wa & wb)


def _digits(phone: object) -> int:
    """Return the last ten digits of a phone number as an integer (0 if fewer than 7)."""
    d = re.sub(r"\D", "", str(phone or ""))
    return int(d[-10:]) if len(d) >= 7 else 0


@dataclass
class DedupeResult:
    """What :func:`dedupe` found.

    Attributes
    ----------
    merged : geopandas.GeoDataFrame
        Assets, one row per real service; ``source`` and ``source_id`` list every record
        merged into it (";"-joined), ``n_records`` how many.
    clusters : pandas.DataFrame
        ``asset_id``, ``cluster_id``: records of one service share a ``cluster_id``.
    pairs : pandas.DataFrame
        Every candidate pair with its scores, ``same_domain``, decision (``match``,
        ``review``, ``distinct``) and ``reason`` (the rule that kept a pair scoring at
        least the threshold apart: ``different programmes``, ``different address``,
        ``other domain``, or ``names differ`` for a far pair; "" otherwise), best first.
        Pairs that could not reach the review band whatever their names (for a pair of
        two domains: the threshold) are ``distinct`` with ``name_sim``, ``address_sim``
        and ``score`` left NaN. The scores are float32 (seven significant digits; the
        decisions were taken on float64) and the ids, ``decision`` and ``reason``
        categoricals, so a million records' 18 million pairs take about 0.6 GB
        (:attr:`review` has plain strings).
    params : dict
        The thresholds used.
    blocking : dict
        How candidates were found: ``dense_tiles`` and ``dense_records`` (tiles, over
        the four grids, split by sorting), ``exact_pairs`` and ``window_pairs`` (pairs
        found each way before those found twice are dropped).
    timings : dict
        Seconds spent in each stage (``features``, ``blocking``, ``scoring``,
        ``clustering``, ``merging``).
    """

    merged: gpd.GeoDataFrame
    clusters: pd.DataFrame
    pairs: pd.DataFrame
    params: dict[str, float] = field(default_factory=dict)
    blocking: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def review(self) -> pd.DataFrame:
        """Pairs a person should look at: borderline scores, and pairs a rule kept apart."""
        review = self.pairs[self.pairs["decision"] == "review"]
        plain = ("asset_id_a", "asset_id_b", "decision", "reason")  # small: strings again
        return review.astype(dict.fromkeys(plain, str))


@dataclass
class _Features:
    """What pairs are compared on, one entry per record, normalised once."""

    ids: np.ndarray
    xy: np.ndarray
    names: np.ndarray
    kinds: np.ndarray
    orgs: np.ndarray
    addrs: np.ndarray
    numbers: np.ndarray
    phones: np.ndarray
    domains: np.ndarray


def _normalised(values: pd.Series) -> np.ndarray:
    """Normalise each distinct string once (inventories repeat names and addresses)."""
    codes, uniques = pd.factorize(values.fillna("").astype(str))
    norm = np.array([normalise_name(u) for u in uniques] or [""], dtype=object)
    return norm[codes] if len(uniques) else np.full(len(values), "", dtype=object)


_WORD_BIT = {w: k for k, w in enumerate(sorted(SERVICE_WORDS))}


def _kinds(names: np.ndarray) -> np.ndarray:
    """Service words of each name as a bit set: one row of uint64 words per name."""
    codes, uniques = pd.factorize(pd.Series(names, dtype=object))
    words = (len(_WORD_BIT) + 63) // 64
    bits = np.zeros((max(len(uniques), 1), words), dtype=np.uint64)
    for u, name in enumerate(uniques):
        for w in _service_words(str(name)):
            k = _WORD_BIT[w]
            bits[u, k // 64] |= np.uint64(1) << np.uint64(k % 64)
    return bits[codes] if len(uniques) else np.zeros((len(names), words), dtype=np.uint64)


def house_number(address: str) -> str:
    """Return the house number a normalised address starts with ("" when none).

    Examples
    --------
    >>> house_number("230 soundview ave bronx"), house_number("1 fordham plz")
    ('230', '1')
    >>> house_number("po box 100"), house_number("12a e 142nd st")
    ('', '12a')
    """
    first = address.split(" ", 1)[0]
    return first if first[:1].isdigit() else ""


def _house_numbers(addrs: np.ndarray) -> np.ndarray:
    """House numbers as integer codes (-1 when an address has none), for fast comparison."""
    numbers = pd.Series([house_number(str(x)) for x in addrs], dtype=object)
    codes = pd.factorize(numbers.replace("", None))[0]
    return np.asarray(codes, dtype=np.int64)


def _features(a: gpd.GeoDataFrame) -> _Features:
    n = len(a)
    pts = a.geometry.to_crs(measure_crs(a))
    blank = pd.Series([""] * n, index=a.index)
    phones = a.get("phone", blank).fillna("").astype(str)
    codes, uniques = pd.factorize(phones)
    digits = np.array([_digits(u) for u in uniques] or [0], dtype=np.int64)
    names = _normalised(a["name"])
    addrs = _normalised(a.get("address", blank))
    return _Features(
        ids=a["asset_id"].astype(str).to_numpy(dtype=object),
        xy=np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]),
        names=names,
        kinds=_kinds(names),
        orgs=_normalised(a.get("org", blank)),
        addrs=addrs,
        numbers=_house_numbers(addrs),
        phones=digits[codes] if len(uniques) else np.zeros(n, dtype=np.int64),
        domains=pd.factorize(a["domain"].astype(str))[0],
    )


def _sort_key(values: np.ndarray, missing: object) -> np.ndarray:
    """Integer codes in the values' sort order; -1 where the value is ``missing``."""
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    codes = np.asarray(codes, dtype=np.int64)
    codes[np.asarray(values == missing)] = -1
    return codes


def _candidate_pairs(
    f: _Features,
    max_distance_m: float,
    *,
    moved_pin_m: float = 0.0,
    max_block: int = 32,
    window: int = 6,
    stats: BlockStats | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) within ``max_distance_m`` or sharing a phone within ``moved_pin_m``.

    Dense tiles are split by sorting on name, phone and address (:func:`tile_pairs`).
    """
    keys = [_sort_key(f.names, ""), _sort_key(f.phones, 0), _sort_key(f.addrs, "")]
    ni, nj = tile_pairs(
        f.xy, max_distance_m, keys=keys, max_block=max_block, window=window, stats=stats
    )
    fi, fj = phone_pairs(
        f.xy,
        f.phones,
        beyond_m=max_distance_m,
        within_m=moved_pin_m,
        keys=keys,
        max_block=max_block,
        window=window,
        stats=stats,
    )
    n = np.int64(len(f.ids))
    codes = np.concatenate([ni * n + nj, fi * n + fj])  # near and far pairs are disjoint
    del ni, nj, fi, fj
    codes.sort()
    small = np.int32 if n < 2**31 else np.int64  # half the memory of every pair index
    return (codes // n).astype(small), (codes % n).astype(small)


def _in_chunks(
    score: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]], i: np.ndarray, j: np.ndarray
) -> dict[str, np.ndarray]:
    """Score the pairs ``_BATCH`` at a time (bounded temporaries), columns filled in place."""
    if len(i) <= _BATCH:
        return score(i, j)
    out: dict[str, np.ndarray] = {}
    for start in range(0, len(i), _BATCH):
        stop = min(start + _BATCH, len(i))
        part = score(i[start:stop], j[start:stop])
        for key, values in part.items():
            if key not in out:
                out[key] = np.empty(len(i), dtype=values.dtype)
            out[key][start:stop] = values
    return out


def _pairwise(scorer: Callable[..., float], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Return the similarity (0-1) of ``left[k]`` and ``right[k]`` for every k, batched."""
    out = np.empty(len(left), dtype=np.float64)
    for start in range(0, len(left), _BATCH):
        stop = start + _BATCH
        out[start:stop] = process.cpdist(
            left[start:stop].tolist(),
            right[start:stop].tolist(),
            scorer=scorer,
            workers=-1,
            dtype=np.float64,
        )
    return out / 100.0


def _score(
    f: _Features,
    i: np.ndarray,
    j: np.ndarray,
    *,
    max_distance_m: float,
    weights: tuple[float, float, float, float],
    conflict_penalty: float,
    review_low: float = -np.inf,
    threshold: float = -np.inf,
) -> dict[str, np.ndarray]:
    """Score pairs ``(i[k], j[k])``: name, address, phone, distance, then the weighted score.

    A field missing on either side is left out and the remaining weights renormalised;
    the distance term is 0 from ``max_distance_m`` on. The cheap parts (phone, distance,
    domains) come first: a pair that cannot reach ``review_low`` (``threshold`` for a pair
    of different domains, which only goes to review from there) even with identical
    names and addresses is distinct whatever they say, so its name and address are not
    compared (``name_sim``, ``address_sim`` and ``score`` are NaN). At the default
    thresholds that spares most pairs of different domains.
    """
    w_name, w_addr, w_phone, w_dist = weights
    dist = np.hypot(f.xy[i, 0] - f.xy[j, 0], f.xy[i, 1] - f.xy[j, 1])
    addr_given = f.addrs != ""  # per record, then per pair: cheap boolean indexing
    has_addr = addr_given[i] & addr_given[j]
    has_phone = (f.phones[i] != 0) & (f.phones[j] != 0)
    phone = np.where(has_phone, (f.phones[i] == f.phones[j]).astype(float), np.nan)
    same_domain = f.domains[i] == f.domains[j]
    near = np.clip(1.0 - dist / max_distance_m, 0.0, None)
    fixed = w_dist * near + w_phone * np.nan_to_num(phone)
    den = w_name + w_dist + np.where(has_addr, w_addr, 0.0) + np.where(has_phone, w_phone, 0.0)
    best = (fixed + w_name + np.where(has_addr, w_addr, 0.0)) / den
    need = np.where(same_domain, review_low, max(review_low, threshold))
    todo = np.flatnonzero(best >= need - 1e-9)
    it, jt = i[todo], j[todo]
    name_t = _pairwise(fuzz.token_set_ratio, f.names[it], f.names[jt])
    org_given = f.orgs != ""
    orgs = org_given[it] & org_given[jt]
    if orgs.any():
        org = _pairwise(fuzz.token_set_ratio, f.orgs[it[orgs]], f.orgs[jt[orgs]])
        name_t[orgs] = np.maximum(name_t[orgs], 0.5 * name_t[orgs] + 0.5 * org)
    ki, kj = f.kinds[it], f.kinds[jt]
    conflict = ki.any(axis=1) & kj.any(axis=1) & ~(ki & kj).any(axis=1)
    name_t = np.where(conflict, name_t * conflict_penalty, name_t)
    addr_t = np.full(len(todo), np.nan)
    sub = np.flatnonzero(has_addr[todo])
    if len(sub):
        a, b = it[sub], jt[sub]
        addr_t[sub] = _pairwise(fuzz.token_sort_ratio, f.addrs[a], f.addrs[b])
        # different house numbers are different buildings, however alike the street
        na, nb = f.numbers[a], f.numbers[b]
        addr_t[sub[(na >= 0) & (nb >= 0) & (na != nb)]] = 0.0
    name, addr, score = (np.full(len(i), np.nan) for _ in range(3))
    name[todo], addr[todo] = name_t, addr_t
    num = fixed[todo] + w_name * name_t + w_addr * np.nan_to_num(addr_t)
    score[todo] = num / den[todo]
    return {
        "distance_m": dist,
        "name_sim": name,
        "address_sim": addr,
        "phone_match": phone,
        "score": score,
        "same_domain": same_domain,
    }


def _judge(
    f: _Features,
    i: np.ndarray,
    j: np.ndarray,
    *,
    scoring: dict[str, Any],
    deciding: dict[str, float],
) -> dict[str, np.ndarray]:
    """Score and decide the pairs ``(i[k], j[k])``: float32 scores, one-byte decisions.

    The decisions are taken on the float64 scores; the table keeps them as float32
    (seven significant digits), half the memory of a million records' pairs.
    """
    scores = _score(f, i, j, **scoring)
    decision, reason = decide(f.names, f.orgs, i, j, scores, **deciding)
    out = {k: v.astype(np.float32) if v.dtype == np.float64 else v for k, v in scores.items()}
    out["decision"], out["reason"] = decision.codes, reason.codes
    return out


def dedupe(
    assets: gpd.GeoDataFrame,
    *,
    max_distance_m: float = 150.0,
    threshold: float = 0.80,
    review_low: float = 0.65,
    moved_pin_m: float = 300.0,
    conflict_penalty: float = 0.6,
    weights: tuple[float, float, float, float] = (0.6, 0.15, 0.15, 0.10),
    max_block: int = 32,
    window: int = 6,
) -> DedupeResult:
    """Find and merge records that are the same service listed in several sources.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Assets (e.g. from :func:`assetmap.combine`).
    max_distance_m : float
        Records farther apart are compared only when they share a phone number (pins of
        one service rarely differ by more than a block, ~150 m); the distance term of
        the score is 0 from here on.
    threshold : float
        Score (0–1) at or above which a pair of one domain is the same service, unless a
        rule of the module docstring keeps it apart (then it goes to review). A pair of
        different domains is never merged: from ``threshold`` on it goes to review, with
        the reason ``other domain``.
    review_low : float
        Pairs of one domain scoring from here up to ``threshold`` are listed for review.
    moved_pin_m : float
        Records up to this far apart (m) are compared when they share a phone number
        (a pin moved between sources); their names must be 90 % alike to be matched.
        At most ``max_distance_m`` turns this off.
    conflict_penalty : float
        Factor applied to the name similarity when both names say what kind of service
        they are and agree on nothing (:func:`conflicting_service_words`): "St. Jerome's
        Food Pantry" and "St. Jerome's Soup Kitchen" in one church are two services,
        even with the same address, phone and organisation.
    weights : tuple of 4 floats
        Weights of name, address, phone and distance similarity; a field missing on
        either side is left out and the remaining weights renormalised.
    max_block : int
        Records a tile (a square of ``2 * max_distance_m``) may hold and still have every
        pair compared; a denser tile is split by sorting (:mod:`assetmap._dedupe_blocks`).
    window : int
        In a dense tile, each record is compared with the next ``window`` records in
        order of name, of phone and of address. The candidate pairs of ``n`` records
        are at most ``4 * n * (max_block // 2 + 3 * window)``, whatever the density.

    Returns
    -------
    DedupeResult
        Its ``pairs`` carry ``same_domain`` and ``reason`` (why a pair scoring at least
        ``threshold`` was not merged; "" otherwise).

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> both = am.combine(s.sources)
    >>> res = am.dedupe(both)
    >>> len(res.merged) < len(both)
    True
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    n = len(assets)
    a = assets.reset_index(drop=True)
    params = {
        "max_distance_m": max_distance_m,
        "threshold": threshold,
        "review_low": review_low,
        "moved_pin_m": moved_pin_m,
        "conflict_penalty": conflict_penalty,
        "max_block": max_block,
        "window": window,
    }
    if n == 0:
        empty_pairs = pd.DataFrame(
            columns=["asset_id_a", "asset_id_b", "score", "same_domain", "decision", "reason"]
        )
        clusters = pd.DataFrame({"asset_id": [], "cluster_id": []})
        return DedupeResult(a.copy(), clusters, empty_pairs, params, timings=timings)
    f = _features(a)
    lap("features")
    stats = BlockStats()
    i, j = _candidate_pairs(
        f, max_distance_m, moved_pin_m=moved_pin_m, max_block=max_block, window=window, stats=stats
    )
    lap("blocking")

    limits = {"max_distance_m": max_distance_m, "threshold": threshold, "review_low": review_low}
    scoring = {**limits, "weights": weights, "conflict_penalty": conflict_penalty}
    judge = partial(_judge, f, scoring=scoring, deciding=limits)
    scores = _in_chunks(judge, i, j)
    decision = pd.Categorical.from_codes(scores.pop("decision"), categories=DECISIONS)
    reason = pd.Categorical.from_codes(scores.pop("reason"), categories=REASONS)
    lap("scoring")
    match = np.asarray(decision == "match")
    graph = coo_matrix((np.ones(int(match.sum())), (i[match], j[match])), shape=(n, n))
    del match, judge
    _, label = connected_components(graph, directed=False)
    ids = f.ids
    del graph, f  # the features are done with: the table and the merge need only the ids
    cluster_ids = stable_cluster_ids(ids, label)
    clusters = pd.DataFrame({"asset_id": ids, "cluster_id": cluster_ids})
    lap("clustering")
    columns = {"i": i, "j": j, **scores}
    del i, j, scores  # pairs_table frees each column as it writes its sorted copy
    pairs = pairs_table(ids, columns, decision, reason)
    del decision, reason
    merged = merge_clusters(a, label, cluster_ids)
    lap("merging")
    return DedupeResult(merged, clusters, pairs, params, stats.as_dict(), timings)
