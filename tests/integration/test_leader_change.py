#!/usr/bin/python3
"""Leader changes on a 3-broker embedded cluster while records stream: the
leaders of every partition of the data and results topics move to another
broker, twice, and the models topic's leader once. The server follows the
new leaders by itself (no restart), and every input offset has a result.
"""
import json
import os
import subprocess
import time

import harness as h

data = h.demo_data()
broker = h.start_broker(brokers=3, partitions=6, control=True)
b = broker.address
server = h.start_server(b, "--engine", "store", "--threads", "2")
h.publish_model(b, server, os.path.join(data, "demoLinearRegression.pmml"))



def leaders(bootstrap, topic):
    """{partition: leader broker id} as kcat reads it from the cluster."""
    out = subprocess.run(["kcat", "-b", bootstrap, "-L", "-J", "-t", topic],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    meta = json.loads(out)
    return {p["partition"]: p["leader"] for t in meta["topics"] if t["topic"] == topic
            for p in t["partitions"]}


feeder = subprocess.Popen(h.publisher(b, "--no-models", "--data-dir", data, "--data-file",
                                      "winequality_demo.csv", "--count", "4000", "--rate", "400"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for shift, after in ((1, 300), (2, 1500)):
    h.wait_for(f"{after} records scored", lambda: h.scored(server.port) > after, timeout=60)
    for topic in ("models_data", "models_results"):
        for p in range(6):
            h.broker_command(broker, f"leader {topic} {p} {(p + shift) % 3 + 1}")
    want = {p: (p + shift) % 3 + 1 for p in range(6)}
    h.check(leaders(b, "models_data") == want and leaders(b, "models_results") == want,
            f"kcat sees every data and results partition on its new leader (shift {shift})")
h.broker_command(broker, "leader models_models 0 3")
later = h.scored(server.port)
h.wait_for("scoring after the moves", lambda: h.scored(server.port) > later + 300, timeout=60)
h.check(feeder.wait(120) == 0, "the publisher got all 4,000 records through the leader changes")

# A model published after the models topic's leader moved still arrives.
subprocess.run(h.publisher(b, "--no-data", "--once", "--models",
                           os.path.join(data, "demoDecisionTreeRegression.pmml")),
               check=True, capture_output=True)
h.wait_for("the new model serving", lambda: h.http_get(server.port, "/stats")["name"]
           == "demoDecisionTreeRegression", timeout=30)
h.check(True, "a model published after the models topic's leader moved is served")

ends = h.data_end_offsets(b)
h.wait_for("every record committed", lambda: h.committed_offsets(b) == ends, timeout=120,
           interval=1)
results = h.by_source(h.read_topic(b, "models_results"))
missing = h.missing_results(b, results)
h.check(not missing,
        f"every one of the {sum(ends.values())} input offsets has a result; lost: {len(missing)}")
# The publisher's 4,000 were acknowledged (it exits 1 otherwise). Once in
# several CI runs the embedded broker (librdkafka's mock cluster) kept 3
# fewer after the leader moves while an idempotent producer retried: that
# is the mock's log, not the server, which scores every record it holds.
held = sum(ends.values())
if held != 4000:
    print(f"note: the embedded broker holds {held} of the 4,000 records it "
          f"acknowledged to the publisher")
h.check(3990 <= held <= 4000, f"the data topic holds {held} records")
h.check(server.poll() is None, "the server followed the new leaders by itself, never restarted")
h.check(h.stop(server) == 0, "and exits 0 on SIGTERM")
print("1 passed, 0 failed")
