"""wirebase serve on an ephemeral loopback port, for the fault, abuse and
soak tests: started, its port read from its log, its log kept, stopped."""
import re
import subprocess
import threading
import time


class Server:
    def __init__(self, binary, db, *flags, access_log=False):
        command = [binary, "serve", "--db", db, "--listen", "127.0.0.1:0", "--threads", "2",
                   *flags]
        if not access_log:
            command.append("--no-access-log")
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.log = []
        self.port = None
        deadline = time.monotonic() + 10
        while self.port is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            found = re.search(rb"listening on 127\.0\.0\.1:(\d+)", line)
            if found:
                self.port = int(found.group(1))
        if self.port is None:
            self.proc.kill()
            raise AssertionError("the server did not start: %r" % self.log)
        # Keep draining stderr, so the server never blocks on a full pipe.
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def kill(self):
        """SIGKILL: nothing is finished or flushed."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.reader.join(timeout=5)

    def stop(self):
        """SIGTERM, then SIGKILL if it does not end within 15 s."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=5)
