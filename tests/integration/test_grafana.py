#!/usr/bin/python3
"""The Grafana client against a recording HTTP server that answers as
Grafana's API does (there is no Grafana package here): the first start
creates the data source and the dashboard with basic auth; a second start
finds both equal and changes nothing; a changed InfluxDB URL updates the
data source in place; wrong credentials, a dead Grafana and one that never
answers are retried in the background while the server scores from the
start. The dashboard the server posts is the file in deploy/grafana, whose
structure and data source are checked against the provisioning files.
"""
import base64
import json
import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

import harness as h

SRC = os.environ.get("MS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
DEPLOY = os.path.join(SRC, "deploy/grafana")
with open(os.path.join(DEPLOY, "dashboards/modelserver.json")) as f:
    DASHBOARD = json.load(f)
with open(os.path.join(DEPLOY, "provisioning/datasources/modelserver.yaml")) as f:
    DS_FILE = yaml.safe_load(f)
with open(os.path.join(DEPLOY, "provisioning/dashboards/modelserver.yaml")) as f:
    DASH_FILE = yaml.safe_load(f)

# -- the files ----------------------------------------------------------------
ds = DS_FILE["datasources"][0]
h.check(DS_FILE["apiVersion"] == 1 and ds["type"] == "influxdb" and ds["database"] == "serving"
        and ds["jsonData"]["dbName"] == "serving" and ds["name"] == ds["uid"],
        f"provisioning: one InfluxDB data source '{ds['uid']}' on database serving")
prov = DASH_FILE["providers"][0]
h.check(DASH_FILE["apiVersion"] == 1 and prov["type"] == "file" and prov["options"]["path"],
        "provisioning: a file provider for the dashboards folder")
panels = DASHBOARD["panels"]
titles = {p["title"] for p in panels}
h.check({"Predictions", "Scoring latency", "Throughput", "Current model per data type"} <= titles,
        f"the dashboard has the four panels ({sorted(titles)})")
h.check(DASHBOARD["uid"] == "modelserver" and len({p["id"] for p in panels}) == len(panels)
        and all({"h", "w", "x", "y"} <= set(p["gridPos"]) for p in panels),
        "uid modelserver, distinct panel ids, every panel placed")
targets = [t for p in panels for t in p["targets"]]
h.check(all(p["datasource"] == {"type": "influxdb", "uid": ds["uid"]} for p in panels)
        and all(t["datasource"] == {"type": "influxdb", "uid": ds["uid"]} for t in targets),
        "every panel and query names the provisioned data source by uid")
h.check(all(t["rawQuery"] and 'FROM "default"."serving"' in t["query"] and "$timeFilter" in t["query"]
            for t in targets) and len(targets) >= 4,
        "every query reads measurement serving (policy default) within the time filter")
cells = sorted((p["gridPos"]["x"], p["gridPos"]["y"]) for p in panels)
h.check(len(set(cells)) == len(cells) and all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24
                                               for p in panels),
        "panels do not overlap and fit the 24-column grid")


# -- bad settings are refused at start, naming the setting --------------------------
for args, env, says in [
        (["--influxdb-host", "x", "--influxdb-batch-size", "0"], {},
         "influxdb.batch_size must be 1..1000000, not 0"),
        (["--influxdb-host", "x"], {"INFLUXDB_BATCH_INTERVAL": "abc"},
         "influxdb.batch_interval (from env INFLUXDB_BATCH_INTERVAL)"),
        (["--grafana-host", "g"], {}, "set influxdb.host or grafana.influxdb_url"),
        (["--grafana-host", "g", "--grafana-port", "0", "--grafana-influxdb-url", "http://i"], {},
         "the port must be 1..65535")]:
    p = subprocess.run([f"{h.BUILD}/modelserver", "--port", "0", *args], capture_output=True,
                       text=True, timeout=30, env=dict(os.environ, **env))
    h.check(p.returncode == 2 and says in p.stderr, f"refused with exit 2: {says}")

