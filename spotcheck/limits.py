"""Check values against the model's own limits before they reach the database.

PostgreSQL refuses an over-long value or an out-of-range integer with a DataError (a
traceback on the command line, a 500 on the web); SQLite stores the over-long value silently.
Actions call `check_fields` with what they are about to write, and turn `LimitError` into their
own error type, so the message names the place (row, argument) and the field's limit.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from spotcheck.lib.text import describe_control, find_control


class LimitError(ValueError):
    """A value beyond its field's limit; the message (Chinese) names the place and the limit."""


def check_fields(
    model: type[models.Model],
    values: Mapping[str, Any],
    *,
    where: str = "",
    multi_line: Iterable[str] = (),
) -> None:
    multi_line = set(multi_line)
    for name, value in values.items():
        if value is None:
            continue
        field = model._meta.get_field(name)
        label = f"{where}{field.verbose_name}"
        if isinstance(value, str):
            position = find_control(value, multi_line=name in multi_line)
            if position is not None:
                raise LimitError(
                    f"{label}第{position + 1}个字符是控制字符{describe_control(value[position])}"
                )
            max_length = getattr(field, "max_length", None)
            if max_length and len(value) > max_length:
                raise LimitError(f"{label}最多{max_length}个字符，现有{len(value)}个")
            continue
        for validator in field.validators:
            try:
                validator(value)
            except ValidationError:
                raise LimitError(f"{label}的值“{value}”超出允许范围") from None
