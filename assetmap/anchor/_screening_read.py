"""Reading and publishing the hospital's screening files (see :mod:`assetmap.anchor.screening`).

Two files, both aggregated as an EHR report or a closed-loop referral platform exports
them:

* screening results: one row per home ZIP code (or unit id) × domain, with patients
  screened and patients screening positive;
* referrals: one row per partner organisation × domain, with referrals sent, accepted and
  closed.

Counts are patient-derived, so error messages never quote a count, and every count goes
through :func:`assetmap.anchor.privacy.suppress_table` before anything else sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.anchor._io import find_columns, number, place, row_list, row_numbers
from assetmap.anchor.privacy import suppress_table
from assetmap.domains import Domain, DomainMatcher, normalise_label
from assetmap.errors import InputError
from assetmap.readers.crosswalk import OUTSIDE, normalise_zip, pad_ids
from assetmap.schema import REJECTED_COLUMNS

__all__ = [
    "RATE_COLUMNS",
    "REFERRAL_COLUMNS",
    "TOTAL_COLUMNS",
    "hrsn_domains",
    "publish_rates",
    "read_referral_counts",
    "domain_column",
    "read_screening_counts",
]

log = logging.getLogger(__name__)

RATE_COLUMNS = ["unit_id", "domain", "screened", "positive", "per_1000", "suppressed"]
TOTAL_COLUMNS = ["domain", "screened", "positive", "per_1000", "suppressed"]
REFERRAL_COLUMNS = [
    "partner", "domain", "sent", "accepted", "closed", "closure_rate", "suppressed"
]  # fmt: skip

#: Column names recognised without a column map (compared after ``normalise_label``).
_ALIASES: dict[str, tuple[str, ...]] = {
    "domain": (
        "domain", "hrsn domain", "screening domain", "social need", "need", "need domain",
        "question domain", "category",
    ),
    "screened": (
        "screened", "patients screened", "n screened", "number screened", "screened patients",
        "total screened", "screenings", "patients",
    ),
    "positive": (
        "positive", "positives", "screened positive", "screening positive",
        "patients screened positive", "positive screens", "n positive", "number positive",
        "patients positive",
    ),
    "partner": (
        "partner", "partner organisation", "partner organization", "organisation",
        "organization", "org", "agency", "cbo", "referred to", "partner name",
    ),
    "sent": ("sent", "referrals sent", "referrals", "n sent", "number sent"),
    "accepted": ("accepted", "referrals accepted", "n accepted", "number accepted"),
    "closed": (
        "closed", "referrals closed", "closed loop", "loop closed", "resolved", "n closed",
        "number closed",
    ),
}  # fmt: skip

#: Words an EHR adds after the domain ("Food insecurity", "Transportation needs").
_QUALIFIERS = {
    "insecurity", "instability", "insecure", "unstable", "need", "needs", "problem",
    "problems", "difficulty", "difficulties", "help", "risk", "barrier", "barriers", "access",
    "quality", "concerns", "concern", "assistance", "screen", "screening",
}  # fmt: skip
_WORDS = {"utility": "utilities", "transport": "transportation", "violence": "safety"}


def hrsn_domains(domains: Mapping[str, Domain]) -> list[str]:
    """Return the keys of the screening domains (``hrsn: true`` in ``domains.yml``).

    Examples
    --------
    >>> from assetmap.domains import load_domains
    >>> hrsn_domains(load_domains())
    ['food', 'housing', 'transportation', 'utilities', 'safety']
    """
    return [k for k, d in domains.items() if d.hrsn]


def _columns(
    df: pd.DataFrame, fields: Sequence[str], given: Mapping[str, str] | None, file: str
) -> dict[str, str]:
    """Find each field's column: the column map, the screening names, then the anchor names."""
    norm = {normalise_label(c): c for c in df.columns}
    auto: dict[str, str] = {}
    taken = set((given or {}).values())
    for f in fields:
        if f in (given or {}) or f not in _ALIASES:
            continue
        for alias in _ALIASES[f]:
            hit = norm.get(alias)
            if hit is not None and hit not in taken:
                auto[f] = str(hit)
                taken.add(hit)
                break
    return find_columns(df, fields, {**auto, **dict(given or {})}, file)


def _need(cols: dict[str, str], fields: Sequence[str], df: pd.DataFrame, file: str) -> None:
    for f in fields:
        if f not in cols:
            names = ", ".join(_ALIASES.get(f, (f,))[:4])
            msg = (
                f"no {f} column (looked for {names}); the file has "
                f"{', '.join(map(str, df.columns))}. Name it with columns: {{{f}: ...}}"
            )
            raise InputError(msg, file=file, column=f)


def _match_word(word: str, matcher: DomainMatcher) -> str | None:
    key = matcher.match(word)
    if key is not None:
        return key
    words = normalise_label(word).split()
    while words and words[-1] in _QUALIFIERS:
        words = words[:-1]
    text = " ".join(words)
    return matcher.match(_WORDS.get(text, text)) if text else None


