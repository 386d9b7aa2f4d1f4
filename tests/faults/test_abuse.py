#!/usr/bin/env python3
"""Hostile clients against the real server, on loopback, over raw sockets.

    test_abuse.py WIREBASE

Malformed request lines, oversized targets and headers (414/431), bad
percent-encoding, CR/LF smuggled into parameters, path traversal, a
slowloris of 500 connections while a normal client keeps getting answers
within a second, the per-client connection limit, idle timeouts, and the
security rules: every answer carries nosniff, no error leaks SQL, no log
line holds an API key. Every loop is bounded in count and time.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

from wbserver import Server

NOSNIFF = b"x-content-type-options: nosniff"


def raw(port, data, timeout=5):
    """Sends bytes, returns everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return out


def get(port, target, headers=b""):
    return raw(port, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
               b"Connection: close\r\n\r\n")


def status_of(answer):
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None


def head_and_body(answer):
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.lower(), body


def assert_problem(answer, status, what):
    head, body = head_and_body(answer)
    assert status_of(answer) == status, "%s: %r" % (what, answer[:200])
    assert b"content-type: application/problem+json" in head, "%s: %r" % (what, head)
    assert NOSNIFF in head, "%s: no nosniff" % what
    problem = json.loads(body)
    assert problem["status"] == status, what
    for leak in (b"select ", b"sqlite", b"insert ", b" from "):
        assert leak not in body.lower(), "%s leaks %r: %r" % (what, leak, body)


def alive(port):
    answer = get(port, b"/healthz")
    assert status_of(answer) == 200, answer[:200]


def test_requests(port):
    # Malformed request lines: refused or dropped, never served, never fatal.
    for line in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                 b"GET /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                 b"\x00\x01\x02\xff\r\n\r\n", b"GET /v1/articles HTTP/1.1\r\nBad Header\r\n\r\n"):
        answer = raw(port, line)
        assert answer == b"" or status_of(answer) in (400, 404, 405, 505), (line, answer[:200])
    alive(port)

    # Oversized targets and headers: ours as problems, the library's past its limit.
    assert_problem(get(port, b"/v1/articles?q=" + b"a" * 9000), 414, "a 9 KB target")
    assert status_of(get(port, b"/v1/articles?q=" + b"a" * 100000)) == 414
    # --max-request-head (8 KiB) past, within the room the connection keeps to answer.
    big = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"b" * 1000) for i in range(10))
    assert_problem(get(port, b"/v1/articles", big), 431, "10 KB of headers")
    huge = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"b" * 1000) for i in range(20))
    assert status_of(get(port, b"/v1/articles", huge)) == 431
    assert status_of(get(port, b"/v1/articles", b"X-Huge: " + b"c" * 100000 + b"\r\n")) == 431
    alive(port)

    # Bad percent-encoding.
    for target in (b"/v1/articles/%zz", b"/v1/articles?q=%", b"/v1/articles?limit=%G1",
                   b"/v1/entities/%00"):
        assert_problem(get(port, target), 400, target.decode())

    # CR/LF in parameters never becomes a header line of the answer.
    for target in (b"/v1/articles?limit=1&x=%0d%0aX-Injected:%201",
                   b"/v1/articles?cursor=%0d%0aX-Injected:%201",
                   b"/v1/articles/%0d%0aX-Injected:%201",
                   b"/v1/search?q=a%0d%0aX-Injected:%201"):
        answer = get(port, target)
        head, _ = head_and_body(answer)
        assert b"\r\nx-injected" not in head, (target, head)
        assert status_of(answer) in (400, 404), (target, answer[:200])
        assert NOSNIFF in head, target

    # Path traversal, raw and encoded, finds nothing outside the service.
    for target in (b"/../../../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd",
                   b"/..%2f..%2f..%2fetc%2fpasswd", b"/static/../../etc/passwd",
                   b"/ui/..%2f..%2fmeson.build", b"//etc/passwd", b"/.%2e/.%2e/etc/passwd"):
        answer = get(port, target)
        assert status_of(answer) in (400, 404), (target, answer[:200])
        assert b"root:" not in answer and b"project(" not in answer, target
    alive(port)


