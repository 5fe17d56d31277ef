#!/usr/bin/python3
"""The seed's queryable state and instance discovery, on three instances
sharing one embedded broker.

/stats and /state/{storeName}/value against the model published, unknown
stores 404; /state/instances lists every instance within seconds of its
start, with the data partitions each holds (together: every partition,
once); an instance stopped with SIGTERM disappears at once (its
tombstone), one killed with SIGKILL after three missed heartbeats; /models
shows the load history with a failed load's reason; /health/ready turns
503 while a data type's only published model failed to load.
"""
import os
import signal
import time

import harness as h

data = h.demo_data()
broker = h.start_broker(partitions=6)
# Fast heartbeats, and a fast consumer group (as test_scaleout), so that
# partitions move within seconds.
beat = ["--heartbeat-interval", "500ms",
        "--kafka-property", "session.timeout.ms=6000,heartbeat.interval.ms=500"]
servers = [h.start_server(broker.address, *beat, "--advertised-host", "127.0.0.1",
                          *(["--engine", "store", "--threads", "2"] if i == 1 else []),
                          name=f"server{i}") for i in range(3)]
ports = sorted(s.port for s in servers)


def instances(port, path="/state/instances"):
    status, doc = h.http_json(port, "GET", path)
    return doc if status == 200 else None


def ports_seen(port):
    return sorted(i["port"] for i in instances(port) or [])


def partitions_settled(port):
    doc = instances(port) or []
    parts = sorted(p for i in doc for p in i["partitions"])
    return doc if len(doc) == len(servers) and parts == list(range(6)) else None


for s in servers:
    h.wait_for(f"instance {s.port} seeing all three", lambda: ports_seen(s.port) == ports,
               timeout=15)
h.check(True, "every instance lists all three instances")
doc = h.wait_for("the six partitions shared out", lambda: partitions_settled(ports[0]),
                 timeout=30)
h.check(all(set(i) >= {"host", "port", "storeNames", "partitions"} and
            i["host"] == "127.0.0.1" and i["storeNames"] == ["modelStore"] and
            all(p in i["partitions"] for p in i["partitions"]) for i in doc),
        "each instance has host, port, storeNames [modelStore] and its partitions")
h.check(all(len(i["partitions"]) == 2 for i in doc),
        f"each holds two partitions: {[(i['port'], i['partitions']) for i in doc]}")
h.check({i["port"]: i["engine"] for i in doc}[servers[1].port] == "store",
        "the engine of each instance is listed")
h.check(instances(ports[0], "/state/instances/modelStore") == instances(ports[0]),
        "/state/instances/modelStore lists the same instances")
status, err = h.http_json(ports[0], "GET", "/state/instances/otherStore")
h.check(status == 404 and "otherStore" in err["error"], "an unknown store is 404 with a JSON error")

# A model, then a few records: the value of the store is that model's.
pub = h.start(h.publisher(broker.address, "--once", "--no-data", "--models",
                          os.path.join(data, "demoLinearRegression.pmml")), "publish-model")
h.check(pub.wait(30) == 0, "a model published")
# Records that came before an instance had the model would be (rightly)
# counted as unserved: publish them once every instance serves it.
h.wait_for("every instance serving the model", lambda: all(
    (h.http_get(s.port, "/stats", quiet=True) or {}).get("name") == "demoLinearRegression"
    for s in servers))
pub = h.start(h.publisher(broker.address, "--data-file",
                          os.path.join(data, "winequality_demo.csv"),
                          "--no-models", "--count", "300", "--data-interval", "0"),
              "publish-data")
h.check(pub.wait(30) == 0, "300 records published")
h.wait_for("300 records scored by the three",
           lambda: sum(h.scored(s.port) for s in servers) == 300)
