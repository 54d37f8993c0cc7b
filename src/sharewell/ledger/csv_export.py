"""The statement as CSV, every text cell escaped against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sharewell.ledger.rules import csv_safe
from sharewell.ledger.schemas import StatementLine

HEADER = ["date (UTC)", "kind", "description", "memo", "reference", "amount", "balance after"]


def statement_csv(lines: Iterable[StatementLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for line in lines:
        writer.writerow(
            [
                csv_safe(value)
                for value in (
                    line.at.strftime("%Y-%m-%d %H:%M:%S"), line.kind, line.label, line.memo,
                    line.ref, line.amount, line.balance_after,
                )
            ]
        )  # fmt: skip
    return out.getvalue()
