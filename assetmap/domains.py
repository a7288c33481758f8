"""Service domains: what an asset does, read from ``layers/domains.yml``.

A domain has a key (``food``), a label, a colour and icon for the map, a default travel
threshold in walking minutes, aliases people write in spreadsheets, OpenStreetMap tags
and Open Referral / 211 taxonomy terms. The same file says which domains a shareable space
of the hospital or a community space could host, by words of its type, and which domains'
organisations could host each domain's service (:class:`Domains`). Users edit the YAML,
never this module; every table keyed by domain reads it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assetmap._colours import closest_colours, css_colour
from assetmap._resources import layers_dir
from assetmap.errors import ConfigError, InputError
from assetmap.icons import ICONS, icon_name

__all__ = [
    "MAX_YAML_NODES",
    "Domain",
    "DomainMatcher",
    "Domains",
    "domain_keys",
    "is_taxonomy_code",
    "load_domains",
    "normalise_label",
    "parse_hosts",
    "read_yaml_file",
    "safe_load_yaml",
]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Most values a YAML file may hold once its aliases are expanded (:func:`safe_load_yaml`).
MAX_YAML_NODES = 1_000_000


def safe_load_yaml(text: str, *, max_nodes: int = MAX_YAML_NODES, source: str | None = None) -> Any:
    r"""Parse YAML safely, refusing aliases that expand past ``max_nodes`` values.

    libyaml's C parser is used when PyYAML has it (about 10x faster). The document is
    composed first (each alias is a reference to its anchor's node, so composing is cheap
    whatever the aliases), and the number of values it would hold with every alias
    expanded is counted before any Python object is built: nested aliases (a "billion
    laughs", nine levels of nine aliases expanding to 9**9 values) or an alias to itself
    are refused at once, in bounded memory and time.

    Parameters
    ----------
    text : str
        The YAML text.
    max_nodes : int
        Most values (mappings, lists, scalars and keys) once aliases are expanded; the
        default, a million, is far beyond any project, domains or indicators file.
    source : str, optional
        The file, named in the error.

    Returns
    -------
    object
        The document (None for an empty one).

    Raises
    ------
    ConfigError
        When the aliases expand past ``max_nodes`` or refer to themselves.
    yaml.YAMLError
        When the text is not valid YAML.

    Examples
    --------
    >>> safe_load_yaml("a: [1, 2]")
    {'a': [1, 2]}
    >>> bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]"
    >>> safe_load_yaml(bomb)["c"][2][1]
    ['x', 'x', 'x']
    >>> try:
    ...     safe_load_yaml(bomb, max_nodes=20, source="p.yml")
    ... except ConfigError as err:
    ...     print(err)  # doctest: +NORMALIZE_WHITESPACE
    p.yml: refused: its aliases (*name) would expand to more than 20 values; write the
    values out, or nest fewer aliases (a "billion laughs" file is refused this way)
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expanded_size(node, max_nodes, source)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_yaml_file(path: str | Path, *, what: str = "YAML file") -> Any:
    """Read a YAML file as UTF-8 through :func:`safe_load_yaml`; every failure is one sentence.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for the error ("project file", "domain definitions").

    Returns
    -------
    object
        The document.

    Raises
    ------
    ConfigError
        Naming the file: unreadable, not UTF-8 (with the byte offset of the first byte
        that is not), not valid YAML (with its line), or aliases expanding too far.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "p.yml"
    >>> _ = p.write_bytes("name: Caf\u00e9".encode("latin-1"))
    >>> try:
    ...     read_yaml_file(p, what="project file")
    ... except ConfigError as err:
    ...     print(str(err).replace(str(p), "p.yml"))  # doctest: +NORMALIZE_WHITESPACE
    p.yml: the project file is not UTF-8 text (byte 0xe9 at offset 9 cannot be read); save
    it as UTF-8 (in most editors: Save As, encoding UTF-8)
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        msg = f"{p}: cannot read the {what} ({exc.strerror or exc})"
        raise ConfigError(msg) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        msg = (
            f"{p}: the {what} is not UTF-8 text (byte 0x{data[exc.start + bom]:02x} at offset "
            f"{exc.start + bom} cannot be read); save it as UTF-8 (in most editors: Save As, "
            "encoding UTF-8)"
        )
        raise ConfigError(msg) from exc
    try:
        return safe_load_yaml(text, source=str(p))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        msg = f"{p}{line}: the {what} is not valid YAML ({problem})"
        raise ConfigError(msg) from exc


def _check_expanded_size(root: yaml.Node, max_nodes: int, source: str | None) -> None:
    """Raise when ``root`` expands (aliases followed) to more than ``max_nodes`` values.

    Sizes are memoised per node, so the walk costs the composed nodes, not the expansion.
    """
    where = f"{source}: " if source else ""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            if size[key] > max_nodes:
                msg = (
                    f"{where}refused: its aliases (*name) would expand to more than "
                    f"{max_nodes:,} values; write the values out, or nest fewer aliases "
                    '(a "billion laughs" file is refused this way)'
                )
                raise ConfigError(msg)
            continue
        if key in size:
            continue
        if key in open_nodes:
            line = node.start_mark.line + 1
            msg = f"{where}line {line}: an alias refers to the value that holds it; remove it"
            raise ConfigError(msg)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    """Return the nodes directly inside ``node`` (keys and values of a mapping)."""
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


@dataclass(frozen=True)
class Domain:
    """One service domain as defined in ``domains.yml``."""

    key: str
    label: str
    colour: str
    icon: str
    threshold_min: float
    hrsn: bool = False
    aliases: tuple[str, ...] = ()
    osm_tags: dict[str, Any] = field(default_factory=dict)
    taxonomy: tuple[str, ...] = ()


def normalise_label(text: str) -> str:
    """Lower-case a label and squeeze punctuation and spaces, for alias matching.

    Examples
    --------
    >>> normalise_label("  Food-Pantry ")
    'food pantry'
    """
    text = re.sub(r"[^0-9a-z]+", " ", str(text).lower())
    return " ".join(text.split())


#: The table of :attr:`Domains.space_hosts`: (word of a space's type, domain keys), in order.
SpaceHosts = tuple[tuple[str, tuple[str, ...]], ...]


class Domains(dict[str, Domain]):
    """Service domains keyed by their key in file order, and the spaces that can host them.

    A plain ``dict`` of :class:`Domain` as far as every caller is concerned; it also holds
    ``space_hosts`` from the same ``domains.yml``.

    Parameters
    ----------
    domains : dict of str to Domain
        The domains, in order.
    space_hosts : tuple of (str, tuple of str), optional
        Words of a space's type and the domain keys such a space could host, first match
        first (the ``space_hosts:`` table of ``domains.yml``).
    co_locate, community_hosts : tuple of (str, tuple of str), optional
        Per domain key, the domains whose organisations could host its service on site
        (:meth:`hosts_for_domain`); as ``space_hosts``, for community spaces.

    Examples
    --------
    >>> doms = load_domains()
    >>> doms.hosts_for_space("Teaching Kitchen"), doms.hosts_for_space("Parking lots")
    (('food', 'older_adults'), ('food', 'primary_care'))
    >>> doms.hosts_for_space("storage closet"), doms.hosts_for_domain("food")[:2]
    ((), ('primary_care', 'older_adults'))
    """

    def __init__(self, domains: dict[str, Domain], **tables: SpaceHosts) -> None:
        super().__init__(domains)
        self.space_hosts: SpaceHosts = tables.get("space_hosts", ())
        self.co_locate: SpaceHosts = tables.get("co_locate", ())
        self.community_hosts: SpaceHosts = tables.get("community_hosts", ())

    def hosts_for_space(self, space_type: object, *, community: bool = False) -> tuple[str, ...]:
        """Return the domains a space of this type could host (``()`` when none is listed).

        The first word of :attr:`space_hosts` (``community``: :attr:`community_hosts`) that
        the type contains, whole or with a plural ``s``, ignoring case and punctuation.
        """
        text = f" {normalise_label(str(space_type or ''))} "
        for word, keys in self.community_hosts if community else self.space_hosts:
            if f" {word} " in text or f" {word}s " in text:
                return keys
        return ()

    def hosts_for_domain(self, key: str) -> tuple[str, ...]:
        """Return the domains whose organisations could host ``key``'s service on site."""
        return next((keys for k, keys in self.co_locate if k == key), ())