for s in servers:
    stats = h.http_get(s.port, "/stats")
    status, value = h.http_json(s.port, "GET", "/state/modelStore/value")
    h.check(status == 200 and value["name"] == "demoLinearRegression" and
            value["invocations"] == stats["usage"] == h.scored(s.port) and
            value["since"] == stats["since"] and value["description"] == "generated from SparkML"
            and set(value) == {"name", "description", "since", "invocations", "duration",
                               "min", "max"},
            f"instance {s.port}: /state/modelStore/value is the seed's shape "
            f"({value['invocations']} invocations, like /stats and /metrics)")
status, err = h.http_json(ports[0], "GET", "/state/nope/value")
h.check(status == 404 and "error" in err, "/state/nope/value is 404")

# A model that does not load: history and readiness.
status, _ = h.http_json(ports[0], "GET", "/health/ready")
h.check(status == 200, "ready while every data type has a model")
from kafka import KafkaProducer  # noqa: E402
prod = KafkaProducer(bootstrap_servers=broker.address, acks="all")
prod.send("models_models", h.encode_model("brokenCider", "cider", 1, data=b"<PMML>not really"))
prod.flush()
h.wait_for("the failed load in /models", lambda: any(
    m["dataType"] == "cider" for m in h.http_json(ports[0], "GET", "/models")[1]))
models = {m["dataType"]: m for m in h.http_json(ports[0], "GET", "/models")[1]}
cider, wine = models["cider"], models["wine"]
h.check(cider["model"] is None and cider["loads"] == 1 and cider["loadsFailed"] == 1 and
        cider["history"][0]["name"] == "brokenCider" and not cider["history"][0]["loaded"]
        and "brokenCider" in cider["history"][0]["reason"],
        f"/models: cider has no model and its failed load with the reason "
        f"({cider['history'][0]['reason'][:60]}...)")
h.check(wine["model"]["name"] == "demoLinearRegression" and wine["history"][0]["loaded"]
        and wine["model"]["modelType"] == "PMML" and wine["loadsFailed"] == 0,
        "/models: wine serves the linear regression, loaded")
status, doc = h.http_json(ports[0], "GET", "/health/ready")
h.check(status == 503 and "cider" in doc["reason"],
        f"not ready while cider's only model failed: {doc['reason']}")
prod.send("models_models", h.encode_model("ciderModel", "cider", 1,
                                          data=open(os.path.join(data, "demoLinearRegression.pmml"), "rb").read()))
prod.flush()
h.wait_for("ready again", lambda: h.http_json(ports[0], "GET", "/health/ready")[0] == 200)
h.check(True, "ready again once cider has a model")
status, doc = h.http_json(ports[0], "GET", "/health/live")
h.check(status == 200 and doc == {"status": "live"}, "/health/live")

# Leaving: SIGTERM (tombstone) and SIGKILL (missed heartbeats).
t0 = time.time()
h.check(h.stop(servers[2]) == 0, "the third instance stops with SIGTERM")
h.wait_for("the stopped instance gone", lambda: servers[2].port not in ports_seen(servers[0].port) and
           servers[2].port not in ports_seen(servers[1].port), timeout=10)
h.check(True, f"its leave is seen {time.time() - t0:.1f}s after SIGTERM")


def two_hold_all():
    doc = instances(servers[0].port) or []
    parts = sorted(p for i in doc for p in i["partitions"])
    return doc if len(doc) == 2 and parts == list(range(6)) else None


doc = h.wait_for("its partitions taken over", two_hold_all, timeout=30)
h.check(True, f"the two left list its partitions within {time.time() - t0:.1f}s: "
              f"{[(i['port'], i['partitions']) for i in doc]}")
t0 = time.time()
os.kill(servers[1].pid, signal.SIGKILL)
servers[1].wait()
h.wait_for("the killed instance gone", lambda: ports_seen(servers[0].port) == [servers[0].port],
           timeout=10)
gone = time.time() - t0
h.check(1.0 <= gone <= 5.0, f"a SIGKILLed instance is dropped after missed heartbeats ({gone:.1f}s)")
h.check(h.stop(servers[0]) == 0, "the last instance stops cleanly")
print("1 passed, 0 failed")
