#!/usr/bin/python3
"""kill -9 during a model load: while records stream, a 33 MB PMML model
(a forest of 3,000 copies of the demo's regression tree, generated here;
it takes seconds to compile) is published by reference, and the server is
killed with SIGKILL while it loads it; the restarted instance (same
--state-dir) is killed again while it loads it during its catch-up. Each
time the server comes back serving the previous model (restored from the
checkpoint, never a half-built one), the third instance ends serving the
new model, and every record on the data topic has a result from one of
the two models.
"""
import os
import re
import signal
import subprocess
import time

import harness as h

TREES = 3000


def big_forest(tree_pmml, path):
    """A MiningModel averaging TREES copies of the TreeModel of tree_pmml:
    it predicts what the tree predicts, and compiles for seconds."""
    with open(tree_pmml) as f:
        src = f.read()
    head = src[:src.index("<TreeModel")]
    tree = src[src.index("<TreeModel"):src.index("</TreeModel>") + len("</TreeModel>")]
    schema = tree[tree.index("<MiningSchema>"):tree.index("</MiningSchema>") + len("</MiningSchema>")]
    with open(path, "w") as f:
        f.write(head + '<MiningModel functionName="regression">' + schema
                + '<Segmentation multipleModelMethod="average">')
        for i in range(TREES):
            f.write(f'<Segment id="{i + 1}"><True/>{tree}</Segment>')
        f.write("</Segmentation></MiningModel></PMML>\n")


data = h.demo_data()
state = h.tmpdir()
big = os.path.join(data, "bigForest.pmml")
big_forest(os.path.join(data, "demoDecisionTreeRegression.pmml"), big)
h.log(f"generated {big}: {os.path.getsize(big) / 1e6:.1f} MB")
broker = h.start_broker(partitions=3)
b = broker.address
OLD, NEW = "demoLinearRegression", "bigForest"


def server(i):
    # A killed member holds its partitions until its session times out.
    return h.start_server(b, "--engine", "store", "--threads", "2", "--state-dir", state,
                          "--kafka-property", "session.timeout.ms=3000,heartbeat.interval.ms=500",
                          name=f"server{i}")


def kill_while_loading(s, what):
    """Waits for the load of the big model's message to start, checks what
    serves meanwhile, and kills the server before the load ends."""
    h.wait_for(f"{what}: the big model's load starting",
               lambda: re.search(r"loading the model update at models_models\[0\]@1 ",
                                 h.read_log(s)), timeout=60, interval=0.02)
    serving = h.http_get(s.port, "/stats")["name"]
    s.send_signal(signal.SIGKILL)
    s.wait()
    log = h.read_log(s)
    h.check(f"now serving model '{NEW}'" not in log and "rejected" not in log,
            f"{what}: killed with SIGKILL while it was loading the big model")
    h.check(serving == OLD, f"{what}: while the big model loaded, '{serving}' served")


s = server(0)
h.publish_model(b, s, os.path.join(data, f"{OLD}.pmml"))
feeder = subprocess.Popen(h.publisher(b, "--no-models", "--data-dir", data, "--data-file",
                                      "winequality_demo.csv", "--count", "6000", "--rate", "300"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
h.wait_for("records being scored", lambda: h.scored(s.port) > 300, timeout=60)
subprocess.run(h.publisher(b, "--no-data", "--once", "--by-reference", "--models", big),
               check=True, capture_output=True)
kill_while_loading(s, "instance 0")

s = server(1)
log = h.read_log(s)
h.check(f"restored model '{OLD}' for data type 'wine' from the state directory" in log,
        f"instance 1 restored '{OLD}' from its checkpoint, not the half-loaded model")
kill_while_loading(s, "instance 1 (in its catch-up)")

started = int(time.time() * 1000)
s = server(2)
h.check(f"restored model '{OLD}' for data type 'wine' from the state directory"
        in h.read_log(s), f"instance 2 restored '{OLD}' too")
h.wait_for("the big model serving", lambda: h.http_get(s.port, "/stats")["name"] == NEW,
           timeout=90)
# The line follows the swap that /stats already shows: wait for it too.
m = h.wait_for("the big model's 'now serving' line", lambda: re.search(
    rf"now serving model '{NEW}' \(PMML\) for data type 'wine', loaded in ([0-9.]+) s",
    h.read_log(s)), timeout=10)
h.check(m, f"instance 2 loaded the big model, in {m and m.group(1)} s")
h.check(feeder.wait(60) == 0, "6,000 records were published")

ends = h.data_end_offsets(b)
h.check(sum(ends.values()) == 6000, f"6,000 records on the data topic ({ends})")
h.wait_for("the group committed everything", lambda: h.committed_offsets(b) == ends,
           timeout=120, interval=1)
results = h.by_source(h.read_topic(b, "models_results"))
missing = h.missing_results(b, results)
models = {r["modelName"] for v in results.values() for r in v}
h.check(not missing and models == {OLD, NEW},
        f"every one of the 6,000 input offsets has a result, from {sorted(models)}; "
        f"lost: {len(missing)}, duplicates: {sum(len(v) - 1 for v in results.values())}")
late = sorted((r for v in results.values() for r in v if r["timestampMs"] >= started),
              key=lambda r: r["timestampMs"])
h.check(late and late[0]["modelName"] == NEW,
        "instance 2 scored its first record with the new model (it loads before scoring)")
h.check(h.metrics(s.port).get('modelserver_records_total{outcome="unserved"}', 0) == 0,
        "no record went unserved")
h.check(h.stop(s) == 0, "the last instance exits 0 on SIGTERM")
ck = h.read_checkpoint(os.path.join(state, "store.checkpoint"))
h.check(ck and ck[0][:2] == ("wine", NEW), f"its checkpoint holds the new model: {ck}")
print("1 passed, 0 failed")
