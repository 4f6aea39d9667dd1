"""The benchmark's own tools: the load run's audit-trail check and the delaying proxy."""

from __future__ import annotations

import socket
import threading

from benchmarks.bench_load import Ack, Event, check_trail
from benchmarks.latency import DelayProxy

ITEM = "sx_notes"


def _trail() -> tuple[list[Ack], list[Event], dict[tuple[int, str], str | None]]:
    """Two stations on one item: A writes over nothing, B over A's value, A over B's."""
    acks = [
        Ack("A", 1, ITEM, None, "a1"),
        Ack("B", 1, ITEM, "a1", "b1"),
        Ack("A", 1, ITEM, "b1", "a2"),
    ]
    events = [
        Event(10, "A", 1, ITEM, None, "a1"),
        Event(11, "B", 1, ITEM, "a1", "b1"),
        Event(12, "A", 1, ITEM, "b1", "a2"),
    ]
    return acks, events, {(1, ITEM): "a2"}


def test_a_consistent_trail_has_nothing_lost_or_unreported() -> None:
    acks, events, stored = _trail()
    verdict = check_trail(acks, events, stored)
    assert (verdict.acknowledged, verdict.audited, verdict.lost, verdict.unreported) == (3, 3, 0, 0)


def test_an_acknowledged_save_without_its_event_is_lost() -> None:
    acks, events, stored = _trail()
    verdict = check_trail(acks, [events[0], events[2]], stored)
    assert verdict.lost == 1


def test_a_stored_value_other_than_the_newest_audited_is_lost() -> None:
    acks, events, _stored = _trail()
    assert check_trail(acks, events, {(1, ITEM): "b1"}).lost == 1


def test_a_save_over_a_value_its_writer_never_saw_is_unreported() -> None:
    """B wrote over A's value although B's base was nothing: no conflict was raised."""
    acks, events, stored = _trail()
    acks[1] = Ack("B", 1, ITEM, None, "b1")
    assert check_trail(acks, events, stored).unreported == 1


def test_an_event_whose_old_value_skips_the_one_before_is_unreported() -> None:
    _acks, events, stored = _trail()
    events[2] = Event(12, "A", 1, ITEM, "a1", "a2")
    assert check_trail([], events, stored).unreported == 1


def test_the_proxy_forwards_every_byte_in_order_on_the_loopback() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        target = listener.getsockname()[1]

        def echo() -> None:
            connection, _ = listener.accept()
            with connection:
                while data := connection.recv(65536):
                    connection.sendall(data)

        thread = threading.Thread(target=echo, daemon=True)
        thread.start()
        proxy = DelayProxy(target, round_trip_ms=2, lifetime_s=30)
        port = proxy.start()
        try:
            payload = bytes(range(256)) * 4000
            received = bytearray()
            with socket.create_connection(("127.0.0.1", port), timeout=20) as client:
                sender = threading.Thread(target=client.sendall, args=(payload,), daemon=True)
                sender.start()
                while len(received) < len(payload):
                    chunk = client.recv(65536)
                    if not chunk:
                        break
                    received.extend(chunk)
                sender.join(20)
            assert bytes(received) == payload
        finally:
            proxy.stop()
        thread.join(20)
        assert not proxy._thread.is_alive()
