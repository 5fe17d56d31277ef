#!/usr/bin/python3
"""Soak: a long run at a high fixed rate with a model swap every few
seconds, checked for lost records, memory growth and leaked descriptors.
Run by `make soak` (not in CI).

    bench/soak.py [--build DIR] [--seconds N] [--rate N] [--swap-every S]
                  [--engine stage|store] [--rss-bound-mb N] [--fd-slack N]

How it works: it starts the embedded broker (`modelserver broker`) and one
server, publishes a first model and waits until it serves (a record that
arrives before any model is skipped by design, which is not a loss), then
runs one publisher that sends WineRecords at --rate and a model every
--swap-every seconds, alternating the seed's decision tree and random
forest (../shared/data), or, without it, demogen's tree and TensorFlow
graph. A reader thread consumes the results topic all along (the embedded
broker keeps only about 5 MB per partition, so results read at the end
would be gone) and marks each result's source offset in one bitmap per
partition. Every few seconds it samples the server's resident memory
(VmRSS in /proc/PID/status) and open descriptors (/proc/PID/fd) and prints
a progress line. At the end it stops the publisher, waits until every
record has its result, and checks:

- lost: data-topic offsets (0 .. high watermark of each partition) with no
  result: must be 0;
- memory: RSS at the end <= RSS after warm-up + --rss-bound-mb (default 16
  MB; see README "Soak" for why), where warm-up is the first tenth of the
  run (at least 10 s, at most 60 s): both models have been loaded and the
  Kafka clients' queues have reached their working size by then;
- descriptors: at the end <= after warm-up + --fd-slack (default 2: an HTTP
  connection of our own sampling, a broker connection being replaced).

Prints `bench soak.<name> <value> <unit>` lines; exits 1 when a check fails.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../tests/integration"))
import harness as h  # noqa: E402  (the tests' process and protobuf helpers)


SCORED = 'modelserver_records_total{outcome="scored"}'
LOADED = 'modelserver_model_updates_total{outcome="loaded"}'


def proc_sample(pid):
    """(RSS in MB, open descriptors) of a live process."""
    rss = float("nan")
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


class ResultReader(threading.Thread):
    """Consumes the results topic from the beginning until stopped, marking
    each (source partition, source offset) seen."""

    def __init__(self, bootstrap):
        super().__init__(daemon=True)
        self.bootstrap = bootstrap
        self.seen = {}          # partition -> bytearray, 1 per offset with a result
        self.results = 0
        self.duplicates = 0
        self.error = None
        self.stopping = threading.Event()

    def mark(self, partition, offset):
        bits = self.seen.setdefault(partition, bytearray())
        if offset >= len(bits):
            bits.extend(bytes(max(offset + 1 - len(bits), 65536)))
        if bits[offset]:
            self.duplicates += 1
        bits[offset] = 1
        self.results += 1

    def run(self):
        from kafka import KafkaConsumer
        try:
            c = KafkaConsumer("models_results", bootstrap_servers=self.bootstrap,
                              auto_offset_reset="earliest", enable_auto_commit=False,
                              fetch_max_bytes=8 << 20)
            while not self.stopping.is_set():
                for batch in c.poll(timeout_ms=200, max_records=10000).values():
                    for m in batch:
                        r = h.decode_result(m.value)
                        self.mark(r["sourcePartition"], r["sourceOffset"])
            c.close()
        except Exception as e:  # noqa: BLE001 - reported as a failed soak, not a traceback
            self.error = repr(e)

    def missing(self, ends):
        """Offsets below each partition's high watermark with no result."""
        lost = 0
        for p, end in ends.items():
            bits = self.seen.get(p, bytearray())
            lost += end - sum(bits[:end])
        return lost


def models():
    tree = os.path.join(h.SHARED, "winequalityDecisionTreeClassification.pmml")
    forest = os.path.join(h.SHARED, "winequalityRandonForrestClassification.pmml")
    csv = os.path.join(h.SHARED, "winequality_red.csv")
    if all(os.path.exists(f) for f in (tree, forest, csv)):
        return csv, [tree, forest]
    d = h.demo_data()
    h.log(f"{h.SHARED} not found: swapping demogen's tree and TensorFlow graph")
    return (os.path.join(d, "winequality_demo.csv"),
            [os.path.join(d, "demoDecisionTreeClassification.pmml"),
             os.path.join(d, "demoSoftmaxRegression.pb")])


