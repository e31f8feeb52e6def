"""Reading a province's export: JSON (a list, `{"data": [...]}` or a deeper path), CSV or XLSX, in UTF-8
(with or without BOM) or GBK/GB18030, each record with the line it starts on so every problem can be
reported by line. Nothing here knows what a record means (`catalog_import.py` does).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

FORMATS = ("json", "csv", "xlsx")


class SourceError(ValueError):
    """The file cannot be read at all; the message says why, in one line."""


@dataclass
class Record:
    line: int  # 1-based line (JSON, CSV) or row (XLSX) where the record starts
    data: dict[str, Any]


def decode(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, the encoding used). UTF-8 first (a BOM is dropped), then GB18030, which reads GBK and GB2312
    files. A file that is neither is refused with the offset of the first byte that fits neither."""
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise SourceError(f"the file is not {encoding}: {exc}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise SourceError(f"the file starts as UTF-16 but byte {exc.start} is not") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as utf8:
        try:
            return raw.decode("gb18030"), "GBK/GB18030"
        except UnicodeDecodeError:
            line = raw[: utf8.start].count(b"\n") + 1
            raise SourceError(
                f"line {line}: byte {utf8.start} is neither UTF-8 nor GBK; save the export as UTF-8 or GBK"
            ) from None


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    if suffix in ("csv", "txt"):
        return "csv"
    if suffix == "json":
        return "json"
    raise SourceError(f"cannot tell the format of {path.name} (.json, .csv or .xlsx; or give --format)")


def read_records(
    path: Path,
    fmt: str | None = None,
    encoding: str | None = None,
    records_path: str | None = None,
    sheet: str | None = None,
) -> tuple[list[Record], str]:
    """The records of an export and a description of what was read (format, encoding)."""
    fmt = detect_format(path, fmt)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    if fmt == "xlsx":
        return _xlsx(raw, sheet), "XLSX"
    text, used = decode(raw, encoding)
    if fmt == "csv":
        return _csv(text), f"CSV, {used}"
    return _json(text, records_path), f"JSON, {used}"


# --- JSON --------------------------------------------------------------------------------------


def _json(text: str, records_path: str | None) -> list[Record]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"line {exc.lineno}: not JSON: {exc.msg}") from None
    path = records_path.split(".") if records_path else None
    if path is None:
        if isinstance(data, list):
            path = []
        elif isinstance(data, dict) and isinstance(data.get("data"), list):
            path = ["data"]
        else:
            raise SourceError(
                'the JSON holds neither a list of records nor {"data": [...]} (a mapping file may set records:)'
            )
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            raise SourceError(f"the JSON has no {'.'.join(path)} (records: in the mapping file)")
        node = node[key]
    if not isinstance(node, list):
        raise SourceError(f"{'.'.join(path) or 'the JSON'} is not a list of records")
    starts = _element_lines(text, path)
    out = []
    for i, item in enumerate(node):
        line = starts[i] if i < len(starts) else 0
        if not isinstance(item, dict):
            out.append(Record(line, {"__not_an_object__": item}))
        else:
            out.append(Record(line, item))
    return out


def _element_lines(text: str, path: list[str]) -> list[int]:
    """The line each element of the list at `path` starts on, found by walking the text with the JSON
    decoder (the standard parser keeps no positions)."""
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    for key in path:
        if text[pos] != "{":
            return []
        pos = _skip(text, pos + 1)
        while text[pos] != "}":
            name, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past ':'
            if name == key:
                break
            _, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, pos)
            if text[pos] == ",":
                pos = _skip(text, pos + 1)
        else:
            return []
    if text[pos] != "[":
        return []
    pos = _skip(text, pos + 1)
    lines, line, counted = [], 1, 0
    while pos < len(text) and text[pos] != "]":
        line += text.count("\n", counted, pos)
        counted = pos
        lines.append(line)
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
    return lines


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


# --- CSV ---------------------------------------------------------------------------------------


def _csv(text: str) -> list[Record]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceError("the CSV file is empty") from None
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dupe = next(h for h in header if header.count(h) > 1)
        raise SourceError(f"line 1: the column {dupe!r} appears twice")
    out = []
    start = reader.line_num + 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) > len(header):
                    out.append(Record(start, {"__extra_cells__": len(row) - len(header)}))
                else:
                    out.append(Record(start, {h: v for h, v in zip(header, row, strict=False) if v != ""}))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceError(f"line {reader.line_num}: {exc}") from None
    return out


# --- XLSX --------------------------------------------------------------------------------------


def _xlsx(raw: bytes, sheet: str | None) -> list[Record]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors: all mean "not an xlsx"
        raise SourceError(f"not an Excel (.xlsx) workbook: {exc.__class__.__name__}: {exc}") from None
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
    except KeyError:
        raise SourceError(f"the workbook has no sheet {sheet!r} (it has {', '.join(book.sheetnames)})") from None
    rows = ws.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise SourceError("the sheet is empty") from None
    out = []
    for n, row in enumerate(rows, start=2):
        if row is None or all(v is None or str(v).strip() == "" for v in row):
            continue
        data = {h: _cell(v) for h, v in zip(header, row, strict=False) if h and v is not None and str(v) != ""}
        out.append(Record(n, data))
    book.close()
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
