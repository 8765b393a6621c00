"""Every error medfact raises, under one root, each with a stable code (as spaCy's errors.py)."""

from __future__ import annotations


class MedfactError(Exception):
    """Root of medfact's errors. `code` is stable across versions; the message is for people."""

    code = "E000"

    def __init__(self, message: str) -> None:
        super().__init__(f"[{self.code}] {message}")
        self.message = message


class ConfigError(MedfactError):
    """A config key, value or plug-in name is wrong."""

    code = "E001"


class RegistryError(ConfigError):
    """A plug-in name is not registered."""

    code = "E002"


class InputError(MedfactError):
    """One input record is unusable. Names the record and the field."""

    code = "E010"

    def __init__(self, message: str, *, record: str | int | None = None, field: str | None = None):
        where = []
        if record is not None:
            where.append(f"record {record}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.message = message
        self.record = record
        self.field = field


class InputTooLargeError(InputError):
    """An input file or line is over its size limit."""

    code = "E011"


class DuplicateIdError(InputError):
    """A record repeats the id of an earlier record of the same input."""

    code = "E012"


class OutputError(MedfactError):
    """A result could not be written (full disk, closed pipe, unwritable file)."""

    code = "E040"


class CorpusError(MedfactError):
    """A corpus or index is missing, malformed or incompatible."""

    code = "E020"


class NotFittedError(MedfactError):
    """A model was used before it was fitted or loaded."""

    code = "E030"
