#!/usr/bin/python3
"""The HTTP port under hostile or careless clients: methods a route does
not allow (405 with Allow), unknown paths (404), bodies over the cap (413,
announced or chunked), path traversal in every spelling (nothing outside
the embedded dashboard is ever served), garbage request lines and huge
headers, idle connections closed after the timeout, and a fixed thread
budget that idle connections cannot exhaust.
"""
import os
import socket
import time

import harness as h

broker = h.start_broker(partitions=1)
server = h.start_server(broker.address, "--http-max-body", "4096", "--http-timeout", "1s",
                        "--http-threads", "1")
port = server.port

# Methods.
for method, path, allow in (("DELETE", "/models", "GET, HEAD"), ("PUT", "/stats", "GET, HEAD"),
                            ("POST", "/metrics", "GET, HEAD"),
                            ("GET", "/v2/models/wine/infer", "POST"),
                            ("PATCH", "/state/modelStore/value", "GET, HEAD")):
    status, headers, body = h.http(port, method, path)
    h.check(status == 405 and headers.get("allow") == allow and b'"error"' in body,
            f"{method} {path}: 405, Allow: {headers.get('allow')}")
for method, path, want in (("POST", "/models", 405), ("POST", "/nope", 404),
                           ("PUT", "/v2/models/wine/infer", 405)):
    status, headers, body = h.http(port, method, path, b'{"a": 1}' * 100,
                                   {"Content-Type": "application/json"})
    h.check(status == want and b'"error"' in body,
            f"{method} {path} with a body: {status}, the body dropped")
h.check(h.http(port, "GET", "/stats")[0] == 200, "the server answers after those")
status, headers, body = h.http(port, "HEAD", "/stats")
h.check(status == 200 and body == b"" and int(headers["content-length"]) > 0,
        "HEAD /stats: 200, headers only")
for path in ("/nope", "/stats/", "/state", "/state/instances/a/b", "/v2/models", "/dashboard/",
             "/models/x"):
    status, _, body = h.http(port, "GET", path)
    h.check(status == 404 and b'"error"' in body, f"GET {path}: 404 with a JSON error")

# Body caps.
status, _, body = h.http(port, "POST", "/v2/models/wine/infer", b"x" * 5000,
                         {"Content-Type": "application/json"})
h.check(status == 413 and b"4096" in body, "a 5000-byte body over the 4096-byte cap: 413")
reply = h.raw_request(port, b"POST /v2/models/wine/infer HTTP/1.1\r\nHost: x\r\n"
                            b"Content-Length: 1000000000\r\n\r\n")
h.check(reply.startswith(b"HTTP/1.1 413"), "a 1 GB Content-Length is refused at once: 413")
chunk = b"%x\r\n%s\r\n" % (1000, b"y" * 1000)
reply = h.raw_request(port, b"POST /v2/models/wine/infer HTTP/1.1\r\nHost: x\r\n"
                            b"Transfer-Encoding: chunked\r\n\r\n" + chunk * 6 + b"0\r\n\r\n")
h.check(reply.startswith(b"HTTP/1.1 413"), "a 6000-byte chunked body: 413")
status, _, body = h.http(port, "POST", "/v2/models/wine/infer", b"{" * 4000,
                         {"Content-Type": "application/json"})
h.check(status in (400, 404), f"a body under the cap is read and answered ({status})")

# Path traversal: only the embedded files, by exact name.
status, headers, js = h.http(port, "GET", "/dashboard/dashboard.js")
h.check(status == 200 and headers["content-type"].startswith("text/javascript"),
        "GET /dashboard/dashboard.js: an embedded file")
