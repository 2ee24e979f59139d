"""What the public portal hands out that is not in the database, shipped inside the package.

`verify_draw.py` is the standalone verifier (one Python 3.8+ standard-library file that never
imports spotcheck: it is served as it is and put into each draw's verification kit); `docs/`
holds the documents the portal renders (how to verify a draw, the open-data schema). They live
here, not in the repository checkout, so a non-editable install (a wheel) serves them too;
`tools/verify_draw.py` and `docs/*.md` in the checkout are symlinks to these files.
"""

from __future__ import annotations

from importlib import resources

VERIFIER_NAME = "verify_draw.py"
DOCUMENTS = ("verification.md", "open-data.md")


def verifier_bytes() -> bytes:
    """The verifier exactly as shipped: what /public/verify_draw.py and every kit serve."""
    return resources.files(__name__).joinpath(VERIFIER_NAME).read_bytes()


def document_text(name: str) -> str:
    """One of the packaged documents (`DOCUMENTS`), as Markdown."""
    if name not in DOCUMENTS:
        raise ValueError(f"not a packaged document: {name}")
    return resources.files(__name__).joinpath("docs", name).read_text(encoding="utf-8")