def domain_column(
    df: pd.DataFrame, col: str, domains: Mapping[str, Domain], file: str
) -> pd.Series:
    """Map the domain words of a column to screening domain keys, or raise for the first bad."""
    matcher = DomainMatcher(dict(domains))
    screening = hrsn_domains(domains)
    text = df[col].fillna("").astype(str).str.strip()
    keys = {w: _match_word(w, matcher) for w in dict.fromkeys(text)}
    out = text.map(keys)
    bad = out.isna() | ~out.isin(screening)
    if bad.any():
        rows = row_numbers(bad)
        word = text[rows[0]]
        key = keys[word]
        if not word:
            problem = "the domain is blank"
        elif key is None:
            near = matcher.suggest(word)
            hint = f" (closest: {', '.join(near)})" if near else ""
            problem = f"{word!r} is not a service domain{hint}"
        else:
            problem = f"{word!r} is the {key} domain, which is not a screening domain"
        msg = f"{problem} (rows {row_list(rows)}); use one of {', '.join(screening)}"
        raise InputError(msg, file=file, row=rows[0], column=col)
    return out.astype(str)


def _set_aside(
    df: pd.DataFrame, geo: dict[str, str], crosswalk: pd.DataFrame | None, units: gpd.GeoDataFrame
) -> pd.Series:
    """Rows placed by a ZIP code the crosswalk does not list (True = set aside)."""
    if "zip" not in geo or crosswalk is None:
        return pd.Series(False, index=df.index)
    by_unit = pd.Series(False, index=df.index)
    if "unit_id" in geo:
        uid = pad_ids(df[geo["unit_id"]].fillna("").astype(str).str.strip(), units.index)
        by_unit = uid.ne("")
    zips = normalise_zip(df[geo["zip"]].astype(str).str.strip())
    return ~by_unit & zips.ne("") & ~zips.isin(set(crosswalk["zcta"]))


def read_screening_counts(
    df: pd.DataFrame,
    file: str,
    units: gpd.GeoDataFrame,
    *,
    crosswalk: pd.DataFrame | None,
    domains: Mapping[str, Domain],
    columns: Mapping[str, str] | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check the screening rows and count them per unit × domain (raw, not published).

    Returns the raw counts (``unit_id``, ``domain``, ``positive``, ``negative``; the share
    outside the region under ``unit_id == ""``) and the rows set aside.
    """
    fields = ["unit_id", "zip", "domain", "screened", "positive"]
    cols = _columns(df, fields, columns, file)
    _need(cols, ["domain", "screened", "positive"], df, file)
    geo: dict[str, str] = {k: cols[k] for k in ("unit_id", "zip") if k in cols}
    if not geo:
        msg = "no place column: give each row's home ZIP code (zip) or study unit (unit_id)"
        raise InputError(msg, file=file, column="zip")
    screened = number(df, cols["screened"], file, whole=True, quote=False)
    positive = number(df, cols["positive"], file, whole=True, quote=False)
    over = positive > screened
    if over.any():
        rows = row_numbers(over)
        msg = (
            f"more patients screening positive than screened (rows {row_list(rows)}); "
            "positives are a subset of the patients screened"
        )
        raise InputError(msg, file=file, row=rows[0], column=cols["positive"])
    slim = df[list(geo.values())].copy()
    slim["domain"] = domain_column(df, cols["domain"], domains, file)
    slim["positive"] = positive
    slim["negative"] = screened - positive
    aside = _set_aside(df, geo, crosswalk, units)
    rejected = pd.DataFrame(columns=REJECTED_COLUMNS)
    if aside.any():
        rows = row_numbers(aside)
        zips = df.loc[aside, geo["zip"]].astype(str).str.strip()
        rejected = pd.DataFrame(
            {
                "source": "screening",
                "file": file,
                "row": rows,
                "column": geo["zip"],
                "value": zips.to_numpy(),
                "problem": "ZIP code not in the crosswalk: set aside, not counted",
            }
        )[REJECTED_COLUMNS]
        log.warning(
            "%s: %d rows with ZIP codes not in the crosswalk set aside (rows %s): %s",
            file,
            len(rows),
            row_list(rows),
            ", ".join(sorted(set(zips))[:10]),
        )
    slim = slim[~aside]
    if slim.empty:
        return pd.DataFrame(columns=["unit_id", "domain", "positive", "negative"]), rejected
    placed = place(
        slim,
        geo,
        ["positive", "negative"],
        ["domain"],
        units,
        file=file,
        crosswalk=crosswalk,
        unknown_zip="error",
        integer=True,
    )
    t = placed.table
    counts = t.groupby(["unit_id", "domain"], as_index=False, sort=False)[
        ["positive", "negative"]
    ].sum()
    return counts, rejected


def publish_rates(
    counts: pd.DataFrame, unit_ids: pd.Index, domains: Sequence[str], min_cell: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Suppress small cells per domain (units × positive/negative) and derive the rates.

    Each domain is one two-way table: a row per unit with patients screening positive and
    negative, its row total the patients screened, its column totals the region's. The
    negatives are never published, but as ``screened - positive`` they are protected like
    any cell. Units with no patient screened are all zeros, published as such.
    """
    inside = counts[counts["unit_id"] != OUTSIDE]
    ids = pd.Index(unit_ids.astype(str))
    margin = "\x00total"
    parts, totals = [], []
    for key in domains:
        d = inside[inside["domain"] == key].groupby("unit_id")[["positive", "negative"]].sum()
        d = d[(d["positive"] + d["negative"]) > 0]
        pub = suppress_table(d, min_cell, margin=margin)
        cells = pub.drop(index=margin).reindex(ids, fill_value=0.0)
        parts.append(_rates(ids, key, cells[margin], cells["positive"]))
        tot = pub.loc[[margin]]
        totals.append(_rates(pd.Index([key]), key, tot[margin], tot["positive"]))
    rates = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RATE_COLUMNS)
    region = pd.concat(totals, ignore_index=True) if totals else pd.DataFrame()
    return rates, region.drop(columns="unit_id", errors="ignore").reindex(columns=TOTAL_COLUMNS)


