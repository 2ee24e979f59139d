"""Streaming CSV and Excel readers and writers for directory imports and exports.

Readers keep memory (nearly) flat in the file size. CSV is decoded incrementally, line by line:
flat. xlsx is parsed with openpyxl's read-only mode, which streams the sheet XML; two caveats
measured with tracemalloc: the shared-string table (every distinct text Excel stored) is held in
memory, and each parsed row leaves an emptied XML element behind (~80 bytes a row, so 100,000
rows cost about 8 MB). python-calamine is not used for xlsx because it reads the whole sheet
into memory before its `iter_rows` yields anything; it reads only legacy .xls files, whose
format caps a sheet at 65,536 rows.

Every cell comes back as a stripped `str`; row numbers are the ones a person sees in Excel, so the
header is row 1 and blank rows still count. Problems with the file itself raise `TabularError`
with a Chinese message naming the row and column; problems with values are the caller's business.

Writers neutralise spreadsheet formula injection, see `neutralise_formula`.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

import charset_normalizer
import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

CellValue = str | int | float | Decimal | bool | date | datetime | time | timedelta | None
Source = str | os.PathLike[str] | bytes | IO[bytes]
RowIterator = Iterator[tuple[int, list[str]]]

MAX_COLUMNS = 200
_SNIFF_BYTES = 64 * 1024
_MAX_LINE_CHARS = 1024 * 1024
_ASCII_BYTES = bytes(range(128))
_TRIAL_ENCODINGS = ("utf-8", "gb18030")  # gb18030 is a superset of GBK and GB2312
_ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "gb18030": "GBK/GB18030",
}


class TabularError(ValueError):
    """The file cannot be read as a table; the message is Chinese and meant for the uploader."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


def column_name(index: int) -> str:
    """Spreadsheet letter of a 0-based column index, as a person sees it ("A", "B", … "AA")."""
    return str(get_column_letter(index + 1))


# ---------------------------------------------------------------------------------------------
# Reading


def iter_rows(source: Source, filename: str) -> tuple[list[str], RowIterator]:
    """Open a CSV, xlsx or xls file and return its header and an iterator over the data rows.

    `filename` (the uploaded name) chooses the format by its extension. The header is the first
    non-blank row; data rows that are entirely blank are skipped but still counted. Rows shorter
    than the header are padded with "", trailing blank cells are dropped. The iterator closes the
    file when it is exhausted (or closed); `TabularError` may be raised while iterating too, for
    example when a CSV switches encoding halfway.
    """
    extension = Path(filename).suffix.lower()
    rows: Iterator[list[str]]
    if extension in {".csv", ".txt"}:
        rows = _csv_rows(source)
    elif extension in {".xlsx", ".xlsm"}:
        rows = _xlsx_rows(source)
    elif extension == ".xls":
        rows = _calamine_rows(source)
    else:
        raise TabularError(
            f"不支持的文件类型“{extension or filename}”，请上传CSV或Excel（xlsx）文件"
        )
    return _split_header(rows)


def _split_header(rows: Iterator[list[str]]) -> tuple[list[str], RowIterator]:
    numbered = enumerate(rows, start=1)
    for row_number, cells in numbered:
        if any(cells):
            header = _trim_trailing_blanks(cells)
            if len(header) > MAX_COLUMNS:
                _close(rows)
                raise TabularError(
                    f"第{row_number}行表头有{len(header)}列，超过上限{MAX_COLUMNS}列",
                    row=row_number,
                )
            return header, _data_rows(numbered, len(header), rows)
    _close(rows)
    raise TabularError("文件中没有表头：第一行应为列名")


def _data_rows(
    numbered: Iterator[tuple[int, list[str]]], width: int, rows: Iterator[list[str]]
) -> RowIterator:
    try:
        for row_number, cells in numbered:
            if not any(cells):
                continue
            trimmed = _trim_trailing_blanks(cells)
            yield row_number, trimmed + [""] * (width - len(trimmed))
    finally:
        _close(rows)  # release the file even when the caller stops early


