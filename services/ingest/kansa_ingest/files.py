"""Log-file adapter: NDJSON files through the same validation, masking and publishing as the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from kansa_ingest.settings import SourceCredential
from kansa_ingest.validate import EventResult, Ingestor


class FileIngestSummary(BaseModel):
    path: str
    lines: int
    accepted: int
    rejected: int
    retry: int
    first_errors: list[EventResult]


def _batches(path: Path, size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                batch.append((number, line.rstrip(b"\r\n")))
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def ingest_file(path: Path, ingestor: Ingestor, credential: SourceCredential, batch_size: int = 2000,
                keep_errors: int = 20) -> FileIngestSummary:
    """Errors are reported with the file's line number (in `index`) so an operator can find the line."""
    summary = FileIngestSummary(path=str(path), lines=0, accepted=0, rejected=0, retry=0, first_errors=[])
    for batch in _batches(path, batch_size):
        result = ingestor.ingest([raw for _, raw in batch], credential)
        summary.lines += len(batch)
        summary.accepted += result.accepted
        summary.rejected += result.rejected
        summary.retry += result.retry
        for item in result.results:
            if item.status != "accepted" and len(summary.first_errors) < keep_errors:
                summary.first_errors.append(item.model_copy(update={"index": batch[item.index][0]}))
    return summary
