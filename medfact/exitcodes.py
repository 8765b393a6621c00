"""Exit codes shared by every ``medfact`` command (one table, quoted in each ``--help``)."""

from __future__ import annotations

OK = 0
"""Everything read was checked and passed (or the command did what it was asked)."""
UNSAFE = 1
"""Some output is unsafe or failing (with ``--fail-on-unsafe`` / ``--fail-on-unchecked``)."""
USAGE = 2
"""A usage or config error: bad option, unreadable or unsuitable input file, bad config."""
NOT_SCORED = 3
"""Some records could not be scored; each has its error record in the output."""
INTERNAL = 4
"""An internal error, or the output could not be written (full disk, closed descriptor)."""
BROKEN_PIPE = 141
"""The reader of stdout went away (``medfact score ... | head -1``): quiet, as after SIGPIPE."""
INTERRUPTED = 130
"""Ctrl-C, as after SIGINT (what was written so far is complete, one record a line)."""

TABLE = (
    (OK, "ok"),
    (UNSAFE, "some output unsafe or failing (with --fail-on-...)"),
    (USAGE, "usage or config error"),
    (NOT_SCORED, "some records not scored (see their error records)"),
    (INTERNAL, "internal error, or output not writable"),
)

EPILOG = (
    "\b\nExit codes:\n"
    + "\n".join(f"  {code}  {text}" for code, text in TABLE)
    + f"\n  {INTERRUPTED}  interrupted (Ctrl-C)"
    + f"\n  {BROKEN_PIPE}  stdout closed by its reader (| head): quiet, as after SIGPIPE"
)
"""The exit-code table as a click epilog (``\\b`` keeps click from rewrapping it)."""
