"""The MLLP listener (manage.py hl7_listen): python-hl7's asyncio MLLP streams on TCP, each frame handed to
journey/hl7_inbox.py in a worker thread (the ORM is synchronous), its ACK written back on the same connection.

Connections are served concurrently; messages on one connection are answered in order, one at a time, as
MLLP's original-mode acknowledgement expects. Hostile input never stops the listener:
  - a frame larger than ``max_bytes``: the connection is closed (nothing of it is applied);
  - bytes outside an MLLP frame: answered AR, and the connection carries on;
  - half a frame and then silence: the connection is closed after ``frame_timeout`` seconds;
  - a silent connection is closed after ``idle_timeout`` seconds (the sender reconnects when it has work);
  - if a message cannot even be stored (the database is down), no ACK is sent and the connection is
    closed, so the sender sends it again later: never an AA for a message that was not kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone
from hl7.mllp import HL7StreamProtocol, HL7StreamWriter, InvalidBlockError, MLLPStreamReader

from journey import hl7, hl7_inbox

log = logging.getLogger("journey.mllp")


class ListenerStopped(Exception):
    """One of the listener's processes died: the others were stopped, for the supervisor to start it again."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 1024 * 1024
    frame_timeout: float = 30.0
    idle_timeout: float = 600.0


class FrameReader(MLLPStreamReader):
    """python-hl7's MLLP reader, which also says whether a frame has begun and not yet ended."""

    @property
    def holds_partial_frame(self) -> bool:
        return bool(self._buffer)


def answer(block: bytes, peer: str) -> bytes:
    """Store, apply and answer one frame (in a worker thread, with that thread's database connection).

    The connection is kept from one message to the next; after a failure, Django closes it if it is no
    longer usable (a restarted database), and the next message opens a new one."""
    try:
        return hl7_inbox.receive(block, peer=peer).ack.encode("utf-8")
    except Exception:
        close_old_connections()
        raise


class Listener:
    def __init__(self, limits: Limits, workers: int = 4, handle: Callable[[bytes, str], bytes] = answer):
        self.limits = limits
        self.handle = handle
        self.workers = workers
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hl7")
        self.connections: set[asyncio.Task] = set()
        # Connections with a message being applied: on stop, each finishes and sends its ACK first.
        self.busy: set[asyncio.Task] = set()
        self.server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0, sock: socket.socket | None = None) -> asyncio.Server:
        """Listen on ``host``:``port``, or on a socket already bound (shared by several processes)."""
        loop = asyncio.get_running_loop()

        def protocol() -> HL7StreamProtocol:
            reader = FrameReader(limit=self.limits.max_bytes)
            return HL7StreamProtocol(reader, self._connected)

        if sock is not None:
            self.server = await loop.create_server(protocol, sock=sock)
        else:
            self.server = await loop.create_server(protocol, host, port)
        return self.server

    def _connected(self, reader: FrameReader, writer: HL7StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self.serve(reader, writer))
        self.connections.add(task)
        task.add_done_callback(self.connections.discard)

    async def serve(self, reader: FrameReader, writer: HL7StreamWriter) -> None:
        address = writer.get_extra_info("peername")
        peer = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address or "")
        loop = asyncio.get_running_loop()
        try:
            while True:
                block = await self._next_frame(reader, peer)
                if block is None:
                    return
                if isinstance(block, str):  # bytes outside a frame: say so, and read on
                    writer.writeblock(block.encode())
                else:
                    task = asyncio.current_task()
                    assert task is not None
                    self.busy.add(task)
                    try:
                        ack = await loop.run_in_executor(self.pool, self.handle, block, peer)
                    except Exception:
                        log.exception("HL7 from %s could not be stored; closing without an ACK so it is resent", peer)
                        return
                    finally:
                        self.busy.discard(task)
                    writer.writeblock(ack)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:  # never let one connection take the listener down
            log.exception("HL7 connection from %s failed", peer)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _next_frame(self, reader: FrameReader, peer: str) -> bytes | str | None:
        """The next frame's bytes; an AR (as text) for bytes outside a frame; None to close the connection."""
        idle = partial = 0.0
        step = min(self.limits.frame_timeout, self.limits.idle_timeout)
        while True:
            try:
                return await asyncio.wait_for(reader.readblock(), timeout=step)
            except TimeoutError:
                if reader.holds_partial_frame:
                    partial += step
                    if partial >= self.limits.frame_timeout:
                        log.warning("HL7 from %s: half a frame and then silence for %.0f s; closing", peer, partial)
                        return None
                else:
                    idle, partial = idle + step, 0.0
                    if idle >= self.limits.idle_timeout:
                        return None
            except asyncio.IncompleteReadError:
                return None  # the sender closed the connection
            except ValueError:
                log.warning("HL7 from %s: a frame over %d bytes; closing", peer, self.limits.max_bytes)
                return None
            except InvalidBlockError:
                log.warning("HL7 from %s: bytes outside an MLLP frame", peer)
                refusal = hl7.Rejected("The bytes did not begin with the MLLP start block (0x0B).", hl7_code=100)
                return hl7.ack(None, "AR", refusal=refusal, now=timezone.now())

    async def close(self, grace: float = 10.0) -> None:
        """Stop taking connections, let each message being applied finish and be answered, then close."""
        if self.server is not None:
            self.server.close()
        if self.busy:
            await asyncio.wait(set(self.busy), timeout=grace)
            await asyncio.sleep(0)  # let the ACKs just computed be written
        for task in list(self.connections):
            task.cancel()
        await asyncio.gather(*self.connections, return_exceptions=True)
        # Each worker thread holds its own database connection: one task per worker, held together by a
        # barrier so that every thread runs one, closes them before the pool stops.
        barrier = threading.Barrier(self.workers)
        closing = [self.pool.submit(_close_connections, barrier) for _ in range(self.workers)]
        await asyncio.gather(*(asyncio.wrap_future(task) for task in closing), return_exceptions=True)
        self.pool.shutdown(wait=True)


