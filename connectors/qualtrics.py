"""Qualtrics response export (API v3), three steps:

1. `POST /API/v3/surveys/{surveyId}/export-responses` with `{"format": "json", "compress": true,
   "allowContinuation": true}` (first run) or `{"format": "json", "compress": true,
   "continuationToken": …}` (later runs) → `result.progressId`;
2. `GET …/export-responses/{progressId}` until `result.status == "complete"` (or `failed`) →
   `result.fileId` and, for continuable exports, `result.continuationToken`;
3. `GET …/export-responses/{fileId}/file` → a zip holding one JSON file `{"responses": [{"responseId",
   "values": {…}, "labels": {…}}]}`.

The continuation token of a finished export makes the next export return only responses recorded since.
The file is landed in pages of `page_size`; only the last page carries the new token, so a crash mid-file
re-exports from the old token and the merge on `responseId` absorbs the overlap.
Auth: `X-API-TOKEN`. Base URL `https://{datacenter}.qualtrics.com`. Limit: ~15 export starts/minute.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator

from connectors.http import HttpClient, Page, RetryPolicy, SourceError, decode_cursor, encode_cursor, log_page

SOURCE = "qualtrics"
START_PATH = "/API/v3/surveys/{survey_id}/export-responses"
PROGRESS_PATH = "/API/v3/surveys/{survey_id}/export-responses/{progress_id}"
FILE_PATH = "/API/v3/surveys/{survey_id}/export-responses/{file_id}/file"
UNREADABLE_FILE_ATTEMPTS = 3
VALUE_FIELDS = ("recordedDate", "startDate", "endDate", "finished", "status", "progress")


class QualtricsClient:
    def __init__(
        self,
        base_url: str,
        api_token: str,
        survey_id: str,
        *,
        page_size: int = 500,
        poll_interval: float = 1.0,
        poll_timeout: float = 600.0,
        timeout: tuple[float, float] = (5.0, 60.0),
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = HttpClient(
            SOURCE, base_url, headers={"X-API-TOKEN": api_token}, timeout=timeout, retry=retry, sleep=sleep
        )
        self.survey_id = survey_id
        self.page_size = max(1, page_size)
        self.poll_interval = poll_interval
        self.poll_timeout = poll_timeout

    def fetch_responses(self, cursor: str | None = None) -> Iterator[Page]:
        token = decode_cursor(cursor).get("continuationToken")
        body: dict = {"format": "json", "compress": True}
        if token:
            body["continuationToken"] = token
        else:
            body["allowContinuation"] = True
        start = self.http.post_json(
            START_PATH.format(survey_id=self.survey_id),
            body,
            endpoint="export-responses",
            cursor=cursor,
            idempotent=True,  # a started export has no side effect
        )
        started = _result(start.body, "export-responses", cursor)
        progress_id = started.get("progressId")
        if not progress_id:
            raise SourceError(
                SOURCE, "export-responses", "no progressId in the start response", cursor=cursor
            )
        progress = self._wait(progress_id, cursor)
        file_id = progress.get("fileId")
        new_token = progress.get("continuationToken") or started.get("continuationToken") or token
        responses = self._download(file_id, cursor)
        retries = self.http.take_retries()
        final = encode_cursor({"continuationToken": new_token}) if new_token else cursor
        if not responses:
            log_page(SOURCE, "export-responses/file", 1, 0, final, retries)
            yield Page([], final)
            return
        pages = [responses[i : i + self.page_size] for i in range(0, len(responses), self.page_size)]
        for number, chunk in enumerate(pages, start=1):
            page_cursor = final if number == len(pages) else cursor
            log_page(SOURCE, "export-responses/file", number, len(chunk), page_cursor, retries)
            retries = 0
            yield Page(chunk, page_cursor, {"committed": page_cursor is final})

    def _download(self, file_id: str, cursor: str | None) -> list[dict]:
        # A body cut short without a Content-Length arrives as a broken zip: download it again (bounded).
        for attempt in range(1, UNREADABLE_FILE_ATTEMPTS + 1):
            download = self.http.request(
                "GET",
                FILE_PATH.format(survey_id=self.survey_id, file_id=file_id),
                endpoint="export-responses/file",
                cursor=cursor,
                raw=True,
            )
            try:
                return _responses(download.body, cursor)
            except SourceError:
                if attempt == UNREADABLE_FILE_ATTEMPTS:
                    raise
                self.http.retries += 1
                self.http.sleep(self.http.backoff(attempt))
        raise AssertionError("unreachable")

    def _wait(self, progress_id: str, cursor: str | None) -> dict:
        path = PROGRESS_PATH.format(survey_id=self.survey_id, progress_id=progress_id)
        waited, interval = 0.0, self.poll_interval
        while True:
            result = _result(
                self.http.get_json(path, endpoint="export-responses/progress", cursor=cursor).body,
                "export-responses/progress",
                cursor,
            )
            status = str(result.get("status", "")).lower()
            if status == "complete" and result.get("fileId"):
                return result
            if status in ("failed", "cancelled"):
                raise SourceError(SOURCE, "export-responses/progress", f"export {status}", cursor=cursor)
            if waited >= self.poll_timeout:
                raise SourceError(
                    SOURCE,
                    "export-responses/progress",
                    f"export not complete after {self.poll_timeout:.0f}s "
                    f"({result.get('percentComplete')}% done)",
                    cursor=cursor,
                )
            self.http.sleep(interval)
            waited += interval
            interval = min(interval * 1.5, 10.0)


def _result(body: object, endpoint: str, cursor: str | None) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("result"), dict):
        raise SourceError(SOURCE, endpoint, "expected {'result': {...}}", cursor=cursor)
    return body["result"]


def _responses(content: bytes, cursor: str | None) -> list[dict]:
    """The responses of a downloaded export: a zip holding one JSON file, or the JSON itself."""
    try:
        if content[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = [n for n in archive.namelist() if n.lower().endswith(".json")] or archive.namelist()
                if not names:
                    raise SourceError(SOURCE, "export-responses/file", "empty zip", cursor=cursor)
                document = json.loads(archive.read(names[0]).decode("utf-8-sig"))
        else:
            document = json.loads(content.decode("utf-8-sig"))
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError) as exc:
        raise SourceError(
            SOURCE, "export-responses/file", f"unreadable export file: {exc}", cursor=cursor
        ) from exc
    responses = document.get("responses") if isinstance(document, dict) else None
    if not isinstance(responses, list):
        raise SourceError(SOURCE, "export-responses/file", "no responses[] in the export", cursor=cursor)
    return [r if isinstance(r, dict) else {"responseId": None, "_unparsed": r} for r in responses]
