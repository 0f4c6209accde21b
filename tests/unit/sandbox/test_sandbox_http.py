"""The sandbox's HTTP protocol writes a response head and its body in one transport write."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from golive.sandbox.http import CoalescingTransport

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class FakeTransport:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.calls.append(("write", bytes(data)))

    def writelines(self, chunks: Any) -> None:
        self.calls.append(("writelines", [bytes(c) for c in chunks]))

    def close(self) -> None:
        self.calls.append(("close", None))

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def _wrap() -> tuple[CoalescingTransport, FakeTransport]:
    fake = FakeTransport()
    return CoalescingTransport(cast(asyncio.Transport, fake)), fake


def test_head_is_held_and_sent_with_the_body_in_one_call() -> None:
    t, fake = _wrap()
    t.write(HEAD)
    assert fake.calls == []
    t.write(b"{}")
    assert fake.calls == [("writelines", [HEAD, b"{}"])]
    t.write(b"more")  # nothing held any more: straight through
    assert fake.calls[-1] == ("write", b"more")


def test_interim_100_continue_is_never_held() -> None:
    t, fake = _wrap()
    t.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert fake.calls == [("write", b"HTTP/1.1 100 Continue\r\n\r\n")]


def test_a_head_without_body_goes_out_on_flush_or_close() -> None:
    t, fake = _wrap()
    t.write(HEAD)
    t.flush()
    assert fake.calls == [("write", HEAD)]
    t.flush()
    assert len(fake.calls) == 1
    t.write(HEAD)
    t.close()
    assert fake.calls[1:] == [("write", HEAD), ("close", None)]


def test_other_calls_reach_the_real_transport() -> None:
    t, _ = _wrap()
    assert t.get_extra_info("peername") == "info:peername"
