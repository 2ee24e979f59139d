"""Rivest's consistent sampling, byte-compatible with the `consistent-sampler` package.

S = sha256_hex(str(seed)); ticket(id) = "0." + reversed("{:064d}".format(int(sha256_hex(S + id), 16))).
Lower tickets are drawn first. A ticket depends only on the seed and the id.
"""

from __future__ import annotations

import hashlib
import unicodedata


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_id(entity_id: str) -> str:
    """Public identifiers are compared and hashed in NFC form."""
    return unicodedata.normalize("NFC", entity_id)


def seed_hash(seed: str) -> str:
    return sha256_hex(str(seed))


def ticket(seed: str, entity_id: str) -> str:
    """The full ticket string of one id, exactly as `consistent-sampler` prints it."""
    digits = f"{int(sha256_hex(seed_hash(seed) + entity_id), 16):064d}"
    return "0." + digits[::-1]
