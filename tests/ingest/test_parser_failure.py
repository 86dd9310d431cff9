"""A refusal for an exception no parser expected is one short line: the exception's type and the start
of its message. ONNX Runtime's errors carry a native trace, escaped, in their message."""

from __future__ import annotations

from onnxruntime.capi.onnxruntime_pybind11_state import RuntimeException

from ingest.errors import ParserFailure

ONNX_MESSAGE = (
    "[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while running Conv node."
    " Name:'Conv_0' Status Message: std::bad_alloc\\n"
    + "    at onnxruntime::BFCArena::Extend(unsigned long) in /onnxruntime_src/core/framework/bfc_arena.cc\\n"
    * 40
)


def test_a_library_error_with_a_trace_in_its_message_is_cut_to_its_start() -> None:
    failure = ParserFailure.unexpected("2023/form.pdf", RuntimeException(ONNX_MESSAGE))
    line = str(failure)
    assert "\n" not in line
    assert line.startswith(
        "2023/form.pdf: unexpected RuntimeException: [ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION"
    )
    message = failure.detail.removeprefix("unexpected RuntimeException: ")
    assert message.endswith("…") and len(message) == ParserFailure.MESSAGE_CHARACTERS
    assert failure.kind == "ParserFailure"


def test_a_short_message_is_kept_whole_on_one_line() -> None:
    failure = ParserFailure.unexpected("a.pdf", KeyError("页码\n缺失"))
    assert failure.detail == "unexpected KeyError: '页码\\n缺失'"
    assert ParserFailure.unexpected("a.pdf", ZeroDivisionError()).detail == "unexpected ZeroDivisionError"
