#!/usr/bin/env python3
"""A scripted stand-in for the collector's ingest endpoints, for tests/integration/test_push.c.

usage: fake_server.py PORT RECORD_FILE STEP[,STEP...]

Each POST (an "attempt") takes the next step of the script; the last step repeats:
  drop          read the request, then close the connection without answering
  hang:S        wait S seconds, then answer 201
  NNN           answer HTTP status NNN with a JSON body shaped like the collector's
  NNN:R         the same with "Retry-After: R"
Every attempt is appended to RECORD_FILE as one JSON line: its number, monotonic time, path,
Idempotency-Key, Authorization, Content-Type and body length. GET /healthz answers 200 and is
not recorded.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
RECORD = sys.argv[2]
SCRIPT = sys.argv[3].split(",")

lock = threading.Lock()
attempts = 0

ERRORS = {
    422: {
        "code": "validation_failed",
        "message": "Отчёт содержит ошибки",
        "errors": [
            {"code": "unknown_reference", "path": "$.pairs[0].mentors[1]",
             "message": "Наставник с таким идентификатором не указан в отчёте"},
            {"code": "missing_field", "path": "$.staff",
             "message": "Обязательное поле отсутствует"},
        ],
    },
    400: {"code": "invalid_json", "message": "Тело запроса не является корректным JSON",
          "errors": [{"code": "invalid_json", "path": "$",
                      "message": "Ожидалось значение JSON"}]},
    401: {"code": "unauthorized", "message": "Нужен действительный токен"},
    409: {"code": "idempotency_conflict",
          "message": "Этот ключ идемпотентности уже использован с другим телом"},
    429: {"code": "too_many_requests", "message": "Слишком много запросов"},
    500: {"code": "internal_error", "message": "Внутренняя ошибка"},
    503: {"code": "database_unavailable", "message": "База данных недоступна"},
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_server: " + (fmt % args) + "\n")

    def answer(self, status, doc, extra=()):
        body = json.dumps(doc, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/healthz":
            self.answer(200, {"status": "ok"})
        else:
            self.answer(404, {"code": "not_found", "message": "Не найдено"})

    def do_POST(self):
        global attempts
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with lock:
            attempts += 1
            n = attempts
            step = SCRIPT[min(n, len(SCRIPT)) - 1]
            with open(RECORD, "a", encoding="utf-8") as f:
                f.write(json.dumps({
                    "n": n, "t": time.monotonic(), "path": self.path,
                    "key": self.headers.get("Idempotency-Key"),
                    "auth": self.headers.get("Authorization"),
                    "type": self.headers.get("Content-Type"),
                    "len": len(body),
                }) + "\n")
        if step == "drop":
            self.close_connection = True
            return
        status, _, arg = step.partition(":")
        if status == "hang":
            time.sleep(float(arg))
            status, arg = "201", ""
        status = int(status)
        extra = [("Retry-After", arg)] if arg else []
        if status in (200, 201):
            kind = "meeting" if self.path.endswith("/meetings") else "report"
            doc = {"status": "created" if status == 201 else "replayed", "id": 40 + n,
                   "replayed": status == 200, "received_at": "2025-01-15T10:00:00Z"}
            if kind == "report":
                doc.update({"version": 3, "deadline": "2025-01-20", "on_time": True})
            extra.append(("Location", f"/api/v1/{kind}s/{40 + n}"))
            self.answer(status, doc, extra)
        else:
            self.answer(status, ERRORS.get(status, {"code": "error", "message": "Ошибка"}),
                        extra)


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
