"""A TCP proxy on the loopback that holds back every answer, to show a slower network.

The benchmark points the application at the proxy instead of the server. What the
application sends is forwarded at once; each chunk the server sends back is forwarded
`round_trip_ms` after it arrived, in order. PostgreSQL's protocol waits for the server's
answer at every round trip, so each one takes `round_trip_ms` longer, as over a slower
network (one timer per round trip instead of one per direction keeps the event loop's
millisecond timer rounding from doubling; the round trip actually measured through the
proxy is reported beside the figures). It listens on and connects to 127.0.0.1 only,
accepts a bounded number of connections and stops by itself after `lifetime_s` seconds
if it was not stopped before.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

LOOPBACK = "127.0.0.1"
MAX_CONNECTIONS = 200
CHUNK = 65536


class DelayProxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`target_port`; the answers `round_trip_ms`
    later than they arrived."""

    def __init__(self, target_port: int, round_trip_ms: float, lifetime_s: float = 3600) -> None:
        self.target_port = target_port
        self.delay = round_trip_ms / 1000
        self.lifetime_s = lifetime_s
        self.port = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._thread = threading.Thread(target=self._run, name="delay-proxy", daemon=True)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
    ) -> None:
        """Copy `reader` to `writer`, each chunk sent `delay` seconds after it was read."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def send() -> None:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    break
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(send())
        try:
            while data := await reader.read(CHUNK):
                queue.put_nowait((loop.time() + delay, data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((loop.time() + delay, b""))
        try:
            await sender
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        if self.connections > MAX_CONNECTIONS:
            writer.close()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                LOOPBACK, self.target_port
            )
        except OSError:
            writer.close()
            return
        self._writers.append(upstream_writer)
        await asyncio.gather(
            self._pipe(reader, upstream_writer, 0.0),
            self._pipe(upstream_reader, writer, self.delay),
        )

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._client, LOOPBACK, 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), self.lifetime_s)
        server.close()
        for writer in self._writers:
            writer.close()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._ready.set()
            self._loop.close()

    def start(self) -> int:
        """Start forwarding; the port to connect to."""
        self._thread.start()
        if not self._ready.wait(10) or not self.port:
            raise RuntimeError("the delay proxy did not start")
        return self.port

    def stop(self) -> None:
        """Stop listening and close every forwarded connection."""
        if self._thread.is_alive() and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(10)


@contextmanager
def delayed(target_port: int, round_trip_ms: float) -> Iterator[int]:
    """A running DelayProxy to `target_port`; yields its port; stopped at the end."""
    proxy = DelayProxy(target_port, round_trip_ms)
    port = proxy.start()
    try:
        yield port
    finally:
        proxy.stop()
