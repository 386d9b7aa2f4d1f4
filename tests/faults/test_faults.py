#!/usr/bin/env python3
"""Process faults against the real server, on loopback.

crash:    writers post articles while the server is killed with SIGKILL at
          random moments, 20 times over. After each restart every write that
          was acknowledged (201) is there with all of its mentions, no article
          is there without them, and PRAGMA integrity_check says ok.
shutdown: 50 requests are in flight (headers sent, body half sent) when the
          server gets SIGTERM; each still gets its answer and the process
          exits 0.
full:     with --max-db-size, writes past the limit get 507 problem+json and
          store nothing, reads go on, and deleting makes room again without
          a restart.
busy:     while another process holds the write lock, a write waits out the
          busy timeout and gets 503 with Retry-After; reads go on; once the
          lock is gone writes succeed.
backup:   wirebase backup copies the store while writers post: the copy is
          intact, holds every write acknowledged before it began and nothing
          the store lacks; a copy taken at rest exports the same bytes as
          the store; an existing file is never overwritten.

unwritable: while the WAL file refuses writes (chattr +i, as root on a file
          system that has the flag), writes answer 503 with Retry-After and
          store nothing, reads go on, and writes succeed again once it
          takes them; skipped where the flag cannot be set.
user:     started as root with --user nobody, the server runs as nobody and
          every file it makes is nobody's; started as anyone else, --user
          is refused with a message and nothing is served.

    test_faults.py WIREBASE [crash|shutdown|full|busy|backup|unwritable|user ...]

Every loop is bounded in rounds and in time, and every server started here
is killed on the way out.
"""
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from wbserver import Server

ROUNDS = 20
MENTIONED = ("fault-person", "fault-agency")


def request(server, method, path, body=None, key=None, timeout=5):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.url(path), data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def request_full(server, method, path, body=None, key=None, timeout=30):
    """(status, headers, body text) of one request, errors included."""
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.url(path), data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.headers, res.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode(errors="replace")


def assert_problem(status, headers, text, expected):
    assert status == expected, (status, text)
    assert headers["Content-Type"].startswith("application/problem+json"), headers
    assert json.loads(text)["status"] == expected, text


def make_key(binary, db):
    out = subprocess.run([binary, "keys", "create", "--db", db, "--name", "faults",
                          "--scope", "write"], check=True, capture_output=True, text=True)
    return out.stdout.splitlines()[0].strip()


def writer(server, key, tag, acknowledged, failures, stop):
    """Posts articles until the server goes away; records each 201, and
    any other answer in failures."""
    n = 0
    while not stop.is_set() and n < 10000:
        n += 1
        title = "Crash test %s %d" % (tag, n)
        body = {"title": title, "source": "Fault Wire", "published_at": "2026-11-28",
                "body": "Written while the server may die. " * 20,
                "mentions": [{"entity": MENTIONED[0], "count": 1},
                             {"entity": MENTIONED[1], "count": 2}]}
        try:
            status, doc = request(server, "POST", "/v1/articles", body, key, timeout=3)
        except (urllib.error.URLError, ConnectionError, OSError):
            return
        if status != 201:
            failures.append("POST answered %s: %s" % (status, doc))
            return
        acknowledged.append((doc["id"], title))


def all_articles(server):
    """Every article of the store as id -> entity count, walking the list."""
    seen = {}
    path = "/v1/articles?limit=100&fields=id,title"
    for _ in range(100000):
        status, page = request(server, "GET", path)
        assert status == 200, status
        for item in page["data"]:
            seen[item["id"]] = item["title"]
        if not page.get("next_cursor"):
            return seen
        path = "/v1/articles?limit=100&fields=id,title&cursor=" + page["next_cursor"]
    raise AssertionError("the article list did not end")


def check_integrity(db):
    """With the server down: the file, the search index and the mentions."""
    conn = sqlite3.connect(db)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        assert result == [("ok",)], result
        # FTS5 raises an error if the index does not match the articles.
        conn.execute("INSERT INTO article_fts (article_fts) VALUES ('integrity-check')")
        orphans = conn.execute(
            "SELECT count(*) FROM articles a WHERE a.title LIKE 'Crash test %'"
            " AND (SELECT count(*) FROM mentions m JOIN entities e ON e.id = m.entity_id"
            "      WHERE m.article_id = a.id AND e.slug IN (?, ?)) <> 2",
            MENTIONED).fetchone()
        assert orphans == (0,), "articles without their mentions: %s" % (orphans,)
        conn.rollback()
    finally:
        conn.close()


