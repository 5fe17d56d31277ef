#!/usr/bin/python3
"""A real Prometheus (Debian's prometheus) scrapes /metrics every second:
its own parser accepts our exposition, and queries through its HTTP API
(/api/v1/query) return our counters with the values the records published
give: 30,000 records scored, 25 malformed, the model loaded, a latency
histogram whose count is the records scored, lag per partition (seen
above 0 during a burst, 0 once caught up), and HTTP requests by route.
"""
import json
import os
import shutil
import time
import urllib.parse
import urllib.request

import harness as h
from kafka import KafkaProducer

if not shutil.which("prometheus"):
    h.skip("prometheus is not installed (scripts/deps.sh installs it)")

RECORDS = 30000
data = h.demo_data()
broker = h.start_broker(partitions=2)
server = h.start_server(broker.address)
pub = h.start(h.publisher(broker.address, "--once", "--no-data", "--models",
                          os.path.join(data, "demoDecisionTreeClassification.pmml")), "pub-model")
h.check(pub.wait(30) == 0, "the tree published")
h.wait_for("the model serving", lambda: h.http_get(server.port, "/stats")["name"] != "None")
pub = h.start(h.publisher(broker.address, "--no-models", "--count", str(RECORDS),
                          "--data-interval", "0",
                          "--data-file", os.path.join(data, "winequality_demo.csv")), "pub-data")
# While the burst is consumed, /metrics shows the backlog per partition.
lags, deadline = [], time.time() + 60
while (pub.poll() is None or h.scored(server.port) < RECORDS) and time.time() < deadline:
    m = h.metrics(server.port)
    lags.append(max((v for k, v in m.items() if k.startswith("modelserver_consumer_lag")), default=0))
    time.sleep(0.005)
h.check(pub.wait(30) == 0, f"{RECORDS} records published")
h.check(max(lags) > 0, f"consumer lag seen while the burst was consumed (at most {max(lags):.0f}, "
                       f"{len(lags)} scrapes)")
prod = KafkaProducer(bootstrap_servers=broker.address, acks="all")
for i in range(25):
    prod.send("models_data", b"\xff\xfenot a record %d" % i)
prod.flush()
h.wait_for("everything counted", lambda: h.scored(server.port) == RECORDS and h.metrics(server.port).get(
    'modelserver_records_total{outcome="malformed"}') == 25)

work = h.tmpdir()
prom_port = h.free_port()
with open(os.path.join(work, "prometheus.yml"), "w") as f:
    f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: modelserver
    scrape_interval: 1s
    static_configs:
      - targets: ["127.0.0.1:{server.port}"]
""")
prom = h.start(["prometheus", f"--config.file={work}/prometheus.yml",
                f"--storage.tsdb.path={work}/tsdb", f"--web.listen-address=127.0.0.1:{prom_port}"],
               "prometheus")


def query(expr):
    url = f"http://127.0.0.1:{prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            doc = json.load(r)
    except Exception:  # noqa: BLE001 - not up yet
        return None
    return doc["data"]["result"] if doc.get("status") == "success" else None


def value(expr):
    res = query(expr)
    return float(res[0]["value"][1]) if res else None


h.wait_for("Prometheus scraping us", lambda: value('up{job="modelserver"}') == 1, timeout=60)
h.check(True, "Prometheus scrapes /metrics: up == 1")
h.wait_for("a scrape after the records", lambda: value(
    'modelserver_records_total{outcome="scored"}') == RECORDS, timeout=30)
h.check(value('modelserver_records_total{outcome="malformed"}') == 25,
        "modelserver_records_total{outcome=malformed} is 25")
h.check(value('modelserver_data_type_records_total{data_type="wine",outcome="scored"}') == RECORDS,
        f"scored by data type: wine {RECORDS}")
h.check(value('modelserver_model_loads_total{data_type="wine",outcome="loaded"}') == 1 and
        value('modelserver_model_updates_total{outcome="loaded"}') == 1, "one model loaded")
h.check(value('modelserver_scoring_duration_seconds_count{model="demoDecisionTreeClassification"}')
        == RECORDS, f"the latency histogram counts the {RECORDS} records")
p99 = value('histogram_quantile(0.99, modelserver_scoring_duration_seconds_bucket)')
h.check(p99 is not None and 0 < p99 < 0.1, f"histogram_quantile over our buckets: p99 {p99 * 1e6:.2f} us")
lag = query('modelserver_consumer_lag')
h.check(sorted(r["metric"]["partition"] for r in lag) == ["0", "1"] and
        all(float(r["value"][1]) == 0 for r in lag), "lag of both partitions, 0 once caught up")
h.check(value('sum(modelserver_http_requests_total{route="metrics",status="200"})') >= 1,
        "HTTP requests by route (Prometheus' own scrapes of /metrics)")
h.check(value('modelserver_ready') == 1 and value('modelserver_instances') == 1,
        "ready, one instance")
prom.terminate()
prom.wait(15)
h.check(h.stop(server) == 0, "the server stops cleanly (exit 0)")
print("1 passed, 0 failed")