def main():
    ap = h.bench_parser(__doc__)
    ap.add_argument("--seconds", type=int, default=600, help="duration of the stream (default: 600)")
    ap.add_argument("--rate", type=int, default=5000, help="records per second (default: 5000)")
    ap.add_argument("--swap-every", type=float, default=5, help="seconds between model swaps (default: 5)")
    ap.add_argument("--sample-every", type=float, default=5, help="seconds between samples (default: 5)")
    ap.add_argument("--rss-bound-mb", type=float, default=16, help="allowed RSS growth after warm-up (default: 16)")
    ap.add_argument("--fd-slack", type=int, default=2, help="allowed descriptor growth after warm-up (default: 2)")
    a = ap.parse_args()
    if a.seconds < 20:
        ap.error("--seconds: at least 20 (the first tenth, at least 10 s, is the warm-up)")
    h.BUILD = a.build

    csv, files = models()
    broker = h.start_broker()
    server = h.start_server(broker.address, "--engine", a.engine)
    h.publish_model(broker.address, server, files[0])
    reader = ResultReader(broker.address)
    reader.start()
    pub = h.start(h.publisher(broker.address, "--rate", str(a.rate), "--model-interval",
                              f"{a.swap_every}s", "-f", csv, "-m", ",".join(files)), "publisher")
    h.log(f"soak: {a.seconds} s at {a.rate} records/s, engine {a.engine}, "
          f"a model every {a.swap_every} s from {', '.join(map(os.path.basename, files))}")

    warm_up = min(60, max(10, a.seconds / 10))
    start = time.time()
    warm = None
    rss_max = 0
    while (elapsed := time.time() - start) < a.seconds:
        time.sleep(min(a.sample_every, max(0.1, a.seconds - elapsed)))
        if pub.poll() is not None:
            h.fail(f"the publisher exited {pub.returncode}: {h.read_log(pub)[-500:]}")
        rss, fds = proc_sample(server.pid)
        rss_max = max(rss_max, rss)
        if warm is None and time.time() - start >= warm_up:
            warm = (rss, fds)
        m = h.metrics(server.port)
        name = (h.http_get(server.port, "/stats", quiet=True) or {}).get("name")
        h.log(f"soak: {time.time() - start:5.0f} s  scored {m.get(SCORED, 0):.0f}"
              f"  results read {reader.results}  models loaded {m.get(LOADED, 0):.0f}"
              f"  serving {name}  rss {rss:.1f} MB  fds {fds}")

    h.check(h.stop(pub, timeout=60) == 0, "the publisher delivered every record and exited 0")
    ran = time.time() - start
    ends = h.data_end_offsets(broker.address)
    total = sum(ends.values())
    # Every record gets a result unless it is lost: wait until the reader has
    # one per record, or until nothing new arrives for 30 s.
    last, last_change = -1, time.time()
    while reader.results < total and time.time() - last_change < 30 and reader.error is None:
        if reader.results != last:
            last, last_change = reader.results, time.time()
        time.sleep(0.5)
    reader.stopping.set()
    reader.join(10)
    rss_end, fds_end = proc_sample(server.pid)
    rss_max = max(rss_max, rss_end)
    m = h.metrics(server.port)
    lost = reader.missing(ends)

    h.bench("soak.duration_s", f"{ran:.0f}", "s")
    h.bench("soak.rate", f"{total / ran:.0f}", "records/s")
    h.bench("soak.records", total, "records")
    h.bench("soak.lost", lost, "records")
    h.bench("soak.duplicates", reader.duplicates, "results")
    h.bench("soak.model_swaps", f"{m.get(LOADED, 0):.0f}", "models")
    h.bench("soak.rss_start_mb", f"{warm[0]:.1f}", "MB")
    h.bench("soak.rss_end_mb", f"{rss_end:.1f}", "MB")
    h.bench("soak.rss_max_mb", f"{rss_max:.1f}", "MB")
    h.bench("soak.fds_start", warm[1], "fds")
    h.bench("soak.fds_end", fds_end, "fds")
    print(f"# $ bench/soak.py --seconds {a.seconds} --rate {a.rate} --swap-every {a.swap_every} "
          f"--engine {a.engine}", flush=True)

    h.check(reader.error is None, f"the results reader ran to the end ({reader.error or 'no error'})")
    h.check(lost == 0, f"every one of {total} records has a result ({lost} without)")
    h.check(rss_end <= warm[0] + a.rss_bound_mb,
            f"RSS {rss_end:.1f} MB at the end <= {warm[0]:.1f} MB after warm-up + {a.rss_bound_mb:g} MB")
    h.check(fds_end <= warm[1] + a.fd_slack,
            f"{fds_end} descriptors at the end <= {warm[1]} after warm-up + {a.fd_slack}")
    h.check(h.stop(server) == 0, "the server exits 0 on SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(main())