def test_slowloris(port):
    """500 connections trickle a header byte every 2 s; a normal client is
    answered within a second throughout."""
    slow = []
    try:
        for _ in range(500):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /v1/articles HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(s)
        worst = 0.0
        deadline = time.monotonic() + 6
        next_trickle = time.monotonic()
        answered = 0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_trickle:
                for s in slow:
                    try:
                        s.sendall(b"a")
                    except OSError:
                        pass
                next_trickle += 2
            started = time.monotonic()
            answer = get(port, b"/v1/articles?limit=1")
            took = time.monotonic() - started
            assert status_of(answer) == 200, answer[:200]
            worst = max(worst, took)
            answered += 1
            time.sleep(0.1)
        assert worst < 1.0, "a normal request took %.2f s under the slowloris" % worst
        assert answered >= 10
    finally:
        for s in slow:
            s.close()
    print("slowloris: 500 slow connections, %d normal answers, slowest %.3f s" % (answered, worst))


def test_per_client_limit(binary, db):
    server = Server(binary, db, "--max-connections-per-client", "10")
    held = []
    try:
        for _ in range(10):
            held.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        time.sleep(0.2)
        # The eleventh is closed without an answer.
        extra = raw(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    timeout=3)
        assert extra == b"", extra[:200]
        for s in held:
            s.close()
        held = []
        time.sleep(0.3)
        alive(server.port)
    finally:
        for s in held:
            s.close()
        server.stop()
    print("per-client limit: the 11th connection was refused, the 1st after was served")


def test_idle_timeout(binary, db):
    server = Server(binary, db, "--timeout", "1")
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            started = time.monotonic()
            try:
                closed = s.recv(1) == b""
            except ConnectionResetError:
                closed = True
            took = time.monotonic() - started
        assert closed and took < 5, "an idle connection stayed open %.1f s" % took
    finally:
        server.stop()
    print("idle timeout: closed after %.1f s" % took)


def test_keys_stay_secret(binary, db):
    out = subprocess.run([binary, "keys", "create", "--db", db, "--name", "abuse",
                          "--scope", "write"], check=True, capture_output=True, text=True)
    key = out.stdout.splitlines()[0].strip()
    server = Server(binary, db, access_log=True)
    try:
        wrong = key[:-4] + ("0000" if not key.endswith("0000") else "1111")
        for k in (key, wrong):
            auth = b"Authorization: Bearer " + k.encode() + b"\r\n"
            answer = raw(server.port, b"POST /v1/entities HTTP/1.1\r\nHost: x\r\n" + auth +
                         b"Content-Type: application/json\r\nContent-Length: 2\r\n"
                         b"Connection: close\r\n\r\n{}")
            assert status_of(answer) in (400, 401, 422), answer[:200]
            assert k.encode() not in answer
        answer = get(server.port, b"/v1/articles?key=" + key.encode())
        assert key.encode() not in answer
    finally:
        server.stop()
    log = b"".join(server.log)
    assert log, "no log lines to check"
    secret = key.split("_", 2)[2]
    assert key.encode() not in log and secret[:8].encode() not in log, "a key reached the log"
    assert b"[redacted]" in log, "the key in a URL was not logged redacted"
    assert b"Bearer" not in log, "an Authorization header reached the log"
    print("secrets: %d log lines, no key in any" % len(server.log))


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="wirebase-abuse-") as workdir:
        db = os.path.join(workdir, "abuse.db")
        server = Server(binary, db)
        try:
            test_requests(server.port)
            test_slowloris(server.port)
            alive(server.port)
        finally:
            server.stop()
        assert server.proc.returncode == 0, "exit code %s" % server.proc.returncode
        test_per_client_limit(binary, db)
        test_idle_timeout(binary, db)
        test_keys_stay_secret(binary, db)
    print("abuse: all passed")


if __name__ == "__main__":
    main()