def add_mentioned(server, key):
    """The entities every writer's article mentions."""
    for slug, kind in zip(MENTIONED, ("person", "organization")):
        status, doc = request(server, "POST", "/v1/entities",
                              {"slug": slug, "name": slug.replace("-", " ").title(),
                               "type": kind}, key)
        assert status == 201, (status, doc)


def test_crash(binary, workdir):
    db = os.path.join(workdir, "crash.db")
    key = make_key(binary, db)
    server = Server(binary, db)
    try:
        add_mentioned(server, key)
    finally:
        server.kill()
    acknowledged, failures = [], []
    rng = random.Random(int(os.environ.get("FAULT_SEED", "7")))
    started = time.monotonic()
    for round_no in range(ROUNDS):
        server = Server(binary, db)
        stop = threading.Event()
        before = len(acknowledged)
        threads = [threading.Thread(target=writer, args=(server, key, "%d-%d" % (round_no, t),
                                                         acknowledged, failures, stop),
                                    daemon=True)
                   for t in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.05, 0.6))
        server.kill()
        stop.set()
        for t in threads:
            t.join(timeout=10)
        assert not failures, failures[:3]
        check_integrity(db)

        # Every acknowledged write survived, whole.
        server = Server(binary, db)
        try:
            stored = all_articles(server)
            for article_id, title in acknowledged:
                assert stored.get(article_id) == title, \
                    "acknowledged article %d (%s) is missing after round %d" % (
                        article_id, title, round_no)
            for article_id, title in list(acknowledged)[before:before + 5]:
                status, doc = request(server, "GET", "/v1/articles/%d" % article_id)
                assert status == 200 and len(doc["entities"]) == 2, (status, doc)
        finally:
            server.kill()
        assert time.monotonic() - started < 240, "the crash test ran too long"
    assert len(acknowledged) > ROUNDS, "too few writes were acknowledged to test anything"
    print("crash: %d rounds, %d acknowledged writes, all present" % (ROUNDS, len(acknowledged)))


