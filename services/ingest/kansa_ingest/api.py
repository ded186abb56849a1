"""`POST /v1/events`: a JSON array or NDJSON batch, answered per event."""

from __future__ import annotations

import hmac

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from kansa_ingest.settings import IngestSettings, SourceCredential
from kansa_ingest.validate import BodyError, FieldError, Ingestor, split_body


def _credential(tokens: dict[str, SourceCredential], authorization: str | None) -> SourceCredential | None:
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    presented = authorization[7:].strip()
    for token, credential in tokens.items():
        if hmac.compare_digest(token.encode(), presented.encode()):
            return credential
    return None


def create_app(settings: IngestSettings, ingestor: Ingestor) -> FastAPI:
    app = FastAPI(title="kansa ingest", version="1", docs_url=None, redoc_url=None)
    tokens = settings.tokens()

    @app.post("/v1/events")
    async def post_events(request: Request, authorization: str | None = Header(default=None)) -> Response:
        credential = _credential(tokens, authorization)
        if credential is None:
            return JSONResponse(status_code=401, content={"error": {
                "path": "Authorization", "message": "missing or unknown bearer token; use the token issued to "
                                                    "your source system"}})
        body = await request.body()
        if len(body) > settings.api.max_body_bytes:
            error = FieldError(path="$", message=f"body of {len(body)} bytes exceeds the limit of "
                                                 f"{settings.api.max_body_bytes}; split the batch")
            ingestor.dead_letter_body(body, error, credential)
            return JSONResponse(status_code=413, content={"error": error.model_dump()})
        content_type = request.headers.get("content-type", "")
        ndjson = "ndjson" in content_type or "jsonl" in content_type
        try:
            items = split_body(body, ndjson, settings.api.max_batch_events)
        except BodyError as exc:
            ingestor.dead_letter_body(body, exc.error, credential)
            return JSONResponse(status_code=exc.status, content={"error": exc.error.model_dump()})
        result = ingestor.ingest(items, credential)
        # 200 only when every event is accepted; a partial batch is a client error that still kept the good events.
        status = 200 if result.accepted == len(items) else (503 if result.retry else 422)
        return JSONResponse(status_code=status, content=result.model_dump())

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