here = os.path.dirname(os.path.abspath(__file__))
for path in ("/../../../../etc/passwd", "/dashboard/../../../../etc/passwd",
             "/dashboard/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/dashboard/..%2f..%2f..%2fetc%2fpasswd",
             "/dashboard/%2e%2e%2f%2e%2e%2fCMakeLists.txt", "/dashboard/..", "/dashboard/.",
             "/dashboard//etc/passwd", "//etc/passwd", "/dashboard/%2fetc%2fpasswd",
             "/dashboard/index.html/../../http.c", "/dashboard/http.c", "/dashboard/..\\..\\http.c",
             "/dashboard/%252e%252e/http.c", "/dashboard/dashboard.js%00.html",
             "/dashboard/" + here + "/harness.py", "/dashboard/index.html"):
    reply = h.raw_request(port, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                          b"Connection: close\r\n\r\n")
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0
    h.check(status in (400, 404) and b"root:" not in reply and b"import" not in reply,
            f"GET {path}: {status}, nothing served")

# Garbage and oversized requests; the server answers the next one.
reply = h.raw_request(port, b"GARBAGE\r\n\r\n")
h.check(reply == b"" or reply.startswith(b"HTTP/1.1 400"), "a garbage request line: 400 or closed")
reply = h.raw_request(port, b"GET /stats HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
h.check(reply == b"" or int(reply.split(b" ", 2)[1]) in (400, 413, 431),
        "a 100 kB header: refused")
h.check(h.http(port, "GET", "/stats")[0] == 200, "the server still answers")

# Idle connections are closed after --http-timeout 1s.
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(10)
t0 = time.time()
got = s.recv(100)
idle = time.time() - t0
s.close()
h.check(got == b"" and 0.5 <= idle <= 4, f"an idle connection is closed after {idle:.1f}s")

# The thread budget: 40 idle connections do not stop a single HTTP thread
# from answering, and more threads is exactly that many more.
idle_socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
t0 = time.time()
status = h.http(port, "GET", "/metrics")[0]
h.check(status == 200 and time.time() - t0 < 0.5,
        f"40 idle connections: /metrics still answers in {time.time() - t0:.3f}s on one thread")
for s in idle_socks:
    s.close()


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


other = h.start_server(broker.address, "--http-threads", "4", name="server4")
time.sleep(1)
diff = threads(other.pid) - threads(server.pid)
h.check(diff == 3, f"--http-threads 4 runs 3 more threads than --http-threads 1 ({diff})")
m = h.metrics(port)
h.check(m.get('modelserver_http_requests_total{route="none",status="405"}', 0) == 7 and
        m.get('modelserver_http_requests_total{route="none",status="404"}', 0) >= 7 and
        m.get('modelserver_http_requests_total{route="v2_infer",status="413"}', 0) >= 2,
        "/metrics counts 404s, 405s and 413s by route")
# Discovery off: the instance knows only itself.
alone = h.start_server(broker.address, "--instances-topic", "", name="alone")
status, doc = h.http_json(alone.port, "GET", "/state/instances")
h.check(status == 200 and [i["port"] for i in doc] == [alone.port] and
        doc[0]["storeNames"] == ["modelStore"],
        "--instances-topic \"\": /state/instances lists this instance alone")
h.check(h.stop(alone) == 0, "stops cleanly")

# Limits that make no sense are refused at start: exit 2 with the reason.
import subprocess  # noqa: E402
for args, text in ((["--http-threads", "0"], "--http-threads must be 1..64"),
                   (["--http-max-body", "0"], "--http-max-body must be at least 1"),
                   (["--http-timeout", "10ms"], "--http-timeout must be at least 1 second"),
                   (["--heartbeat-interval", "1ms"], "--heartbeat-interval must be at least 10 ms")):
    r = subprocess.run([f"{h.BUILD}/modelserver", "--brokers", broker.address, "--port",
                        str(h.free_port()), *args], capture_output=True, text=True, timeout=60)
    h.check(r.returncode == 2 and text in r.stderr,
            f"{' '.join(args)}: exit {r.returncode}, '{text}'")
for p in (server, other):
    h.check(h.stop(p) == 0, "stops cleanly")
print("1 passed, 0 failed")
