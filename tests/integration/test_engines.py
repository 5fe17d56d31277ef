#!/usr/bin/python3
"""Both engines side by side on one broker, each in its own consumer group
with its own results topic, fed the same stream: the full data set is
scored; a model swap mid-stream leaves no record unscored and switches once
per partition; an unknown data type is counted per type and skipped; a model
that fails to load leaves the current one serving; and records scored by the
same model get identical results from both engines.
"""
import os
import subprocess

import harness as h
from kafka import KafkaProducer

data = h.demo_data()
csv = os.path.join(data, "winequality_demo.csv")
linear = os.path.join(data, "demoLinearRegression.pmml")
tree = os.path.join(data, "demoDecisionTreeClassification.pmml")
broker = h.start_broker(partitions=6)
b = broker.address
servers = {
    "stage": h.start_server(b, "--engine", "stage", "--group", "g-stage",
                            "--results-topic", "results_stage", name="stage"),
    "store": h.start_server(b, "--engine", "store", "--threads", "3", "--group", "g-store",
                            "--results-topic", "results_store",
                            "--dead-letter-topic", "rejected_store", name="store"),
}


def publish_model(path):
    subprocess.run(h.publisher(b, "--no-data", "--once", "--models", path),
                   check=True, capture_output=True)


def publish_records(count, *rate):
    return subprocess.Popen(h.publisher(b, "--no-models", "--data-file", csv, "--count",
                                        str(count), *(rate or ("--data-interval", "0"))),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def all_scored(n):
    for name, s in servers.items():
        h.wait_for(f"{name}: {n} records scored", lambda: h.scored(s.port) == n, timeout=90)


publish_model(linear)
for name, s in servers.items():
    h.wait_for(f"{name} serving the linear model",
               lambda: h.http_get(s.port, "/stats")["name"] == "demoLinearRegression")
WARMUP = 100
publish_records(WARMUP).wait(30)
all_scored(WARMUP)

# The whole data set at 1,000 records/s; the tree is published once both
# engines have scored part of it with the linear model.
feeder = publish_records(1599, "--rate", "1000")
for name, s in servers.items():
    h.wait_for(f"{name} scoring the stream",
               lambda: h.http_get(s.port, "/stats")["usage"] >= WARMUP + 200)
publish_model(tree)
h.check(feeder.wait(60) == 0, "the data set was published")
TOTAL = WARMUP + 1599
all_scored(TOTAL)
for name, s in servers.items():
    st = h.http_get(s.port, "/stats")
    h.check(st["name"] == "demoDecisionTreeClassification" and 0 < st["usage"] < 1599,
            f"{name}: the tree took over mid-stream ({st['usage']} records)")

# An unknown data type, and a model that does not load.
producer = KafkaProducer(bootstrap_servers=b, acks="all")
for i in range(20):
    producer.send("models_data", h.encode_wine([7.0] * 11, data_type="beer"))
producer.send("models_models", h.encode_model("broken", "wine", 1, data=b"<PMML><Header"))
producer.flush()
for name, s in servers.items():
    h.wait_for(f"{name}: beer records counted",
               lambda: h.metrics(s.port).get('modelserver_unserved_records_total{data_type="beer"}') == 20)
    h.wait_for(f"{name}: broken model rejected",
               lambda: h.metrics(s.port).get('modelserver_model_updates_total{outcome="failed"}') == 1)
    h.check(h.http_get(s.port, "/stats")["name"] == "demoDecisionTreeClassification",
            f"{name}: the tree keeps serving after a model that fails to load")
publish_records(200).wait(30)
TOTAL += 200
all_scored(TOTAL)

# Every input offset but the 20 unserved ones has exactly one result.
results = {}
for name, s in servers.items():
    h.wait_for(f"{name}: results delivered",
               lambda: h.metrics(s.port).get('modelserver_results_total{outcome="delivered"}') == TOTAL)
    res = h.results_by_offset(b, TOTAL, topic=f"results_{name}")
    missing = h.missing_results(b, res)
    h.check(len(missing) == 20 and all(len(v) == 1 for v in res.values()),
            f"{name}: one result per input offset except the 20 unserved records")
    for p in {p for p, _ in res}:
        seq = [res[k][0]["modelName"] for k in sorted(k for k in res if k[0] == p)]
        switches = sum(1 for x, y in zip(seq, seq[1:]) if x != y)
        h.check(switches <= 1, f"{name}: partition {p} switched models {switches} time(s)")
    results[name] = res

same_model = [k for k in results["stage"]
              if results["stage"][k][0]["modelName"] == results["store"].get(k, [{}])[0].get("modelName")]
identical = all(results["stage"][k][0]["result"] == results["store"][k][0]["result"] and
                results["stage"][k][0]["probabilities"] == results["store"][k][0]["probabilities"]
                for k in same_model)
h.check(len(same_model) > TOTAL // 2 and identical,
        f"identical results from both engines for the {len(same_model)} records scored by the same model")
# The store engine forwarded its 20 rejects, with their reasons.
dead = []
from kafka import KafkaConsumer
c = KafkaConsumer("rejected_store", bootstrap_servers=b, auto_offset_reset="earliest",
                  consumer_timeout_ms=3000)
dead = [(m.value, dict(m.headers)) for m in c]
c.close()
h.check(len(dead) == 20 and all(hd.get("reject.kind") == b"unserved" and
                                b"'beer'" in hd.get("reject.reason", b"") and
                                hd.get("source.topic") == b"models_data" for _, hd in dead),
        "the store engine sent the 20 unserved records to its dead-letter topic with reasons")
h.check(h.metrics(servers["store"].port).get("modelserver_dead_letters_total") == 20,
        "and counted them")
for name, s in servers.items():
    h.check(h.stop(s) == 0, f"{name}: exits 0 on SIGTERM")
print("1 passed, 0 failed")
