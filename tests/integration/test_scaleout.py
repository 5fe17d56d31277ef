#!/usr/bin/python3
"""Scale-out on Kafka: three instances in one consumer group on a 6-partition
data topic of a 3-broker embedded cluster. All partitions are served (every
instance scores records); one instance is stopped mid-stream and the others
take its partitions over; every input offset ends with a result. Every
instance serves the model, read from the whole models topic.
"""
import os
import re
import subprocess
import time

import harness as h

data = h.demo_data()
broker = h.start_broker(brokers=3, partitions=6)
b = broker.address
props = ("--kafka-property", "session.timeout.ms=6000,heartbeat.interval.ms=500")
servers = [h.start_server(b, "--engine", "store" if i % 2 else "stage", "--threads", "2",
                          *props, name=f"server{i}") for i in range(3)]
subprocess.run(h.publisher(b, "--no-data", "--once", "--models",
                           os.path.join(data, "demoDecisionTreeRegression.pmml")),
               check=True, capture_output=True)
for i, s in enumerate(servers):
    h.wait_for(f"instance {i} serving the model",
               lambda: h.http_get(s.port, "/stats")["name"] == "demoDecisionTreeRegression")
h.check(True, "every instance serves the model published once")


def assigned(s):
    log = h.read_log(s)
    return log.rfind("assigned 2 partition(s)") > log.rfind("revoked")


h.wait_for("the 6 partitions shared out 2 by 2", lambda: all(assigned(s) for s in servers),
           timeout=60)
h.check(True, "each of the 3 instances holds 2 of the 6 partitions")

feeder = subprocess.Popen(h.publisher(b, "--no-models", "--data-dir", data, "--data-file",
                                      "winequality_demo.csv", "--count", "6000", "--rate", "600",
                                      # keyed round-robin would be nicer; the sticky
                                      # partitioner still spreads batches over partitions
                                      ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
h.wait_for("all three instances scoring", lambda: all(h.scored(s.port) > 50 for s in servers),
           timeout=60)
h.check(True, "all three instances score records")
gone = servers.pop(1)
h.check(h.stop(gone) == 0, "instance 1 stopped cleanly mid-stream (SIGTERM)")
log = h.read_log(gone)
delivered = re.search(r"stopped: \d+ record\(s\) scored, (\d+) result\(s\) delivered", log)
h.check("stopping: delivering" in log and delivered and int(delivered.group(1)) > 0,
        "it delivered its in-flight results and committed before leaving the group")
h.wait_for("the other two take over", lambda: all(
    h.read_log(s).rfind("assigned 3 partition(s)") > h.read_log(s).rfind("revoked")
    for s in servers), timeout=60)
h.check(True, "the two remaining instances hold 3 partitions each")
h.check(feeder.wait(60) == 0, "6,000 records published")
ends = h.data_end_offsets(b)
h.wait_for("the group committed every record", lambda: h.committed_offsets(b) == ends,
           timeout=90, interval=1)
results = h.by_source(h.read_topic(b, "models_results"))
missing = h.missing_results(b, results)
h.check(not missing and sum(ends.values()) == 6000,
        f"every one of the 6,000 input offsets has a result "
        f"({sum(len(v) - 1 for v in results.values())} duplicate(s))")
h.check({p for p, _ in results} == set(range(6)), "results came from all 6 partitions")
for s in servers:
    h.check(h.stop(s) == 0, "a remaining instance exits 0")
print("1 passed, 0 failed")