def parse_hosts(value: object) -> tuple[str, ...]:
    """Return the domain keys of a ``;``-separated cell (``"food; older_adults"``).

    Blank and missing cells give ``()``; order is kept and repeats dropped. Used for the
    ``hosts`` column of shareable spaces, written as domain keys joined by ``"; "``.

    Examples
    --------
    >>> parse_hosts("food; older_adults;food"), parse_hosts(float("nan")), parse_hosts(None)
    (('food', 'older_adults'), (), ())
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    return tuple(dict.fromkeys(w.strip() for w in str(value).split(";") if w.strip()))


def load_domains(path: str | Path | None = None) -> Domains:
    """Read service domains from a ``domains.yml`` file.

    Parameters
    ----------
    path : str or Path, optional
        A ``domains.yml``; the one shipped with assetmap when omitted.

    Returns
    -------
    Domains
        Domains in file order, keyed by their key, with the file's ``space_hosts`` table.

    Raises
    ------
    ConfigError
        When the file is malformed; a domain's unknown ``icon``, or an unknown domain in
        ``space_hosts``, is named with its line and what may be written instead.

    Examples
    --------
    >>> domains = load_domains()
    >>> domains["food"].threshold_min
    15.0
    """
    p = Path(path) if path is not None else layers_dir() / "domains.yml"
    raw = read_yaml_file(p, what="domain definitions")
    text = p.read_text(encoding="utf-8-sig")  # for the line numbers of later errors
    if not isinstance(raw, dict) or not isinstance(raw.get("domains"), dict):
        msg = f"{p}: expected a mapping with a top-level 'domains:' key"
        raise ConfigError(msg)
    out = {str(key): _domain(p, text, key, d) for key, d in raw["domains"].items()}
    if not out:
        msg = f"{p}: no domains defined"
        raise ConfigError(msg)
    tables = {t: _hosts_table(p, text, raw, t, out) for t in _HOST_TABLES}
    return Domains(out, **tables)


def _domain(p: Path, text: str, key: object, d: object) -> Domain:
    """Check and build one domain of ``domains.yml``."""
    if not isinstance(d, dict):
        msg = f"{p}: domain {key!r} must be a mapping of fields"
        raise ConfigError(msg)
    missing = [f for f in ("label", "colour", "icon", "threshold_min") if f not in d]
    if missing:
        msg = f"{p}: domain {key!r} lacks {', '.join(missing)}"
        raise ConfigError(msg)
    try:
        threshold = float(d["threshold_min"])
    except (TypeError, ValueError) as exc:
        msg = f"{p}: domain {key!r} threshold_min must be a number of minutes"
        raise ConfigError(msg) from exc
    if threshold <= 0:
        msg = f"{p}: domain {key!r} threshold_min must be positive"
        raise ConfigError(msg)
    if icon_name(d["icon"]) is None:
        where = _where(p, text, ("domains", key, "icon"))
        msg = (
            f"{where}: domain {key!r} has icon {d['icon']!r}, which assetmap does not draw; "
            f"use one of {', '.join(sorted(ICONS))}"
        )
        raise ConfigError(msg)
    colour = css_colour(d["colour"])
    if colour is None:
        close = closest_colours(d["colour"])
        msg = (
            f"{_where(p, text, ('domains', key, 'colour'))}: domain {key!r} has colour "
            f"{d['colour']!r}, which is not a colour; write #rrggbb, #rgb or a CSS colour name"
            + (f" (did you mean {' or '.join(close)}?)" if close else "")
        )
        raise ConfigError(msg)
    return Domain(
        key=str(key),
        label=str(d["label"]),
        colour=colour,
        icon=str(d["icon"]),
        threshold_min=threshold,
        hrsn=bool(d.get("hrsn", False)),
        aliases=tuple(str(a) for a in d.get("aliases") or ()),
        osm_tags=dict(d.get("osm_tags") or {}),
        taxonomy=tuple(str(t) for t in d.get("taxonomy") or ()),
    )


#: Tables of ``domains.yml`` mapping a word (``co_locate``: a domain key) to domain keys.
_HOST_TABLES = ("space_hosts", "co_locate", "community_hosts")


def _hosts_table(
    p: Path, text: str, raw: dict[str, Any], name: str, domains: dict[str, Domain]
) -> SpaceHosts:
    """Check one table of :data:`_HOST_TABLES` against the domains."""
    table = raw.get(name)
    if table is None:
        return ()
    if not isinstance(table, dict):
        msg = f"{_where(p, text, (name,))}: {name} must map words to domain keys"
        raise ConfigError(msg)
    out: list[tuple[str, tuple[str, ...]]] = []
    for word, keys in table.items():
        listed = [keys] if isinstance(keys, str) else keys
        key = str(word) if name == "co_locate" else normalise_label(str(word))
        if not isinstance(listed, list) or not key:
            where = _where(p, text, (name, word))
            msg = f"{where}: {name} {word!r} must list domain keys, e.g. [food, housing]"
            raise ConfigError(msg)
        bad = [(None, word)] if name == "co_locate" and key not in domains else []
        for i, k in [*bad, *((i, k) for i, k in enumerate(listed) if str(k) not in domains)][:1]:
            where = _where(p, text, (name, word, i if listed is keys else None))
            msg = (
                f"{where}: {name} {word!r} {'is' if i is None else f'lists {k!r}, which is'} "
                f"not a domain of this file; use one of {', '.join(domains)}"
            )
            raise ConfigError(msg)
        out.append((key, tuple(dict.fromkeys(str(k) for k in listed))))
    return tuple(out)


def _where(p: Path, text: str, keys: tuple[object, ...]) -> str:
    """Return ``"file, line N"`` for the YAML node at ``keys`` (just ``"file"`` if not found).

    Only called on the way to an error, so the fast loader keeps no line numbers.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return str(p)
    for k in keys:
        if k is None:
            break
        if isinstance(node, yaml.MappingNode):
            found = [v for kn, v in node.value if kn.value == str(k)]
        elif isinstance(node, yaml.SequenceNode) and isinstance(k, int):
            found = node.value[k : k + 1]
        else:
            found = []
        if not found:
            return str(p)
        node = found[0]
    return f"{p}, line {node.start_mark.line + 1}" if node is not None else str(p)


