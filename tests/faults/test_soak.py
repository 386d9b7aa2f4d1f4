#!/usr/bin/env python3
"""A bounded soak: mixed reads and writes as fast as a few keep-alive
clients go, for SOAK_SECONDS (default 300; CI runs 60).

    SOAK_SECONDS=60 tests/faults/test_soak.py WIREBASE

Passes when no request failed, the server's resident memory stayed flat
once warm (the last tenth of the run against the tenth after warm-up), and
the store at the end holds exactly the articles the clients were told were
written. Not part of the default test suite because of its length.
"""
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

from wbserver import Server

WRITERS, READERS = 2, 4


class Client:
    """One keep-alive connection; counts what it did and what went wrong."""

    def __init__(self, port, key=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.key = key
        self.requests = 0
        self.failures = []

    def call(self, method, path, body=None, expect=(200,)):
        headers = {}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        if self.key:
            headers["Authorization"] = "Bearer " + self.key
        self.conn.request(method, path, body=body, headers=headers)
        res = self.conn.getresponse()
        data = res.read()
        self.requests += 1
        if res.status not in expect:
            self.failures.append("%s %s: %d %s" % (method, path, res.status, data[:200]))
            return None
        return json.loads(data) if data else None


def writer(client, tag, written, stop):
    n = 0
    while not stop.is_set():
        n += 1
        title = "Soak %s %d" % (tag, n)
        doc = client.call("POST", "/v1/articles", {
            "title": title, "source": "Soak Wire", "published_at": "2026-11-28",
            "body": "A steady stream of writes. " * 40,
            "mentions": [{"entity": "robert-gates", "count": 1}]}, expect=(201,))
        if doc is not None:
            written.append((doc["id"], title))


def reader(client, written, stop):
    rng = random.Random(threading.get_ident())
    paths = ["/v1/articles?limit=20", "/v1/entities/robert-gates", "/v1/search?q=steady",
             "/v1/stats", "/v1/entities?limit=20", "/v1/agreements?limit=20"]
    while not stop.is_set():
        if written and rng.random() < 0.5:
            article_id, _ = written[rng.randrange(len(written))]
            client.call("GET", "/v1/articles/%d" % article_id)
        else:
            client.call("GET", rng.choice(paths))


def main():
    binary = os.path.abspath(sys.argv[1])
    seconds = float(os.environ.get("SOAK_SECONDS", "300"))
    with tempfile.TemporaryDirectory(prefix="wirebase-soak-") as workdir:
        db = os.path.join(workdir, "soak.db")
        key = subprocess.run([binary, "keys", "create", "--db", db, "--name", "soak",
                              "--scope", "write"], check=True, capture_output=True,
                             text=True).stdout.splitlines()[0].strip()
        # A small page cache per connection (five of them: two workers, two
        # slow-read threads, the writer) fills within seconds, so growth
        # after warm-up is memory the server keeps, not pages it caches.
        server = Server(binary, db, "--cache-size", "256")
        # keys create made an empty store; the sample gives the readers data.
        written, stop = [], threading.Event()
        clients = [Client(server.port, key) for _ in range(WRITERS)] + \
                  [Client(server.port) for _ in range(READERS)]
        clients[0].call("POST", "/v1/entities", {"slug": "robert-gates", "name": "Robert Gates",
                                                  "type": "person"}, expect=(201, 409))
        threads = [threading.Thread(target=writer, args=(c, "w%d" % i, written, stop))
                   for i, c in enumerate(clients[:WRITERS])]
        threads += [threading.Thread(target=reader, args=(c, written, stop))
                    for c in clients[WRITERS:]]
        for t in threads:
            t.daemon = True
            t.start()
        samples = []
        started = time.monotonic()
        try:
            while time.monotonic() - started < seconds:
                time.sleep(1)
                samples.append(server.rss_kib())
                if any(c.failures for c in clients):
                    break
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        failures = [f for c in clients for f in c.failures]
        total = sum(c.requests for c in clients)

        # What the clients were told is what the store holds.
        check = Client(server.port)
        stored, path = {}, "/v1/articles?limit=100&fields=id,title"
        for _ in range(100000):
            page = check.call("GET", path)
            for item in page["data"]:
                stored[item["id"]] = item["title"]
            if not page.get("next_cursor"):
                break
            path = "/v1/articles?limit=100&fields=id,title&cursor=" + page["next_cursor"]
        server.proc.terminate()
        server.proc.wait(timeout=30)

        assert not failures, failures[:5]
        soak = {i: t for i, t in stored.items() if t.startswith("Soak ")}
        assert soak == dict(written), "the store holds %d soak articles, clients were told %d" % (
            len(soak), len(written))
        tenth = max(len(samples) // 10, 1)
        warm = sum(samples[tenth:2 * tenth]) / tenth
        last = sum(samples[-tenth:]) / tenth
        growth = last - warm
        print("soak: %.0f s, %d requests (%.0f/s), %d writes; RSS %.1f MiB warm, %.1f MiB at the"
              " end" % (seconds, total, total / seconds, len(written), warm / 1024, last / 1024))
        assert growth < max(0.10 * warm, 4096), "RSS grew by %.1f MiB (every 5 s: %s)" % (
            growth / 1024, [round(s / 1024, 1) for s in samples[::5]])
        assert server.proc.returncode == 0


if __name__ == "__main__":
    main()
