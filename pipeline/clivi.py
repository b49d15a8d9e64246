"""Turn click's own English messages (usage, errors, help headings) into Vietnamese.

Click marks its messages for gettext but ships no Vietnamese catalogue. This module puts
a small catalogue in place of gettext in click's modules, so `--help`, a mistyped option
and a missing argument speak the same language as the rest of hoso. A message not in the
catalogue stays as click wrote it.
"""

from __future__ import annotations

import importlib

CATALOGUE = {
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "Aborted!": "Đã dừng.",
    "Argument {name!r} takes {nargs} values.": "Đối số {name!r} cần {nargs} giá trị.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "Commands": "Các lệnh",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "Error: {message}": "Lỗi: {message}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: "
                                                 "{message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Missing argument": "Thiếu đối số",
    "Missing command.": "Thiếu lệnh.",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing {param_type}": "Thiếu {param_type}",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Options": "Tùy chọn",
    "Positional arguments": "Đối số",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    "Usage:": "Cách dùng:",
    "default: {default}": "mặc định: {default}",
    "required": "bắt buộc",
    "directory": "thư mục",
    "file": "tệp",
    "path": "đường dẫn",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là thư mục.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là tệp.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} không đọc được.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải {number_type} hợp lệ.",
    "{value} is not in the range {range}.": "{value} không nằm trong khoảng {range}.",
    "integer": "số nguyên",
    "{value!r} is not one of {choices}.": "{value!r} không phải một trong {choices}.",
    "{value!r} is not {choice}.": "{value!r} không phải {choice}.",
}
PLURALS = {
    "Did you mean {possibility}?": ("Có phải ý bạn là {possibility}?",
                                    "(Có phải một trong: {possibilities}?)"),
    "Got unexpected extra argument ({args})": ("Thừa đối số ({args})",
                                               "Thừa các đối số ({args})"),
    "{value!r} is not {choice}.": ("{value!r} không phải {choice}.",
                                   "{value!r} không phải một trong {choices}."),
}


def translate(message: str) -> str:
    return CATALOGUE.get(message, message)


def translate_plural(singular: str, plural: str, count: int) -> str:
    one, many = PLURALS.get(singular, (singular, plural))
    return one if count == 1 else many


def install() -> None:
    """Replace gettext in click's modules by the Vietnamese catalogue."""
    for name in ("core", "parser", "exceptions", "types", "decorators", "formatting",
                 "termui"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = translate_plural  # type: ignore[attr-defined]
