"""`kansa reporter run`: the month due is written, recorded and mailed with the PDF attached through a real SMTP
server, retried while the server is down, and never sent twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import socketserver
import threading
from pathlib import Path

from elasticsearch import Elasticsearch

from kansa_cli.pipeline import wait_until
from kansa_reporter.delivery import due_month, run
from kansa_reporter.settings import ElasticsearchSettings, Settings
from kansa_schemas.indices import JST
from kansa_schemas.mynumber import contains_personal_number
from tests.conftest import Stack, free_port
from tests.integration.test_report_monthly import _april, _index
from tests.receivers import SmtpReceiver

NOW = dt.datetime(2025, 5, 1, 8, 0, tzinfo=JST)  # after the 1st-of-month 07:00 run: April is due


def test_due_month() -> None:
    month, next_run = due_month(NOW, 1, dt.time(7))
    assert (month.label, next_run) == ("2025-04", dt.datetime(2025, 6, 1, 7, tzinfo=JST))
    month, next_run = due_month(dt.datetime(2025, 5, 1, 6, 0, tzinfo=JST), 1, dt.time(7))
    assert (month.label, next_run) == ("2025-03", dt.datetime(2025, 5, 1, 7, tzinfo=JST))  # May's run is ahead


class RefusingServer:
    """A port that accepts and hangs up at once: a mail server that is down, counting the attempts."""

    def __init__(self, port: int) -> None:
        self.attempts = 0
        server = self

        class Hangup(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server.attempts += 1

        socketserver.TCPServer.allow_reuse_address = True
        self._server = socketserver.TCPServer(("127.0.0.1", port), Hangup)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_report_is_mailed_with_its_pdf_retried_until_the_server_is_up_and_sent_once(
        es: Elasticsearch, stack: Stack, tenant: str, tmp_path: Path) -> None:
    events, alerts = _april(tenant)
    _index(es, events, alerts)
    (tmp_path / "tenants" / tenant).mkdir(parents=True)
    (tmp_path / "tenants" / tenant / "profile.yaml").write_text(
        "municipality: 堺市\nbusiness: 子ども医療費助成に関する事務\n"
        "assessment: {number: No.44, published: 2025-12-26}\nreport_recipients: [kacho@city.example.lg.jp]\n",
        encoding="utf-8")
    port = free_port()
    down = RefusingServer(port)
    smtp = SmtpReceiver(port)
    settings = Settings(elasticsearch=ElasticsearchSettings(url=stack.elasticsearch_url),
                        tenants_dir=tmp_path / "tenants", report_dir=tmp_path / "reports", smtp_port=smtp.port,
                        retry_first_s=0.2, retry_cap_s=1.0)
    stop = threading.Event()
    worker = threading.Thread(target=run, args=(settings, stop), kwargs={"once": True, "clock": lambda: NOW})
    worker.start()
    try:
        folder = settings.report_dir / tenant
        pdf = folder / f"kansa-monthly-{tenant}-2025-04.ja.pdf"
        wait_until(lambda: down.attempts >= 3, 120, "three refused delivery attempts")
        assert pdf.exists() and smtp.messages == []
        down.stop()
        smtp.start()
        worker.join(timeout=120)
        assert not worker.is_alive()
    finally:
        stop.set()
    [mail] = smtp.messages
    assert mail["Subject"] == f"[kansa] 月次自己点検報告書 堺市（{tenant}）2025-04"
    body = mail.get_body(("plain",)).get_content()
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert f"SHA-256: {digest}" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == pdf.name and attachment.get_content() == pdf.read_bytes()
    assert not contains_personal_number(str(mail["Subject"])) and not contains_personal_number(body)
    recorded = es.search(index=f"kansa-reports-{tenant}", query={"term": {"format": "pdf"}})["hits"]["hits"]
    assert [h["_source"]["sha256"] for h in recorded] == [digest]

    # Run again (a restart): the marker says April is delivered, so nothing is sent twice.
    run(settings, threading.Event(), once=True, clock=lambda: NOW)
    assert len(smtp.messages) == 1
    smtp.stop()