#: A 211 LA / AIRS taxonomy code: one or two capitals, then "-1800", ".2000", "-620"…
_CODE = re.compile(r"^[A-Z]{1,2}(?:[-.][0-9]{2,4})*$")


def is_taxonomy_code(value: object) -> bool:
    """Tell whether a value is written as a 211 LA / AIRS taxonomy code.

    Examples
    --------
    >>> is_taxonomy_code("BD-1800.2000"), is_taxonomy_code("BH"), is_taxonomy_code("tt-01")
    (True, True, False)
    """
    return bool(_CODE.match(str(value or "").strip()))


def _code_prefixes(code: str) -> list[str]:
    """Return ``code`` and its ancestors, longest first ("BD-1800.2000" → …, "BD", "B")."""
    out = [code]
    for i in range(len(code) - 1, 0, -1):
        if code[i] in "-.":
            out.append(code[:i])
    if len(out[-1]) == 2 and out[-1].isalpha():
        out.append(out[-1][0])
    return out


class DomainMatcher:
    """Map the words people write ("Food Pantry", "FOOD") to domain keys.

    Taxonomy codes (211 LA / AIRS style, e.g. ``BD-1800.2000``) listed under a domain's
    ``taxonomy`` match themselves and every more specific code below them: the code of a
    term is cut at each ``-`` or ``.`` until a listed code is found, so ``BD-1800.2000``
    (food pantries) matches a domain listing ``BD-1800`` (emergency food).

    Parameters
    ----------
    domains : dict of str to Domain
        As returned by :func:`load_domains`.

    Examples
    --------
    >>> m = DomainMatcher(load_domains())
    >>> m.match("Food Pantry"), m.match("Mental Health"), m.match("bakery")
    ('food', 'behavioral_health', None)
    >>> m.match_code("BD-1800.2000"), m.match("BH-1800.8500-100"), m.match_code("YZ-1000")
    ('food', 'housing', None)
    """

    def __init__(self, domains: dict[str, Domain]) -> None:
        self.domains = domains
        self._lookup: dict[str, str] = {}
        self._codes: dict[str, str] = {}
        for key, d in domains.items():
            for word in (key, key.replace("_", " "), d.label, *d.aliases):
                self._lookup.setdefault(normalise_label(word), key)
            for term in d.taxonomy:
                if is_taxonomy_code(term):
                    self._codes.setdefault(term.strip(), key)
                self._lookup.setdefault(normalise_label(term), key)

    def match(self, value: object) -> str | None:
        """Return the domain key for a label or taxonomy code, or None when nothing matches."""
        if value is None:
            return None
        code = self.match_code(value)
        if code is not None:
            return code
        text = normalise_label(str(value))
        if not text:
            return None
        if text in self._lookup:
            return self._lookup[text]
        # plural / trailing words: "food pantries" -> "food pantry", "FOOD SERVICES" -> food
        for cand in (text.rstrip("s"), re.sub(r"ies\b", "y", text)):
            if cand in self._lookup:
                return self._lookup[cand]
        return None

    def match_code(self, value: object) -> str | None:
        """Return the domain of a taxonomy code or of its nearest listed ancestor code.

        Only values written as codes (``BD-1800.2000``, ``BH``) are considered, so
        ordinary words never match by accident.
        """
        code = str(value or "").strip()
        if not is_taxonomy_code(code):
            return None
        for cand in _code_prefixes(code):
            if cand in self._codes:
                return self._codes[cand]
        return None

    def suggest(self, value: object, n: int = 3) -> list[str]:
        """Return up to ``n`` domain keys whose names are closest to ``value``."""
        text = normalise_label(str(value))
        close = difflib.get_close_matches(text, list(self._lookup), n=n * 3, cutoff=0.5)
        keys: list[str] = []
        for c in close:
            k = self._lookup[c]
            if k not in keys:
                keys.append(k)
        return keys[:n]


