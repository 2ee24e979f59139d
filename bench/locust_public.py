"""The locust user of bench/public_load.py (not run on its own).

Environment: PUBLIC_LOAD_URLS, a file with one path a line (requested in that order, shared by
all users, round the list again if it runs out); PUBLIC_LOAD_REQUESTS, the number of requests
after which the run stops; PUBLIC_LOAD_NAME, the name the statistics carry;
PUBLIC_LOAD_FIGURES, a JSON file where the figures are written at the end: requests, failures,
p50 and p99 (ms), throughput (requests a second) and the number of answers served from the
portal's page cache (header X-Spotcheck-Cache: hit).
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from locust import HttpUser, constant, events, task

PATHS = Path(os.environ["PUBLIC_LOAD_URLS"]).read_text(encoding="utf-8").split()
LIMIT = int(os.environ["PUBLIC_LOAD_REQUESTS"])
NAME = os.environ.get("PUBLIC_LOAD_NAME", "page")
NEXT = itertools.cycle(PATHS)
COUNTS = {"sent": 0, "done": 0, "hits": 0}


@events.request.add_listener
def _count(response=None, exception=None, **kwargs):
    COUNTS["done"] += 1
    if response is not None and response.headers.get("X-Spotcheck-Cache") == "hit":
        COUNTS["hits"] += 1


@events.quitting.add_listener
def _write_figures(environment, **kwargs):
    total = environment.stats.total
    figures = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "p50": total.get_response_time_percentile(0.5),
        "p99": total.get_response_time_percentile(0.99),
        "throughput": total.total_rps,
        "hits": COUNTS["hits"],
    }
    Path(os.environ["PUBLIC_LOAD_FIGURES"]).write_text(json.dumps(figures), encoding="utf-8")


class Visitor(HttpUser):
    """An anonymous visitor asking for the next page of the list, without pause."""

    wait_time = constant(0)

    @task
    def visit(self) -> None:
        if COUNTS["sent"] >= LIMIT:
            if COUNTS["done"] >= LIMIT and self.environment.runner is not None:
                self.environment.runner.quit()
            self.wait_time = constant(0.01)
            return
        COUNTS["sent"] += 1
        with self.client.get(next(NEXT), name=NAME, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
