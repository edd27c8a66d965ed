"""Send HL7 v2 messages from a file over MLLP and print each ACK (python-hl7's asyncio MLLP client)."""

import asyncio
from pathlib import Path
from typing import Any

import hl7
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from hl7.mllp import open_hl7_connection

from journey import hl7 as mapping


class Command(BaseCommand):
    help = "Send the HL7 message(s) in FILE to an MLLP listener and print the ACKs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="One HL7 message per file.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2575)
        parser.add_argument(
            "--today",
            action="store_true",
            help="Move the booking to today (AIS-4, SCH-11) and give it a fresh control id: for the demo.",
        )
        parser.add_argument("--timeout", type=float, default=30, help="Seconds to wait for each ACK.")

    def handle(self, *args: Any, **options: Any) -> None:
        messages = []
        for path in options["files"]:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
            messages.append(self._for_today(raw) if options["today"] else raw)
        try:
            acks = asyncio.run(self._send(options["host"], options["port"], messages, options["timeout"]))
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            raise CommandError(f"No answer from {options['host']}:{options['port']}: {exc}") from exc
        for ack in acks:
            self.stdout.write(ack.decode("utf-8", "replace").replace("\r", "\n"))

    @staticmethod
    async def _send(host: str, port: int, messages: list[bytes], timeout: float) -> list[bytes]:
        reader, writer = await open_hl7_connection(host, port)
        acks = []
        try:
            for raw in messages:
                writer.writeblock(raw.replace(b"\r\n", b"\r").replace(b"\n", b"\r").strip() + b"\r")
                await writer.drain()
                acks.append(await asyncio.wait_for(reader.readblock(), timeout))
        finally:
            writer.close()
        return acks

    @staticmethod
    def _for_today(raw: bytes) -> bytes:
        text, _ = mapping.decode(raw)
        message = hl7.parse(text)
        today = timezone.localdate().strftime("%Y%m%d")
        for segment, field, component in (("AIS", 4, None), ("SCH", 11, 4)):
            try:
                value = str(message.extract_field(segment, 1, field, 1, component or 1))
            except (KeyError, IndexError):
                continue
            if len(value) >= 8:
                place = (field, 1, component) if component else (field,)
                message.assign_field(today + value[8:], segment, 1, *place)
        message.assign_field(hl7.generate_message_control_id(), "MSH", 1, 10)
        return str(message).encode("utf-8")
