#!/usr/bin/python3
"""Footprint of a running modelserver: time from exec to ready, resident
memory with every given model loaded (each under a data type of its own, so
all are held at once; a TensorFlow graph under "wine", whose schema feeds
it), and the size of the binary.

    bench/footprint.py BUILD_DIR MODEL...      (.pmml: PMML, .pb: TensorFlow)

"Ready" is the first answer of GET /stats, which the server gives once it has
connected to the broker, restored its store and caught up with the models
topic. The broker runs in its own process (`modelserver broker`), so its
memory is not counted. Each figure is the median of 5 starts. Prints
`bench <name> <value> <unit>` lines.
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../tests/integration"))
import harness as h  # noqa: E402  (the tests' process and protobuf helpers)

STARTS = 5


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    if len(sys.argv) < 3 or sys.argv[1] == "--help":
        print(__doc__)
        return 0 if len(sys.argv) > 1 and sys.argv[1] == "--help" else 2
    h.BUILD = sys.argv[1]
    models = sys.argv[2:]
    from kafka import KafkaProducer
    broker = h.start_broker(partitions=6)
    producer = KafkaProducer(bootstrap_servers=broker.address, acks="all")
    # PMML binds its inputs by name, so any data type will do; a TensorFlow
    # graph is fed in schema order, so it needs the wine schema: "wine".
    types = []
    for i, path in enumerate(models):
        kind = 0 if path.endswith(".pb") else 1
        types.append("wine" if kind == 0 else f"wine{i}")
        if kind == 0 and types.count("wine") > 1:
            h.fail(f"{path}: only one TensorFlow graph can be measured (data type wine)")
        with open(path, "rb") as f:
            name = os.path.splitext(os.path.basename(path))[0]
            producer.send("models_models", h.encode_model(name, types[-1], kind, data=f.read()))
    producer.flush()
    ready, rss = [], []
    for k in range(STARTS):
        port = h.free_port()
        t0 = time.monotonic()
        p = h.start([f"{h.BUILD}/modelserver", "--brokers", broker.address, "--port", str(port),
                     "--engine", "store", "--group", f"footprint-{k}"], f"server{k}")
        while not h.http_get(port, "/stats", quiet=True):
            if p.poll() is not None:
                h.fail(f"the server exited {p.returncode}:\n{h.read_log(p)}")
            time.sleep(0.002)
        ready.append((time.monotonic() - t0) * 1000)
        # Loaded from the models topic, or restored from the changelog on
        # later starts: either way every data type names its model.
        h.wait_for("every model serving", lambda: all(
            (h.http_get(port, f"/stats?dataType={t}", quiet=True) or {}).get("name", "None")
            != "None" for t in types), timeout=60)
        rss.append(rss_mb(p.pid))
        h.stop(p)
    print(f"# {len(models)} models loaded, each for its own data type; store engine; {STARTS} starts")
    print(f"bench footprint.ready_ms {statistics.median(ready):.1f} ms")
    print(f"bench footprint.rss_mb {statistics.median(rss):.1f} MB")
    print(f"bench footprint.binary_kb {os.path.getsize(os.path.join(h.BUILD, 'modelserver')) / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