# -- a recording Grafana -----------------------------------------------------------
class FakeGrafana:
    """Keeps data sources and dashboards as Grafana would, records every
    request (method, path, auth, JSON body)."""

    def __init__(self, user="admin", password="admin"):
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.requests = []
        self.datasources = {}   # uid -> object with id
        self.dashboards = {}    # uid -> dashboard with id and version
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _answer(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                body = json.loads(raw) if raw else None
                with fake.lock:
                    fake.requests.append({"method": self.command, "path": self.path,
                                          "auth": self.headers.get("Authorization"),
                                          "type": self.headers.get("Content-Type"),
                                          "body": body})
                    if self.headers.get("Authorization") != fake.auth:
                        return self._answer(401, {"message": "invalid username or password"})
                    return self._answer(*fake.route(self.command, self.path, body))

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def route(self, method, path, body):
        if method == "GET" and path.startswith("/api/datasources/uid/"):
            d = self.datasources.get(path.rsplit("/", 1)[1])
            return (200, d) if d else (404, {"message": "Data source not found"})
        if method == "POST" and path == "/api/datasources":
            if any(d["name"] == body["name"] for d in self.datasources.values()):
                return 409, {"message": "data source with the same name already exists"}
            d = dict(body, id=len(self.datasources) + 1)
            self.datasources[body["uid"]] = d
            return 200, {"datasource": d, "id": d["id"], "message": "Datasource added"}
        if method == "PUT" and path.startswith("/api/datasources/"):
            ident = int(path.rsplit("/", 1)[1])
            for uid, d in self.datasources.items():
                if d["id"] == ident:
                    self.datasources[uid] = dict(body, id=ident)
                    return 200, {"message": "Datasource updated", "id": ident}
            return 404, {"message": "Data source not found"}
        if method == "GET" and path.startswith("/api/dashboards/uid/"):
            d = self.dashboards.get(path.rsplit("/", 1)[1])
            return (200, {"dashboard": d, "meta": {"slug": "model-server"}}) if d else \
                (404, {"message": "Dashboard not found"})
        if method == "POST" and path == "/api/dashboards/db":
            dash = body["dashboard"]
            old = self.dashboards.get(dash["uid"])
            if old and not body.get("overwrite"):
                return 412, {"status": "version-mismatch"}
            stored = dict(dash, id=old["id"] if old else 7,
                          version=old["version"] + 1 if old else 1)
            self.dashboards[dash["uid"]] = stored
            return 200, {"id": stored["id"], "uid": dash["uid"], "status": "success",
                         "url": f"/d/{dash['uid']}/model-server", "version": stored["version"]}
        return 404, {"message": "Not found"}

    def take(self):
        with self.lock:
            out, self.requests = self.requests, []
        return out


def start_server(*extra, env=None, name="server"):
    port = h.free_port()
    p = h.start([f"{h.BUILD}/modelserver", "--brokers", b, "--port", str(port), *extra],
                name, env=env)
    p.port = port
    return p


def set_up(server, timeout=30):
    h.wait_for("Grafana set up", lambda: "is set up" in h.read_log(server), timeout=timeout)


broker = h.start_broker(partitions=2)
b = broker.address
grafana = FakeGrafana()
AUTH = "Basic " + base64.b64encode(b"admin:admin").decode()
g_args = ["--grafana-host", "127.0.0.1", "--grafana-port", str(grafana.port),
          "--grafana-influxdb-url", "http://influxdb:8086"]

# -- first start: both created -------------------------------------------------
s1 = start_server(*g_args)
set_up(s1)
reqs = grafana.take()
h.check([(r["method"], r["path"]) for r in reqs] == [
    ("GET", "/api/datasources/uid/modelserver-influxdb"), ("POST", "/api/datasources"),
    ("GET", "/api/dashboards/uid/modelserver"), ("POST", "/api/dashboards/db")],
    "first start: looks up, creates the data source, looks up, creates the dashboard")
h.check(all(r["auth"] == AUTH for r in reqs), "every request has basic auth admin:admin")
ds_body = reqs[1]["body"]
h.check(reqs[1]["type"] == "application/json" and ds_body["name"] == ds["name"]
        and ds_body["uid"] == ds["uid"] and ds_body["type"] == "influxdb"
        and ds_body["access"] == ds["access"] and ds_body["database"] == "serving"
        and ds_body["jsonData"] == ds["jsonData"] and ds_body["url"] == "http://influxdb:8086",
        "the data source posted is the provisioning file's, at --grafana-influxdb-url")
dash_body = reqs[3]["body"]
posted = dict(dash_body["dashboard"])
h.check(dash_body["overwrite"] is True and posted.pop("id") is None and posted == DASHBOARD,
        "the dashboard posted is deploy/grafana/dashboards/modelserver.json (id null, overwrite)")
h.check(h.stop(s1) == 0, "the server exits 0")

# -- second start (the seed's config file layout): nothing to change -------------------
conf = os.path.join(h.tmpdir(), "application.conf")
with open(conf, "w") as f:
    f.write(f'grafana {{\n  host = "127.0.0.1"\n  port = {grafana.port}\n'
            f'  influxdb_url = "http://influxdb:8086"\n}}\n')
s2 = start_server("--config", conf, name="server2")
set_up(s2)
reqs = grafana.take()
h.check([(r["method"], r["path"]) for r in reqs] == [
    ("GET", "/api/datasources/uid/modelserver-influxdb"), ("GET", "/api/dashboards/uid/modelserver")],
    "second start: both found equal, nothing posted")
h.check(len(grafana.datasources) == 1 and len(grafana.dashboards) == 1
        and grafana.dashboards["modelserver"]["version"] == 1,
        "still one data source and one dashboard, version 1")
h.check(h.stop(s2) == 0, "the second server exits 0")

# -- another InfluxDB URL: the data source is updated in place ---------------------------
s3 = start_server(*g_args[:-1], "http://influx2:8086", name="server3")
set_up(s3)
reqs = grafana.take()
h.check([(r["method"], r["path"]) for r in reqs] == [
    ("GET", "/api/datasources/uid/modelserver-influxdb"), ("PUT", "/api/datasources/1"),
    ("GET", "/api/dashboards/uid/modelserver")]
    and reqs[1]["body"]["url"] == "http://influx2:8086"
    and grafana.datasources["modelserver-influxdb"]["url"] == "http://influx2:8086",
    "a changed InfluxDB URL updates data source 1 in place")
h.check(h.stop(s3) == 0, "the third server exits 0")

# -- a changed dashboard is overwritten ---------------------------------------------
grafana.dashboards["modelserver"]["title"] = "edited by hand"
s4 = start_server(*g_args[:-1], "http://influx2:8086", name="server4")
set_up(s4)
reqs = grafana.take()
h.check([(r["method"], r["path"]) for r in reqs][-1] == ("POST", "/api/dashboards/db")
        and grafana.dashboards["modelserver"]["title"] == DASHBOARD["title"]
        and grafana.dashboards["modelserver"]["version"] == 2,
        "a dashboard changed in Grafana is overwritten with ours (version 2)")
h.check(h.stop(s4) == 0, "the fourth server exits 0")

# -- wrong password, dead and silent Grafanas: scoring is not held up ------------------------
data = h.demo_data()
subprocess.run(h.publisher(b, "--no-data", "--once", "--models",
                           os.path.join(data, "demoLinearRegression.pmml")),
               check=True, capture_output=True)
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(16)   # accepts connections, never answers
dead_port = h.free_port()
cases = [("wrong password", grafana.port, {"GRAFANA_PASSWORD": "wrong"}, "HTTP 401"),
         ("dead", dead_port, {}, "Couldn't connect"),
         ("silent", silent.getsockname()[1], {"GRAFANA_TIMEOUT": "2s"}, "timed out")]
scored = 0
for what, port, env, reason in cases:
    t0 = time.time()
    s = start_server("--grafana-host", "127.0.0.1", "--grafana-port", str(port),
                     "--grafana-influxdb-url", "http://influxdb:8086", "--group", f"g-{what[:4]}",
                     env=env, name=f"server-{what[:4]}")
    h.wait_for(f"{what}: server HTTP", lambda: h.http_get(s.port, "/stats", quiet=True), timeout=10)
    ready = time.time() - t0
    subprocess.run(h.publisher(b, "--no-models", "--data-file",
                               os.path.join(data, "winequality_demo.csv"), "--count", "200",
                               "--data-interval", "0"), check=True, capture_output=True)
    scored += 200
    h.wait_for(f"{what}: {scored} records scored", lambda: h.scored(s.port) == scored, timeout=30)
    h.wait_for(f"{what}: the failed attempt logged",
               lambda: "set-up attempt 1 of 5 failed" in h.read_log(s), timeout=15)
    line = [ln for ln in h.read_log(s).splitlines() if "attempt 1 of 5 failed" in ln][0]
    h.check(reason in line and "trying again in 1 s" in line,
            f"Grafana {what}: ready in {ready:.1f} s, all records scored, '{reason}' logged, retrying")
    if what == "dead":
        h.wait_for("the give-up line", lambda: "gave up setting up Grafana after 5 attempts"
                   in h.read_log(s), timeout=40)
        h.check(h.read_log(s).count("set-up attempt") == 4,
                "Grafana dead: 5 attempts (1, 2, 4, 8 s apart), then one line giving up")
    t0 = time.time()
    h.check(h.stop(s) == 0 and time.time() - t0 < 5, f"Grafana {what}: stops at once")
silent.close()
wrong = [r for r in grafana.take() if r["auth"] != AUTH]
h.check(wrong and all(r["method"] == "GET" for r in wrong),
        "with the wrong password only look-ups were tried, nothing posted")
print("1 passed, 0 failed")
