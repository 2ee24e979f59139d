"""Building directory files for tests."""

import csv
import io
from datetime import date

from spotcheck.lib import demo
from spotcheck.lib.directory import ENTITY_COLUMNS, INSPECTOR_COLUMNS
from spotcheck.lib.tabular import write_xlsx

ENTITY_HEADER = [spec.label for spec in ENTITY_COLUMNS]
INSPECTOR_HEADER = [spec.label for spec in INSPECTOR_COLUMNS]
AS_OF = date(2024, 3, 1)
AGENCY = demo.POLICE_AGENCY


def county_rows(entities: int = 30, seed: int = 11) -> list[list[str]]:
    county = demo.generate_county(seed, entities, as_of=AS_OF)
    return [["" if cell is None else str(cell) for cell in row] for row in demo.entity_rows(county)]


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    stream = io.BytesIO()
    write_xlsx(stream, header, rows)
    return stream.getvalue()


def column(name: str) -> int:
    return ENTITY_HEADER.index(name)


def break_check_character(code: str) -> str:
    """The same code with a wrong 18th character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:17] + alphabet[(alphabet.index(code[17]) + 1) % len(alphabet)]
