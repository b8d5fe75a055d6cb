"""Reading printed PDFs back the way a person would: the text (pdftotext) and the fonts (pdffonts)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def _run(tool: str, data: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.pdf"
        path.write_bytes(data)
        return subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
                              capture_output=True, check=True, text=True).stdout


def pdf_text(data: bytes) -> str:
    """The text of every page, in reading order."""
    return _run("pdftotext", data, "-layout", "-enc", "UTF-8")


def pdf_fonts(data: bytes) -> list[dict[str, str]]:
    """``pdffonts``: one row per font with its name, type and whether it is embedded."""
    lines = _run("pdffonts", data).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the flags are the 5th-3rd fields from the end.
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def pdf_pages(data: bytes) -> int:
    for line in _run("pdfinfo", data).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo gave no page count")
