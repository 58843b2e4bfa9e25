"""Line tidying shared by the formats whose text is rebuilt from structure (HTML, DOCX).

Plain text is never tidied: its characters are the user's, and offsets index them as given.
"""

from __future__ import annotations

import re

_BLANK_RUNS = re.compile(r"\n{3,}")


def tidy_lines(text: str) -> str:
    """Strip trailing whitespace from each line, keep at most one blank line in a row,
    drop blank lines at both ends, and write no-break spaces as plain spaces."""
    lines = [line.rstrip().replace("\xa0", " ") for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
