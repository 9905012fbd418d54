"""files.*: Slack's two-step external upload (an upload URL, then completing it)."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.slack.base import Params, _invalid_arguments, _SlackError


class FilesMethods:
    """files.* handlers and the upload URL; use the uploads FakeSlack sets up."""

    def _handle_upload(self, file_id: str, body: bytes) -> tuple[int, bytes]:
        with self._cond:
            if file_id not in self._pending_files:
                return 404, b"Not Found"
            self.uploads[file_id] = body
        return 200, f"OK - {len(body)}".encode()

    def _files_get_upload_url(self, params: Params) -> dict[str, Any]:
        filename, length = params.get("filename"), params.get("length")
        if not filename or length is None or not str(length).isdigit():
            raise _invalid_arguments("missing required field: filename or length")
        file_id = self._next_id("F")
        self._pending_files[file_id] = {"name": filename, "length": int(length)}
        return {
            "ok": True,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
            "file_id": file_id,
        }

    def _files_complete_upload(self, params: Params) -> dict[str, Any]:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            raise _invalid_arguments("missing required field: files")
        if params.get("channel_id"):
            self._readable_channel(params, "channel_id")
        completed = []
        for item in files:
            file_id = item.get("id") if isinstance(item, dict) else None
            if file_id not in self.uploads:
                raise _SlackError("file_not_found")
            pending = self._pending_files[file_id]
            completed.append(
                {
                    "id": file_id,
                    "created": int(time.time()),
                    "name": pending["name"],
                    "title": item.get("title") or pending["name"],
                    "size": len(self.uploads[file_id]),
                    "user": self.bot_user_id,
                    "permalink": f"https://{self.team_domain}.slack.com/files/"
                    f"{self.bot_user_id}/{file_id}/{pending['name']}",
                }
            )
        return {"ok": True, "files": completed}
