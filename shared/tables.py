"""Tables as files community workers open in Excel: XLSX, or CSV in UTF-8 with a BOM (so
Excel reads the Chinese). Every cell is written as text, so ID and volunteer numbers keep
every digit and leading zero."""

import csv
import io
from collections.abc import Sequence
from typing import Literal

import openpyxl

TableFormat = Literal["xlsx", "csv"]


def table_file(
    header: Sequence[str], rows: Sequence[Sequence[str]], fmt: TableFormat, sheet: str
) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8-sig")
    workbook = openpyxl.Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(list(header))
    for row in rows:
        worksheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
