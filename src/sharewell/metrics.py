"""Prometheus metrics (prometheus-client) served at ``/metrics``.

Request counts and latencies are labelled by route *template* (``/members/{handle}``), never by
the raw path, so the number of series stays bounded. The mail queue gauges are read from the
database at scrape time, so every worker reports the same queue. With several worker processes
set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (prometheus-client's multiprocess mode) to
sum counters across them.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "sharewell_http_requests_total",
    "HTTP requests by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "sharewell_http_request_duration_seconds",
    "HTTP request duration by method and route template.",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOB_RUNS = Counter(
    "sharewell_job_runs_total", "Job runs by job and outcome.", ["job", "status"], registry=REGISTRY
)
MAIL_SENT = Counter(
    "sharewell_mail_deliveries_total",
    "Mail delivery attempts by outcome (sent, retry, failed, outbox).",
    ["outcome"],
    registry=REGISTRY,
)
MAIL_QUEUE = Gauge(
    "sharewell_mail_messages",
    "Messages in the mail table by status.",
    ["status"],
    registry=REGISTRY,
    multiprocess_mode="liveall",
)
RATE_LIMITED = Counter(
    "sharewell_rate_limited_total", "Requests refused by a rate limit.", registry=REGISTRY
)


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