def domain_keys(counts: Mapping[str, int], domains: Mapping[str, Domain]) -> dict[str, str]:
    """Map each domain label written on assets to its domain key, as the readers do.

    Labels go through :class:`DomainMatcher` (keys, labels, aliases, taxonomy terms and
    codes of ``domains.yml``), so ``"Food Pantry"`` and ``"older adults"`` count as the
    domains a spreadsheet reader would give them. Nothing is dropped without a word: any
    label that matches no domain raises one error naming every such label and its count.

    Parameters
    ----------
    counts : mapping of str to int
        Each distinct label (``""`` for a missing one) and how many assets carry it.
    domains : mapping of str to Domain

    Returns
    -------
    dict of str to str
        Label → domain key, for every label of ``counts``.

    Raises
    ------
    InputError
        When a label matches no domain.

    Examples
    --------
    >>> domain_keys({"food": 3, "Food Pantry": 1, "older adults": 2}, load_domains())
    {'food': 'food', 'Food Pantry': 'food', 'older adults': 'older_adults'}
    """
    matcher = DomainMatcher(dict(domains))
    out: dict[str, str] = {}
    unknown: list[tuple[str, int]] = []
    for label, n in counts.items():
        key = label if label in domains else matcher.match(label)
        if key is None:
            unknown.append((label, int(n)))
        else:
            out[label] = key
    if unknown:
        words = ", ".join(f"{w!r} ({n:,})" if w else f"empty ({n:,})" for w, n in unknown)
        total = sum(n for _, n in unknown)
        msg = (
            f"{total:,} assets have a domain that matches no domain of domains.yml: {words}; "
            f"write one of {', '.join(domains)}, or add the label as an alias in "
            "layers/domains.yml"
        )
        raise InputError(msg, column="domain")
    return out