def _close_connections(barrier: threading.Barrier) -> None:
    barrier.wait(timeout=10)
    connections.close_all()


def serve_forever(
    host: str,
    port: int,
    limits: Limits,
    workers: int,
    ready: Callable[[str], None],
    handle: Callable[[bytes, str], bytes] = answer,
    processes: int = 1,
) -> None:
    """Run until SIGTERM or SIGINT; a message being applied on a connection is finished and answered first.

    With ``processes`` > 1, the socket is bound here and that many processes, forked from this one, take
    its connections in turn (each with its own worker threads and database connections), so applying
    messages is not held to one core by Python's GIL. Nothing else changes: each message is stored and
    applied in its own transactions whichever process takes it, so the database alone decides, as it
    already does between worker threads, that one control id from one sender is applied once."""
    if processes <= 1:
        _serve(limits, workers, ready, handle, host=host, port=port)
        return
    listening = socket.create_server((host, port), backlog=128)
    # No database connection may be shared by two processes: none is open before the fork.
    connections.close_all()
    signals = {signal.SIGTERM, signal.SIGINT, signal.SIGCHLD}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    children: set[int] = set()
    gone: set[int] = set()
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:  # a child: serve until told to stop
            signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)
            code = 0
            try:
                _serve(limits, workers, lambda bound: None, handle, sock=listening)
            except BaseException:
                log.exception("HL7 listener process %d failed", os.getpid())
                code = 1
            finally:
                os._exit(code)
        children.add(pid)
    address = listening.getsockname()
    ready(f"{address[0]}:{address[1]}")
    # The parent only watches: told to stop, or a process gone (it stops the others, so that a supervisor
    # starts the listener again rather than it running on with fewer processes than it was given). A
    # process that ended cleanly was told to stop (a supervisor may signal every process at once).
    while children:
        if signal.sigwait(signals) != signal.SIGCHLD:
            break
        ended = {pid: status for pid, status in (os.waitpid(pid, os.WNOHANG) for pid in children) if pid}
        children -= set(ended)
        gone = {pid for pid, status in ended.items() if os.waitstatus_to_exitcode(status) != 0}
        if ended:
            if gone:
                log.error("HL7 listener process %s stopped; stopping the others", ", ".join(map(str, sorted(gone))))
            break
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    listening.close()
    if gone:
        raise ListenerStopped(f"HL7 listener process {', '.join(map(str, sorted(gone)))} stopped unexpectedly.")


def _serve(
    limits: Limits,
    workers: int,
    ready: Callable[[str], None],
    handle: Callable[[bytes, str], bytes],
    **address: Any,
) -> None:
    """One listener process: an event loop taking connections on ``host``/``port`` or an inherited ``sock``."""

    async def main() -> None:
        listener = Listener(limits, workers, handle)
        server = await listener.start(**address)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        bound = ", ".join(f"{s.getsockname()[0]}:{s.getsockname()[1]}" for s in server.sockets)
        ready(bound)
        await stop.wait()
        await listener.close()

    asyncio.run(main())
