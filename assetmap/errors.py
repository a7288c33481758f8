"""Named errors a caller can catch.

Every error raised for bad input says where the problem is (file, row, column) and what
to do about it, so a person can fix their spreadsheet without reading a traceback.
"""

from __future__ import annotations

__all__ = ["AssetmapError", "ConfigError", "FetchError", "InputError", "OfflineError"]


class AssetmapError(Exception):
    """Base class of every error assetmap raises on purpose."""


class InputError(AssetmapError, ValueError):
    """A data file a user supplied cannot be read as it is.

    Parameters
    ----------
    message : str
        What is wrong and what to do, in one or two sentences.
    file : str, optional
        The file's path as the user gave it.
    row : int, optional
        The row as the user sees it in a spreadsheet (the header is row 1, so the first
        data row is row 2).
    column : str, optional
        The column's name as written in the file.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ConfigError(AssetmapError, ValueError):
    """A project YAML or a layer definition (domains, indicators) is malformed."""


class OfflineError(AssetmapError, RuntimeError):
    """Something needed is not in the cache and the network may not be used."""


class FetchError(AssetmapError, RuntimeError):
    """A download failed for good (after retries); the message says what to do."""
