"""What is said about managing indicators: refusals in Vietnamese (chat and web, HTML
subset like `texts`) and in plain English for the admin CLI, the retired-indicator refusal
of a report, and the shortcut line of /help."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from handlers.types import Problem, ProblemKind

K = ProblemKind

_VI: dict[ProblemKind, str] = {
    K.bad_code: "Mã chỉ tiêu “{code}” không hợp lệ: chỉ dùng 2–16 chữ cái a–z, không dấu, "
    "không số (mã cũng là lệnh tắt, ví dụ /vssid 3).",
    K.code_taken: "Đã có chỉ tiêu mã “{code}”.",
    K.code_is_command: "Mã “{code}” trùng với một lệnh của bot (/{code}); hãy chọn mã khác.",
    K.unknown_indicator: "Không có chỉ tiêu mã “{code}”.",
    K.name_empty: "Tên hiển thị không được để trống.",
    K.name_too_long: "Tên hiển thị dài quá {limit} ký tự.",
    K.bad_short: "Nhãn ngắn “{short}” phải có từ 1 đến {limit} ký tự.",
    K.alias_empty: "Tên gọi “{alias}” không có chữ nào.",
    K.alias_too_long: "Tên gọi “{alias}” dài quá {limit} ký tự.",
    K.alias_not_words: "Tên gọi “{alias}” chỉ được có chữ và dấu cách (số hoặc dấu câu "
    "sẽ bị đọc thành số lượng hoặc dấu ngăn cách).",
    K.alias_taken: "Tên gọi “{alias}” đã là của chỉ tiêu {other}.",
    K.alias_filler: "“{alias}” là từ đệm mà bot bỏ qua khi đọc báo cáo (như “cài”, "
    "“người dân”), không dùng làm tên gọi chỉ tiêu được.",
    K.alias_day: "“{alias}” là từ chỉ ngày (như “hôm qua”), không dùng làm tên gọi chỉ tiêu được.",
    K.alias_too_close: "Tên gọi “{alias}” quá giống “{near}” của chỉ tiêu {other}: gõ nhầm "
    "một chút là thành chỉ tiêu kia.",
    K.alias_is_code: "Không bỏ được “{alias}”: đó là mã của chỉ tiêu {code}, luôn được hiểu.",
    K.alias_missing: "“{alias}” không phải tên gọi của chỉ tiêu {code}.",
    K.repeated: "Mã “{code}” được ghi hai lần.",
    K.unknown_preset: "Không có bộ chỉ tiêu “{name}” (có: {known}).",
}

_EN: dict[ProblemKind, str] = {
    K.bad_code: "code {code!r} is not valid: 2-16 letters a-z, no digits or diacritics "
    "(it is also a shortcut command, /vssid 3)",
    K.code_taken: "indicator {code!r} exists already",
    K.code_is_command: "code {code!r} is a bot command (/{code}); choose another",
    K.unknown_indicator: "no indicator {code!r}",
    K.name_empty: "the display name is empty",
    K.name_too_long: "the display name is longer than {limit} characters",
    K.bad_short: "the short label {short!r} must have 1 to {limit} characters",
    K.alias_empty: "alias {alias!r} has no letters",
    K.alias_too_long: "alias {alias!r} is longer than {limit} characters",
    K.alias_not_words: "alias {alias!r} may hold only letters and spaces (digits and "
    "punctuation are read as counts and separators)",
    K.alias_taken: "alias {alias!r} belongs to indicator {other}",
    K.alias_filler: "{alias!r} is a filler word the grammar ignores",
    K.alias_day: "{alias!r} is a day word (like 'hôm qua')",
    K.alias_too_close: "alias {alias!r} is a typo away from {near!r} of indicator {other}",
    K.alias_is_code: "{alias!r} is the code of {code}: it is always understood",
    K.alias_missing: "{alias!r} is not an alias of {code}",
    K.repeated: "code {code!r} is given twice",
    K.unknown_preset: "no preset {name!r} (known: {known})",
}


def problem_vi(problem: Problem) -> str:
    """In Vietnamese, HTML-escaped (chat and web pages)."""
    params = {k: escape(v, quote=False) for k, v in problem.params.items()}
    return _VI[problem.kind].format(**params)


def problem_plain_vi(problem: Problem) -> str:
    return _VI[problem.kind].format(**problem.params)


def problem_en(problem: Problem) -> str:
    return _EN[problem.kind].format(**problem.params)


def retired_refusal(labels: Iterable[str]) -> str:
    """A report that counts an indicator no longer followed: nothing is stored."""
    names = ", ".join(f"<b>{escape(label, quote=False)}</b>" for label in labels)
    return (
        f"⚠️ Chỉ tiêu {names} đã ngừng theo dõi: không nhận báo cáo mới cho chỉ tiêu này "
        "(số liệu cũ vẫn được giữ).\nChưa ghi nhận gì. Hãy gửi lại báo cáo không có chỉ tiêu đó."
    )


def shortcut_help(labels: Mapping[str, str]) -> str:
    """The /help line of the one-indicator shortcuts, for the indicators that take reports."""
    counts = (5, 3, 2, 1, 1, 1)
    shown = list(labels)[: len(counts)]
    examples = ", ".join(f"/{code} {n}" for code, n in zip(shown, counts, strict=False))
    more = ", …" if len(labels) > len(counts) else ""
    return f"{examples}{more} — báo cáo nhanh một chỉ tiêu"