def test_shutdown(binary, workdir):
    db = os.path.join(workdir, "shutdown.db")
    key = make_key(binary, db)
    server = Server(binary, db)
    socks = []
    try:
        bodies = []
        for i in range(50):
            body = json.dumps({"title": "In flight %d" % i, "source": "Fault Wire",
                               "published_at": "2026-11-28", "body": "x" * 2000}).encode()
            head = ("POST /v1/articles HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                    "Content-Length: %d\r\nConnection: close\r\n\r\n" % (key, len(body))).encode()
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(head + body[:len(body) // 2])
            socks.append(s)
            bodies.append(body)
        time.sleep(0.2)
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        statuses = []
        for s, body in zip(socks, bodies):
            s.sendall(body[len(body) // 2:])
            answer = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
            statuses.append(answer.split(b" ", 2)[1] if answer else b"none")
        assert statuses == [b"201"] * 50, statuses
        code = server.proc.wait(timeout=20)
        assert code == 0, "exit code %s" % code
    finally:
        for s in socks:
            s.close()
        server.kill()
    print("shutdown: 50 in-flight requests answered 201, exit 0")


def test_full(binary, workdir):
    db = os.path.join(workdir, "full.db")
    key = make_key(binary, db)
    server = Server(binary, db, "--max-db-size", "2")
    try:
        big = "Filling the store to its limit. " * 3000  # about 96 KB
        posted, full = [], None
        for i in range(60):
            status, headers, text = request_full(server, "POST", "/v1/articles", {
                "title": "Ballast %d" % i, "source": "Fault Wire",
                "published_at": "2026-11-28", "body": big}, key)
            if status == 201:
                posted.append(json.loads(text)["id"])
                continue
            full = (status, headers, text)
            break
        assert full is not None, "2 MiB never filled up"
        assert posted, "not one article fitted"
        assert_problem(*full, 507)
        assert full[1]["Retry-After"], full[1]
        stored = all_articles(server)
        assert "Ballast %d" % len(posted) not in stored.values(), "the refused write was stored"

        # A partial import stops at a full store too: its lines are not to blame.
        lines = "".join(json.dumps({"type": "article", "title": "Imported %d" % i,
                                    "source": "Fault Wire", "published_at": "2026-11-28",
                                    "body": big}) + "\n" for i in range(3))
        req = urllib.request.Request(server.url("/v1/import?mode=partial"), data=lines.encode(),
                                     method="POST", headers={
                                         "Authorization": "Bearer " + key,
                                         "Content-Type": "application/x-ndjson"})
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                imported = (res.status, res.headers, res.read().decode())
        except urllib.error.HTTPError as err:
            imported = (err.code, err.headers, err.read().decode())
        assert_problem(*imported, 507)
        assert not any(t.startswith("Imported") for t in all_articles(server).values())

        # Reads go on.
        status, doc = request(server, "GET", "/v1/articles/%d" % posted[0])
        assert status == 200 and doc["title"] == "Ballast 0", status

        # Room made by deletes is used again, with no restart.
        for article_id in posted[:3]:
            status, _, text = request_full(server, "DELETE", "/v1/articles/%d" % article_id,
                                           key=key)
            assert status == 204, (status, text)
        status, _, text = request_full(server, "POST", "/v1/articles", {
            "title": "After the purge", "source": "Fault Wire", "published_at": "2026-11-28",
            "body": big}, key)
        assert status == 201, (status, text)
    finally:
        server.kill()
    check_integrity(db)
    print("full: 507 after %d articles, nothing stored, reads on, room reused" % len(posted))


def test_busy(binary, workdir):
    db = os.path.join(workdir, "busy.db")
    key = make_key(binary, db)
    server = Server(binary, db, "--busy-timeout", "300")
    holder = sqlite3.connect(db, timeout=5, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        status, headers, text = request_full(server, "POST", "/v1/entities", {
            "name": "Locked Out", "type": "person"}, key)
        waited = time.monotonic() - started
        assert_problem(status, headers, text, 503)
        assert headers["Retry-After"], headers
        assert 0.25 <= waited < 10, "waited %.2f s, not the busy timeout" % waited
        status, _ = request(server, "GET", "/v1/entities?limit=1")
        assert status == 200, status

        # Writes queued together (group commit) wait for the lock once per
        # batch, not once each: four at once are all answered within two
        # busy timeouts (the first batch may hold one, the next the rest).
        answers = []
        started = time.monotonic()

        def locked_out(n):
            status, headers, _ = request_full(server, "POST", "/v1/entities", {
                "name": "Queued %d" % n, "type": "person"}, key)
            answers.append((status, time.monotonic() - started))

        threads = [threading.Thread(target=locked_out, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert sorted(a[0] for a in answers) == [503] * 4, answers
        slowest = max(a[1] for a in answers)
        assert slowest < 1.2, "the last of 4 queued writes waited %.2f s" % slowest
        holder.execute("ROLLBACK")
        status, _, text = request_full(server, "POST", "/v1/entities", {
            "name": "Let In", "type": "person"}, key)
        assert status == 201, (status, text)
    finally:
        holder.close()
        server.kill()
    print("busy: 503 with Retry-After after %.2f s, 4 queued writes in %.2f s, reads on, then 201"
          % (waited, slowest))


def titles_in(db):
    conn = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return dict(conn.execute("SELECT id, title FROM articles").fetchall())
    finally:
        conn.close()


def export(binary, db):
    return subprocess.run([binary, "export", "--db", db], check=True,
                          capture_output=True).stdout


def test_backup(binary, workdir):
    db = os.path.join(workdir, "live.db")
    copy, at_rest = os.path.join(workdir, "copy.db"), os.path.join(workdir, "at-rest.db")
    key = make_key(binary, db)
    server = Server(binary, db)
    acknowledged, failures = [], []
    stop = threading.Event()
    threads = []
    try:
        add_mentioned(server, key)
        threads = [threading.Thread(target=writer, args=(server, key, "b%d" % t, acknowledged,
                                                         failures, stop), daemon=True)
                   for t in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        before = list(acknowledged)
        done = subprocess.run([binary, "backup", copy, "--db", db], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        assert not failures, failures[:3]
        assert len(acknowledged) > len(before) > 0, "the writers did not overlap the backup"

        check_integrity(copy)
        copied, live = titles_in(copy), titles_in(db)
        for article_id, title in before:
            assert copied.get(article_id) == title, "acknowledged write %d not in the copy" % article_id
        for article_id, title in copied.items():
            assert live.get(article_id) == title, "the copy has %d, the store does not" % article_id

        # At rest, the copy is the store.
        done = subprocess.run([binary, "backup", at_rest, "--db", db], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert export(binary, at_rest) == export(binary, db), "the copy exports differently"

        # A file in the way is refused and left as it was.
        size = os.path.getsize(at_rest)
        done = subprocess.run([binary, "backup", at_rest, "--db", db], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 2 and "exists" in done.stderr, (done.returncode, done.stderr)
        assert os.path.getsize(at_rest) == size
        assert not os.path.exists(at_rest + ".partial")
    finally:
        stop.set()
        server.kill()
    print("backup: copy of %d articles during %d writes, intact; at rest identical" % (
        len(copied), len(acknowledged)))


def test_unwritable(binary, workdir):
    db = os.path.join(workdir, "unwritable.db")
    key = make_key(binary, db)
    server = Server(binary, db)
    wal = db + "-wal"
    frozen = False
    try:
        status, _, text = request_full(server, "POST", "/v1/entities", {
            "name": "Before", "type": "person"}, key)
        assert status == 201, (status, text)
        frozen = subprocess.run(["chattr", "+i", wal], capture_output=True).returncode == 0
        if not frozen:
            print("unwritable: skipped (chattr +i is not allowed here)")
            return
        status, headers, text = request_full(server, "POST", "/v1/entities", {
            "name": "While frozen", "type": "person"}, key)
        assert_problem(status, headers, text, 503)
        assert headers["Retry-After"], headers
        status, _ = request(server, "GET", "/v1/entities?limit=100")
        assert status == 200, status
        subprocess.run(["chattr", "-i", wal], check=True)
        frozen = False
        status, _, text = request_full(server, "POST", "/v1/entities", {
            "name": "After", "type": "person"}, key)
        assert status == 201, (status, text)
        status, page = request(server, "GET", "/v1/entities?limit=100")
        names = [e["name"] for e in page["data"]]
        assert "Before" in names and "After" in names and "While frozen" not in names, names
    finally:
        if frozen:
            subprocess.run(["chattr", "-i", wal])
        server.kill()
    check_integrity(db)
    print("unwritable: 503 while the WAL refused writes, nothing stored, then 201")


def test_user(binary, workdir):
    import pwd
    nobody = pwd.getpwnam("nobody")
    home = os.path.join(workdir, "as-nobody")
    os.mkdir(home)
    db = os.path.join(home, "user.db")
    if os.geteuid() != 0:
        done = subprocess.run([binary, "serve", "--db", db, "--listen", "127.0.0.1:0",
                               "--user", "nobody"], capture_output=True, text=True, timeout=30)
        assert done.returncode != 0 and "root" in done.stderr, (done.returncode, done.stderr)
        assert not os.path.exists(db)
        print("user: refused when not started as root")
        return
    os.chown(home, nobody.pw_uid, nobody.pw_gid)
    os.chmod(workdir, 0o755)
    server = Server(binary, db, "--user", "nobody")
    try:
        with open("/proc/%d/status" % server.proc.pid) as status:
            ids = dict(line.split(":", 1) for line in status if line.startswith(("Uid", "Gid")))
        assert ids["Uid"].split() == [str(nobody.pw_uid)] * 4, ids["Uid"]
        assert ids["Gid"].split() == [str(nobody.pw_gid)] * 4, ids["Gid"]
        status, _ = request(server, "GET", "/v1/articles?limit=1")
        assert status == 200, status
    finally:
        server.kill()
    for name in os.listdir(home):
        assert os.stat(os.path.join(home, name)).st_uid == nobody.pw_uid, name
    done = subprocess.run([binary, "serve", "--user", "no-such-user-here", "--db", db],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "no such user" in done.stderr, done.stderr
    print("user: ran as nobody (uid %d), its files are nobody's" % nobody.pw_uid)


def main():
    binary = os.path.abspath(sys.argv[1])
    wanted = sys.argv[2:] or ["crash", "shutdown", "full", "busy", "backup", "unwritable",
                              "user"]
    with tempfile.TemporaryDirectory(prefix="wirebase-faults-") as workdir:
        for name in wanted:
            {"crash": test_crash, "shutdown": test_shutdown, "full": test_full,
             "busy": test_busy, "backup": test_backup, "unwritable": test_unwritable,
             "user": test_user}[name](binary, workdir)


if __name__ == "__main__":
    main()