def _trim_trailing_blanks(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _close(rows: Iterator[list[str]]) -> None:
    close = getattr(rows, "close", None)
    if close is not None:
        close()


def _open_binary(source: Source) -> tuple[IO[bytes], bool]:
    """Return a binary stream and whether we opened it (and so must close it)."""
    if isinstance(source, bytes):
        return io.BytesIO(source), True
    if isinstance(source, str | os.PathLike):
        return open(source, "rb"), True  # noqa: SIM115 - closed by the row generator
    return source, False


def detect_csv_encoding(stream: IO[bytes]) -> str:
    """Pick the codec of a CSV by strict trial decoding, then rewind the stream to its start.

    A byte-order mark settles it. Otherwise the ASCII prefix is skipped (without keeping it) and a
    64 KiB sample from the first non-ASCII byte is decoded strictly as UTF-8, then GB18030; Excel
    on Chinese Windows saves "CSV" as GBK, everything else writes UTF-8. charset-normalizer is
    asked only when both fail, and its guess must also decode the sample strictly.
    """
    start = stream.tell()
    head = stream.read(4)
    if head.startswith(codecs.BOM_UTF8):
        stream.seek(start)
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        stream.seek(start)
        return "utf-16"
    stream.seek(start)
    offset = start
    while True:
        chunk = stream.read(_SNIFF_BYTES)
        if not chunk:
            stream.seek(start)
            return "utf-8"  # pure ASCII decodes the same under every candidate
        ascii_prefix = len(chunk) - len(chunk.lstrip(_ASCII_BYTES))
        if ascii_prefix < len(chunk):
            offset += ascii_prefix
            break
        offset += len(chunk)
    # The first non-ASCII byte starts a character in UTF-8 and in GB18030 alike.
    stream.seek(offset)
    sample = stream.read(_SNIFF_BYTES)
    at_end = not stream.read(1)
    stream.seek(start)
    for encoding in _TRIAL_ENCODINGS:
        if _decodes_strictly(sample, encoding, final=at_end):
            return encoding
    guess = charset_normalizer.from_bytes(sample).best()
    if guess is not None and _plausible_hint(stream, start, sample, str(guess.encoding), at_end):
        return str(guess.encoding)
    raise TabularError("无法识别CSV文件的编码，请在Excel中另存为“CSV UTF-8（逗号分隔）”后重新上传")


def _plausible_hint(
    stream: IO[bytes], start: int, sample: bytes, encoding: str, at_end: bool
) -> bool:
    # The ASCII prefix was skipped, so the guess must also decode the start of the file; UTF-16
    # and UTF-32 without a byte-order mark are never real CSV exports, only bad guesses.
    if encoding.replace("-", "_").startswith(("utf_16", "utf_32")):
        return False
    head = stream.read(_SNIFF_BYTES)
    head_at_end = not stream.read(1)
    stream.seek(start)
    return _decodes_strictly(sample, encoding, final=at_end) and _decodes_strictly(
        head, encoding, final=head_at_end
    )


def _decodes_strictly(sample: bytes, encoding: str, *, final: bool) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(sample, final=final)
    except (UnicodeError, LookupError):  # UTF-16 without BOM raises a bare UnicodeError
        return False
    return True


class _LineTooLongError(Exception):
    pass


def _bounded_lines(text: IO[str], seen_nul: list[bool]) -> Iterator[str]:
    # readline with a limit keeps a file without line breaks from being read into memory at once.
    while line := text.readline(_MAX_LINE_CHARS):
        if len(line) >= _MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise _LineTooLongError
        if "\x00" in line:
            seen_nul[0] = True  # the record being read holds it; checked cell by cell there
        yield line


def _guess_delimiter(first_line: str) -> str:
    # Excel's "Unicode text" export is tab-separated; everything else here uses commas.
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def _csv_rows(source: Source) -> Iterator[list[str]]:
    stream, owned = _open_binary(source)
    try:
        encoding = detect_csv_encoding(stream)
    except BaseException:
        if owned:
            stream.close()
        raise
    return _decode_csv(stream, owned, encoding)


def _decode_csv(stream: IO[bytes], owned: bool, encoding: str) -> Iterator[list[str]]:
    label = _ENCODING_LABELS.get(encoding, encoding)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
    record_number = 0
    try:
        seen_nul = [False]
        lines = _bounded_lines(text, seen_nul)
        try:
            first_line = next(lines, "")
        except (UnicodeError, _LineTooLongError) as error:
            raise _csv_row_error(error, 1, label) from None
        reader = csv.reader(
            itertools.chain([first_line], lines), delimiter=_guess_delimiter(first_line)
        )
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (UnicodeError, _LineTooLongError, csv.Error) as error:
                raise _csv_row_error(error, record_number + 1, label) from None
            record_number += 1
            if seen_nul[0] and any("\x00" in cell for cell in cells):
                # PostgreSQL text cannot hold NUL; it also betrays a binary or UTF-16 file.
                raise TabularError(
                    f"第{record_number}行含有空字符（NUL），文件可能不是文本格式的CSV",
                    row=record_number,
                )
            yield [cell.strip() for cell in cells]
    finally:
        if owned:
            text.close()
        else:
            text.detach()  # leave the caller's stream open


def _csv_row_error(error: Exception, row: int, encoding_label: str) -> TabularError:
    if isinstance(error, UnicodeError):
        message = (
            f"第{row}行附近有无法按{encoding_label}编码解码的内容，"
            "文件可能混用了多种编码，请统一另存为UTF-8后重新上传"
        )
    elif isinstance(error, _LineTooLongError):
        message = f"第{row}行过长（超过{_MAX_LINE_CHARS}个字符），文件格式可能有误"
    else:
        message = f"第{row}行CSV格式错误：{error}"
    return TabularError(message, row=row)


def _xlsx_rows(source: Source) -> Iterator[list[str]]:
    stream, owned = _open_binary(source)
    try:
        # data_only: formulas come back as the values Excel last computed, never as "=…" text.
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for broken or non-xlsx files
        if owned:
            stream.close()
        raise TabularError(f"无法读取Excel文件，文件可能已损坏或不是xlsx格式（{error}）") from None
    return _stream_xlsx(workbook, stream, owned)


def _stream_xlsx(workbook: Any, stream: IO[bytes], owned: bool) -> Iterator[list[str]]:
    row_number = 0
    try:
        sheet = _first_visible_sheet(workbook)
        # Some producers write a wrong <dimension>; without it openpyxl reads rows as they are.
        sheet.reset_dimensions()
        try:
            for values in sheet.iter_rows(values_only=True):
                row_number += 1
                yield [_cell_text(value) for value in values]
        except (ValueError, KeyError, TypeError, SyntaxError) as error:
            # lxml / ElementTree parse errors derive from SyntaxError.
            raise TabularError(
                f"读取Excel第{row_number + 1}行时出错，文件可能已损坏（{error}）",
                row=row_number + 1,
            ) from None
    finally:
        workbook.close()
        if owned:
            stream.close()


def _first_visible_sheet(workbook: Any) -> Any:
    for sheet in workbook.worksheets:
        if getattr(sheet, "sheet_state", "visible") == "visible":
            return sheet
    raise TabularError("Excel文件中没有可见的工作表")


def _calamine_rows(source: Source) -> Iterator[list[str]]:
    stream, owned = _open_binary(source)
    try:
        workbook = CalamineWorkbook.from_filelike(stream)
    except Exception as error:  # calamine raises its own error types for unreadable files
        if owned:
            stream.close()
        raise TabularError(f"无法读取Excel文件，文件可能已损坏或格式不对（{error}）") from None
    return _stream_calamine(workbook, stream, owned)


def _stream_calamine(
    workbook: CalamineWorkbook, stream: IO[bytes], owned: bool
) -> Iterator[list[str]]:
    try:
        sheet = workbook.get_sheet_by_index(0)
        # skip_empty_area=False keeps leading blank rows and columns, so numbering matches Excel.
        # The whole sheet is materialised, which is bounded for .xls (65,536 rows at most).
        for values in sheet.to_python(skip_empty_area=False):
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()
        if owned:
            stream.close()


def _cell_text(value: object) -> str:
    """Render a spreadsheet value as the text a person sees, for uniform validation."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Phone numbers and codes typed into General cells arrive as 13800000000.0; other numbers
        # are shown with Excel's 15 significant digits, so 0.1 + 0.2 reads "0.3".
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------------
# Header matching

_NOTE_BRACKETS = (("(", ")"), ("[", "]"), ("【", "】"), ("〔", "〕"))


def normalise_header(text: str) -> str:
    """Canonical form of a column title, used only for matching.

    Folds fullwidth forms (NFKC), drops all whitespace, required-markers "*" and trailing colons,
    and a trailing bracketed note such as "(必填)" or "（低/中低/中/高）"; lower-cases Latin.
    """
    folded = "".join(unicodedata.normalize("NFKC", text).split()).lower()
    while True:
        previous = folded
        folded = folded.strip("*:")
        for opening, closing in _NOTE_BRACKETS:
            if folded.endswith(closing) and opening in folded:
                folded = folded[: folded.rindex(opening)]
        if folded == previous:
            return folded


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of an import template: a stable key, its Chinese title, and accepted aliases."""

    key: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    accepted: str = ""  # human description of accepted values, for docs and error messages

    @property
    def display_label(self) -> str:
        return f"{self.label}*" if self.required else self.label


def _lookup_table(columns: Sequence[ColumnSpec]) -> dict[str, ColumnSpec]:
    table: dict[str, ColumnSpec] = {}
    for spec in columns:
        for title in (spec.label, *spec.synonyms):
            normalised = normalise_header(title)
            owner = table.setdefault(normalised, spec)
            if owner.key != spec.key:
                raise ValueError(f"header {title!r} is claimed by {owner.key!r} and {spec.key!r}")
    return table


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Where each known column sits in an uploaded header, and what did not match."""

    columns: tuple[ColumnSpec, ...]
    positions: Mapping[str, int]
    unknown: tuple[str, ...] = ()
    missing: tuple[ColumnSpec, ...] = ()
    duplicates: tuple[str, ...] = ()

    @classmethod
    def match(cls, header: Sequence[str], columns: Sequence[ColumnSpec]) -> HeaderMap:
        table = _lookup_table(columns)
        positions: dict[str, int] = {}
        unknown: list[str] = []
        duplicates: list[str] = []
        for index, title in enumerate(header):
            if not title.strip():
                continue
            spec = table.get(normalise_header(title))
            if spec is None:
                unknown.append(title)
            elif spec.key in positions:
                duplicates.append(title)
            else:
                positions[spec.key] = index
        missing = tuple(spec for spec in columns if spec.required and spec.key not in positions)
        return cls(
            columns=tuple(columns),
            positions=positions,
            unknown=tuple(unknown),
            missing=missing,
            duplicates=tuple(duplicates),
        )

    @property
    def ok(self) -> bool:
        """True when every required column is present exactly once."""
        return not self.missing and not self.duplicates

    def errors(self) -> list[str]:
        """Problems that stop an import."""
        messages = [
            f"缺少必填列“{spec.label}”"
            + (f"（也可写作：{'、'.join(spec.synonyms)}）" if spec.synonyms else "")
            for spec in self.missing
        ]
        messages += [f"列“{title}”重复出现，只能保留一列" for title in self.duplicates]
        return messages

    def warnings(self) -> list[str]:
        """Columns that will be ignored."""
        return [f"无法识别的列“{title}”，该列将被忽略" for title in self.unknown]

    def has(self, key: str) -> bool:
        return key in self.positions

    def pick(self, cells: Sequence[str]) -> dict[str, str]:
        """Values of the known columns of one row, keyed by column key ("" when absent)."""
        values: dict[str, str] = {}
        for spec in self.columns:
            index = self.positions.get(spec.key)
            values[spec.key] = cells[index] if index is not None and index < len(cells) else ""
        return values

    def label(self, key: str) -> str:
        """Chinese title of a column key, for error messages."""
        return next(spec.label for spec in self.columns if spec.key == key)


# ---------------------------------------------------------------------------------------------
# Writing

# Cells starting with these are read as formulas by Excel, LibreOffice and WPS ("CSV injection",
# OWASP). Fullwidth forms are included because Chinese input methods produce them and WPS converts
# some of them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise_formula(text: str) -> str:
    """Prefix a leading formula character with an apostrophe so the cell stays text.

    Exported directories carry names, addresses and remarks typed by the public or by other
    agencies; a value like ``=HYPERLINK("http://…")`` would otherwise run when an officer opens
    the export. The apostrophe is Excel's own "this is text" marker. Numbers should be written as
    numbers (``-5``, not ``"-5"``), which are not touched; a text value like "-5" gains the mark.
    """
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def unneutralise_formula(text: str) -> str:
    """Undo `neutralise_formula` when a file we exported comes back for import.

    Only an apostrophe followed by a formula character is dropped ("'=1" -> "=1", "'-5" -> "-5");
    any other leading apostrophe is the person's own text and stays.
    """
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


class BinaryWriter(Protocol):
    def write(self, data: bytes, /) -> object: ...


def _export_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_formula(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.isoformat(" ", timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


class _Utf8Sink:
    """Text adapter for csv.writer that encodes onto a binary stream we do not own."""

    def __init__(self, stream: BinaryWriter) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(text.encode("utf-8"))
        return len(text)


def write_csv(
    stream: BinaryWriter, header: Sequence[str], rows: Iterable[Sequence[CellValue]]
) -> int:
    """Write UTF-8 CSV with a byte-order mark (so Excel opens Chinese text correctly); return rows.

    Rows are written as they come, so a generator keeps memory flat.
    """
    stream.write(codecs.BOM_UTF8)
    writer = csv.writer(_Utf8Sink(stream), lineterminator="\r\n")
    writer.writerow([neutralise_formula(title) for title in header])
    count = 0
    for row in rows:
        writer.writerow([_export_text(value) for value in row])
        count += 1
    return count


def _xlsx_value(value: CellValue) -> CellValue:
    if isinstance(value, str):
        # openpyxl refuses control characters, and would store a leading "=" as a formula.
        return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_xlsx(
    stream: BinaryWriter,
    header: Sequence[str],
    rows: Iterable[Sequence[CellValue]],
    *,
    sheet_title: str = "Sheet1",
) -> int:
    """Write a one-sheet xlsx with openpyxl's write-only (streaming) workbook; return rows."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    sheet.append([_xlsx_value(title) for title in header])
    count = 0
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
        count += 1
    workbook.save(stream)
    return count
