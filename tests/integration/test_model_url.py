#!/usr/bin/python3
"""Models by reference over HTTP: a server started with --model-locations
fetches a model published as a URL under that prefix from a web server on
loopback and serves it; a URL outside the allow-list is refused without a
request to its server, counted as a failed update, logged with the reason,
and the previous model keeps serving.
"""
import functools
import http.server
import threading

import harness as h
from kafka import KafkaProducer


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def web_server(directory):
    """A static file server on loopback; .hits counts the requests."""
    class Counting(Quiet):
        def do_GET(self):
            srv.hits += 1
            super().do_GET()
    srv = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Counting, directory=directory))
    srv.hits = 0
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    srv.base = f"http://127.0.0.1:{srv.server_address[1]}"
    return srv


def failed(port):
    return h.metrics(port).get('modelserver_model_updates_total{outcome="failed"}', 0)


demo = h.demo_data()
allowed = web_server(demo)
outside = web_server(demo)   # the same files, on a port that is not allowed
broker = h.start_broker()
server = h.start_server(broker.address, "--model-locations", allowed.base + "/")
producer = KafkaProducer(bootstrap_servers=broker.address, acks="all")


def publish(name, url):
    producer.send("models_models", h.encode_model(name, "wine", 1, location=url))
    producer.flush()


publish("tree-by-url", allowed.base + "/demoDecisionTreeClassification.pmml")
h.wait_for("the model fetched by URL",
           lambda: (h.http_get(server.port, "/stats", quiet=True) or {}).get("name")
           == "tree-by-url")
h.check(allowed.hits == 1, "the server fetched the model by URL once")
h.check("fetched model location" in h.read_log(server), "the fetch is logged")

publish("outside", outside.base + "/demoDecisionTreeRegression.pmml")
h.wait_for("the refused update in /metrics", lambda: failed(server.port) == 1)
h.check(outside.hits == 0, "nothing was requested from the URL outside the allow-list")
log = h.read_log(server)
h.check("model 'outside'" in log and "not in the allow-list (model.locations)" in log,
        "the server log says why the update was refused")
h.check(h.http_get(server.port, "/stats")["name"] == "tree-by-url",
        "the previous model keeps serving")

publish("missing", allowed.base + "/no-such-model.pmml")
h.wait_for("the failed fetch in /metrics", lambda: failed(server.port) == 2)
h.check("HTTP 404" in h.read_log(server), "a missing document is logged with its status")
h.check(h.http_get(server.port, "/stats")["name"] == "tree-by-url",
        "the previous model still serves")

producer.close()
h.check(h.stop(server) == 0, "the server exits 0 on SIGTERM")
print("1 passed, 0 failed")
