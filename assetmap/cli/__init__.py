"""The command line: a face only.

Each command parses its options, sets up logging from ``-v``/``-q``, calls the same
library function a notebook calls, and prints a short summary. No analysis and no output
file is made here.

May import: anything in :mod:`assetmap`. Nothing imports it.
"""

from assetmap.cli.main import cli, main

__all__ = ["cli", "main"]