def _rates(ids: pd.Index, key: str, screened: pd.Series, positive: pd.Series) -> pd.DataFrame:
    s = screened.to_numpy(float)
    p = positive.to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(s > 0, 1000.0 * p / s, np.nan)  # NaN propagates from hidden cells
    return pd.DataFrame(
        {
            "unit_id": np.asarray(ids, dtype=object),
            "domain": key,
            "screened": s,
            "positive": p,
            "per_1000": per,
            "suppressed": np.isnan(s) | np.isnan(p),
        }
    )


def read_referral_counts(
    df: pd.DataFrame,
    file: str,
    *,
    domains: Mapping[str, Domain],
    columns: Mapping[str, str] | None,
    min_cell: int,
) -> pd.DataFrame:
    """Check the referral rows and publish them per partner × domain (small cells hidden).

    A referral is sent, then accepted by the partner (or not), then closed with the need
    met (or not): ``closed <= accepted <= sent``. The table's cells are closed,
    accepted-but-open and not accepted, with ``sent`` as row total.
    """
    cols = _columns(df, ["partner", "domain", "sent", "accepted", "closed"], columns, file)
    _need(cols, ["partner", "sent", "accepted", "closed"], df, file)
    partner = df[cols["partner"]].fillna("").astype(str).str.strip()
    blank = partner.eq("")
    if blank.any():
        rows = row_numbers(blank)
        msg = f"the partner organisation is blank (rows {row_list(rows)})"
        raise InputError(msg, file=file, row=rows[0], column=cols["partner"])
    dom = (
        domain_column(df, cols["domain"], domains, file)
        if "domain" in cols
        else pd.Series("all", index=df.index)
    )
    n = {
        k: number(df, cols[k], file, whole=True, quote=False)
        for k in ("sent", "accepted", "closed")
    }
    for small, big in (("accepted", "sent"), ("closed", "accepted")):
        bad = n[small] > n[big]
        if bad.any():
            rows = row_numbers(bad)
            msg = (
                f"more referrals {small} than {big} (rows {row_list(rows)}); a referral is "
                "sent, then accepted, then closed with the need met"
            )
            raise InputError(msg, file=file, row=rows[0], column=cols[small])
    raw = pd.DataFrame(
        {
            "partner": partner,
            "domain": dom,
            "closed": n["closed"],
            "open": n["accepted"] - n["closed"],
            "declined": n["sent"] - n["accepted"],
        }
    )
    g = raw.groupby(["partner", "domain"], sort=True, as_index=False)[
        ["closed", "open", "declined"]
    ].sum()
    margin = "\x00total"
    pub = suppress_table(g[["closed", "open", "declined"]], min_cell, margin=margin)
    pub = pub.drop(index=margin)
    sent = pub[margin]
    by_cells = pub["closed"] + pub["open"]
    accepted = by_cells.where(by_cells.notna(), sent - pub["declined"])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(sent > 0, pub["closed"] / sent, np.nan)
    out = pd.DataFrame(
        {
            "partner": g["partner"].to_numpy(),
            "domain": g["domain"].to_numpy(),
            "sent": sent.to_numpy(float),
            "accepted": accepted.to_numpy(float),
            "closed": pub["closed"].to_numpy(float),
            "closure_rate": rate,
        }
    )
    out["suppressed"] = out[["sent", "accepted", "closed"]].isna().any(axis=1)
    return out[REFERRAL_COLUMNS]
