"""A corpus of hostile strings for every text field of the map and the report.

Each string tries one way to turn data into live HTML, script, style or a broken layout.
Every ``alert`` carries its own number, so a dialog in a browser test names the string
that got through. :func:`shown` gives the text a reader should see for a string: what
``assetmap.maps._html.text`` keeps (control characters and lone surrogates dropped,
cut at ``limit`` characters with an ellipsis), with white space collapsed as a browser's
``innerText`` collapses it.
"""

from __future__ import annotations

import re

SCRIPT = "<script>alert(101)</script>"
SCRIPT_END = "</script><script>alert(102)</script>"
IMG = "<img src=x onerror=alert(103)>"
SVG = '"><svg onload=alert(104)><circle r="40"/></svg>'
ATTR = "' onmouseover='alert(105)' data-x='"
JS_URL = "javascript:alert(106)"
JS_URL_CASE = " JaVaScRiPt:alert(107)"
DATA_URL = "data:text/html,<script>alert(108)</script>"
TEMPLATE = "${alert(109)}`);alert(110);//"
STYLE = "</style><style>body{display:none}</style><b>style</b>"
CSS_VALUE = "red;background:url(javascript:alert(111))"
SVG_SCRIPT = "<svg><script>alert(112)</script></svg>"
LINK = '<a href="javascript:alert(113)">click me</a>'
ENTITIES = "&lt;b&gt;entity&lt;/b&gt; &amp; &#60;script&#62; &quot;"
RTL_OVERRIDE = "Clinic \u202eexe.evil\u202c done"
RTL_TEXT = (
    "\u05de\u05e8\u05db\u05d6 \u05e7\u05d4\u05d9\u05dc\u05ea\u05d9 "
    "\u0645\u0631\u0643\u0632 \u200f(RTL)"
)
LONG_NAME = "Very long name " + "x" * (10_000 - len("Very long name "))
LONG_WORD = "Supercalifragilistic" * 60
CONTROL = "null\x00byte\x01and\x1fcontrol\x7f"
EMOJI = (
    "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 family "
    "\U0001f3f3\ufe0f\u200d\U0001f308 ZWJ"
)
COMMENT = "<!-- open comment <![CDATA[ x ]]>"
JINJA = "{{ 7*7 }} {% raw %} {# comment"
BACKSLASH = "back\\slash \\u003cscript\\u003e \\\\ end\\"
IFRAME = "<iframe srcdoc='<script>alert(114)</script>'></iframe>"
MXSS = "<math><mtext><table><mglyph><style><img src=x onerror=alert(115)>"
NEWLINES = "line one\nline two\r\nline three\u2028line four"
QUOTES = 'O\'Brien "Family" Center `backtick`'
#: Half a surrogate pair. Not in :data:`HOSTILE`: pandas 3 stores text as UTF-8 (with
#: pyarrow), which cannot hold it, so no table of a study can; the readers turn JSON's
#: ``"\\ud800"`` escape into U+FFFD (test_sources_hsds), and a study's own name (plain
#: text, no table) is checked with it in test_maps.
SURROGATE = "lone \ud800 surrogate"

HOSTILE: tuple[str, ...] = (
    SCRIPT,
    SCRIPT_END,
    IMG,
    SVG,
    ATTR,
    JS_URL,
    JS_URL_CASE,
    DATA_URL,
    TEMPLATE,
    STYLE,
    CSS_VALUE,
    SVG_SCRIPT,
    LINK,
    ENTITIES,
    RTL_OVERRIDE,
    RTL_TEXT,
    LONG_NAME,
    LONG_WORD,
    CONTROL,
    EMOJI,
    COMMENT,
    JINJA,
    BACKSLASH,
    IFRAME,
    MXSS,
    NEWLINES,
    QUOTES,
)

#: Short strings whose markup is the most dangerous, for single fields (a study name).
MARKUP = (SCRIPT_END, IMG, TEMPLATE, JINJA)

_DROPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def shown(value: str, limit: int = 300) -> str:
    """The text a reader sees for ``value``, white space collapsed."""
    s = _DROPPED.sub("", value).strip()
    if len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return collapse(s)


def collapse(value: str) -> str:
    """White space collapsed to single spaces, as ``innerText`` of wrapped text shows it."""
    return " ".join(value.split())
