"""The files and batches endpoints of the scripted server (the OpenAI Batch API), offline.

`ScriptedServer.batches` is a `BatchDesk`: uploaded files are kept in memory, and a batch is
run by answering each of its request lines with the server's own queue or responder (the
same replies a realtime request would get), written into an output file (status 200) and an
error file (any other status, and requests the batch never ran), in the providers' formats.

`desk.plan` scripts what happens: `polls` retrieves report `in_progress` before the batch
finishes; `expire_after=N` answers N requests and expires the rest (`batch_expired`); `fail`
makes the batch fail validation with that message (no files); `cancel` answers `partial`
requests and cancels the rest (`batch_cancelled`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.scripted_server import ScriptedServer

Answer = tuple[int, Any, str]  # status, payload (JSON-able, or bytes), content type
JSON = "application/json"


@dataclass
class BatchPlan:
    polls: int = 1
    expire_after: int | None = None
    fail: str | None = None
    partial: int = 0  # requests answered before a cancel


@dataclass
class BatchDesk:
    server: ScriptedServer
    plan: BatchPlan = field(default_factory=BatchPlan)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)  # "POST /v1/files", ...
    answered: list[dict[str, Any]] = field(default_factory=list)  # request bodies run
    _polls: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handles(self, path: str) -> bool:
        return path.startswith(("/v1/files", "/v1/batches"))

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        with self._lock:
            self.calls.append(f"{method} {path}")
            parts = path.split("?")[0].rstrip("/").split("/")[2:]  # after /v1
            if parts == ["files"] and method == "POST":
                return self._upload(headers.get("content-type", ""), raw)
            if parts[0] == "files" and len(parts) >= 2:
                return self._file(parts[1], content=parts[2:] == ["content"])
            if parts == ["batches"] and method == "POST":
                return self._create(json.loads(raw))
            if parts[0] == "batches" and len(parts) == 3 and parts[2] == "cancel":
                return self._cancel(parts[1])
            if parts[0] == "batches" and len(parts) == 2:
                return self._retrieve(parts[1])
            return 404, {"error": {"message": f"no route {method} {path}"}}, JSON

    def file_text(self, file_id: str) -> str:
        return self.files[file_id][1].decode("utf-8")

    # --- files ----------------------------------------------------------------------------

    def _upload(self, content_type: str, raw: bytes) -> Answer:
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            fields[str(name)] = (
                part.get_filename(),
                payload if isinstance(payload, bytes) else b"",
            )
        filename, content = fields["file"]
        file_id = self._store(filename or "upload.jsonl", content)
        return 200, self._file_object(file_id, fields.get("purpose", (None, b"batch"))[1]), JSON

    def _store(self, filename: str, content: bytes) -> str:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = (filename, content)
        return file_id

    def _file_object(self, file_id: str, purpose: bytes = b"batch") -> dict[str, Any]:
        filename, content = self.files[file_id]
        return {
            "id": file_id, "object": "file", "bytes": len(content), "created_at": 0,
            "filename": filename, "purpose": purpose.decode(), "status": "processed",
        }  # fmt: skip

    def _file(self, file_id: str, *, content: bool) -> Answer:
        if file_id not in self.files:
            return 404, {"error": {"message": f"No such File object: {file_id}"}}, JSON
        if content:
            return 200, self.files[file_id][1], "application/octet-stream"
        return 200, self._file_object(file_id), JSON

    # --- batches ----------------------------------------------------------------------------

    def _create(self, body: dict[str, Any]) -> Answer:
        batch_id = f"batch_{len(self.batches) + 1}"
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": body["endpoint"],
            "input_file_id": body["input_file_id"],
            "completion_window": body["completion_window"], "status": "validating",
            "created_at": 0, "metadata": body.get("metadata"), "output_file_id": None,
            "error_file_id": None, "errors": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
        }  # fmt: skip
        self._polls[batch_id] = self.plan.polls
        return 200, self.batches[batch_id], JSON

    def _retrieve(self, batch_id: str) -> Answer:
        batch = self.batches.get(batch_id)
        if batch is None:
            return 404, {"error": {"message": f"No such Batch object: {batch_id}"}}, JSON
        if batch["status"] in ("validating", "in_progress"):
            if self._polls[batch_id] > 0:
                self._polls[batch_id] -= 1
                batch["status"] = "in_progress"
            elif self.plan.fail is not None:
                batch["status"] = "failed"
                batch["errors"] = {"object": "list", "data": [
                    {"code": "invalid_request", "message": self.plan.fail, "line": 1,
                     "param": None}]}  # fmt: skip
            elif self.plan.expire_after is not None:
                self._run(batch, self.plan.expire_after, "batch_expired", "expired")
            else:
                self._run(batch, None, None, "completed")
        return 200, batch, JSON

    def _cancel(self, batch_id: str) -> Answer:
        batch = self.batches[batch_id]
        if batch["status"] in ("validating", "in_progress"):
            self._run(batch, self.plan.partial, "batch_cancelled", "cancelled")
        return 200, batch, JSON

    def _run(self, batch: dict[str, Any], stop: int | None, code: str | None, status: str) -> None:
        lines = self.file_text(batch["input_file_id"]).splitlines()
        out: list[dict[str, Any]] = []
        err: list[dict[str, Any]] = []
        for n, line in enumerate(lines):
            request = json.loads(line)
            if stop is not None and n >= stop:
                message = f"This request could not be executed ({code})."
                err.append({
                    "id": f"batch_req_{n}", "custom_id": request["custom_id"], "response": None,
                    "error": {"code": code, "message": message},
                })  # fmt: skip
                continue
            self.answered.append(request["body"])
            reply = self.server.next_reply(request["body"])
            payload = reply.body(request["body"]) if callable(reply.body) else reply.body
            record = {"id": f"batch_req_{n}", "custom_id": request["custom_id"], "error": None,
                      "response": {"status_code": reply.status, "request_id": f"req_{n}",
                                   "body": payload}}  # fmt: skip
            (out if reply.status == 200 else err).append(record)
        for kind, records in (("output_file_id", out), ("error_file_id", err)):
            if records:
                text = "".join(json.dumps(r) + "\n" for r in records)
                batch[kind] = self._store(f"{batch['id']}_{kind}.jsonl", text.encode())
        batch["status"] = status
        batch["request_counts"] = {"total": len(lines), "completed": len(out), "failed": len(err)}
