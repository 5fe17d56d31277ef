#!/usr/bin/python3
"""The whole Kafka cluster gone for 30 seconds: every broker of a 3-broker
embedded cluster is taken down while the publisher keeps producing (its
records wait in its client and go out when the brokers are back), then
brought up again. The server, never restarted, says so in one log line
when the outage starts and one when it ends, shows it in /health,
/health/ready and /metrics while it lasts, reconnects by itself, and every
record on the data topic gets a result.
"""
import json
import os
import re
import subprocess
import time

import harness as h

OUTAGE_S = 30
BROKERS = (1, 2, 3)

data = h.demo_data()
broker = h.start_broker(brokers=len(BROKERS), partitions=3, control=True)
b = broker.address
server = h.start_server(b, "--engine", "store", "--threads", "2")
h.publish_model(b, server, os.path.join(data, "demoLinearRegression.pmml"))


def health():
    return json.loads(h.http_get(server.port, "/health") or "{}")


def ready():
    status, _, body = h.http(server.port, "GET", "/health/ready")
    return status, json.loads(body)


h.check(health().get("status") == "ok" and health()["kafka"]["reachable"] is True,
        "/health says ok and Kafka reachable before the outage")

# 250 records/s for 60 s: about 8 s before, 30 s during and the rest after
# the outage.
COUNT = 15000
feeder = subprocess.Popen(h.publisher(b, "--no-models", "--data-dir", data, "--data-file",
                                      "winequality_demo.csv", "--count", str(COUNT),
                                      "--rate", "250"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
h.wait_for("scoring", lambda: h.scored(server.port) > 1000, timeout=60)

log_before = len(h.read_log(server).splitlines())
down_at = time.time()
for i in BROKERS:
    h.broker_command(broker, f"down {i}")
h.wait_for("/health to report the outage",
           lambda: health().get("kafka", {}).get("reachable") is False, timeout=10)
doc = health()
h.check(doc["status"] == "degraded" and doc["kafka"]["brokersUp"] == 0
        and doc["kafka"]["outages"] == 1,
        f"/health: degraded, no broker up, outage 1 ({doc['kafka']})")
status, body = ready()
h.check(status == 503 and "no Kafka broker reachable" in body["reason"],
        f"/health/ready answers 503: {body['reason']}")
m = h.metrics(server.port)
h.check(m.get("modelserver_kafka_reachable") == 0 and m.get("modelserver_kafka_outages_total") == 1
        and m.get("modelserver_ready") == 0,
        "/metrics: modelserver_kafka_reachable 0, modelserver_kafka_outages_total 1, ready 0")
time.sleep(5)
frozen = h.scored(server.port)
time.sleep(max(0.0, down_at + OUTAGE_S - 3 - time.time()))
h.check(h.scored(server.port) == frozen, f"nothing is scored while the cluster is down "
                                         f"({frozen:.0f} scored, unchanged)")
doc = health()
h.check(doc["kafka"]["outageSeconds"] >= OUTAGE_S - 5,
        f"/health counts the outage's length ({doc['kafka']['outageSeconds']:.1f} s)")
while time.time() - down_at < OUTAGE_S:
    time.sleep(0.2)
for i in BROKERS:
    h.broker_command(broker, f"up {i}")
up_at = time.time()
h.log(f"cluster was down for {up_at - down_at:.1f} s")

h.wait_for("Kafka reachable again", lambda: health().get("kafka", {}).get("reachable"),
           timeout=30)
h.wait_for("/health/ready 200 again", lambda: ready()[0] == 200, timeout=30)
h.wait_for("scoring again", lambda: h.scored(server.port) > frozen + 500, timeout=60)
h.check(health()["status"] == "ok", "/health says ok again")

lines = h.read_log(server).splitlines()[log_before:]
outage = [l for l in lines if "no Kafka broker is reachable" in l]
back = [l for l in lines if "Kafka reachable again after" in l]
h.check(len(outage) == 1 and " ERROR " in outage[0] and "none is lost" in outage[0]
        and "check that the brokers are running" in outage[0],
        f"one ERROR line when the outage starts, saying what to do: {outage[0][24:]}")
secs = float(re.search(r"after ([0-9.]+) s", back[0]).group(1)) if back else 0
h.check(len(back) == 1 and OUTAGE_S - 2 <= secs <= OUTAGE_S + 5,
        f"one line when it ends, with its length: {back[0][24:] if back else None}")
during = [l for l in lines if l[:19] >= time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(down_at))
          and l[:19] <= time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(up_at))]
h.log("log lines during the outage:\n  " + "\n  ".join(l[:200] for l in during))
h.check(len(during) <= 10, f"{len(during)} log line(s) during the 30 s outage, "
                           f"not one per retry of every client")

h.check(feeder.wait(120) == 0, f"the publisher got all {COUNT} records through the outage")
ends = h.data_end_offsets(b)
h.wait_for("every record committed", lambda: h.committed_offsets(b) == ends, timeout=120,
           interval=1)
results = h.by_source(h.read_topic(b, "models_results"))
missing = h.missing_results(b, results)
h.check(sum(ends.values()) == COUNT and not missing,
        f"every one of the {sum(ends.values())} input offsets has a result; lost: {len(missing)}, "
        f"duplicates: {sum(len(v) - 1 for v in results.values())}")
h.check(h.metrics(server.port).get("modelserver_kafka_outages_total") == 1,
        "modelserver_kafka_outages_total is 1")
h.check(server.poll() is None, "the server recovered by itself, never restarted")
h.check(h.stop(server) == 0, "and exits 0 on SIGTERM")
print("1 passed, 0 failed")
