#!/usr/bin/python3
"""HTTP load with wrk while the stream runs: requests/s of /stats, /metrics
and the KServe v2 infer endpoint, their errors, and the stream's scoring
throughput with and without that load, measured in the same run.

    bench/http_load.py [--build DIR] [--engine stage|store] [--records N]
                       [--rate N] [--passes N] [--data CSV] [--model FILE]

How it works. The embedded broker (96 partitions: it keeps about 5 MB, some
45,000 WineRecords, per partition, and a pass needs a few hundred thousand
records) is filled once with --records WineRecords and one model (the
publisher's sticky partitioner fills partitions unevenly, so the fullest
may lose its oldest records: the backlog is what the broker kept). Then:

1. capacity: one server, no stream (every record already scored), and wrk
   on each endpoint alone for 3 s, 1 thread, 2 connections: the most
   requests/s each endpoint answers on this machine;
2. the stream: --passes pairs of passes, alternating without and with load.
   Each pass starts a server in a fresh consumer group, so it scores the
   whole backlog as fast as it can; once scoring has begun it waits 0.3 s,
   then reads the scored counter of /metrics twice, 2 s apart, while the
   backlog lasts (checked): records/s at saturation. In a loaded pass, wrk
   runs on the three endpoints at once from before the window to after it,
   one wrk per endpoint, 1 thread, 1 connection, each request followed by
   a pause that holds it to --rate requests/s (wrk's Lua delay()): a fixed
   load, as monitoring and clients make it, rather than a second benchmark
   competing for the same two cores. The ratio is the median over the
   pairs of a loaded pass and the unloaded one just before it: other work
   on the machine changes the rate from one pass to the next, and a pair
   shares most of it. The server's CPU time over the same window (utime
   and stime of /proc/PID/stat) gives its CPU per record, with and
   without load: what the HTTP requests cost the process, which other
   work on the machine blurs much less than the rate.

Errors are wrk's non-2xx/3xx answers plus its socket errors (connect, read,
write, timeout); every figure must have 0. Prints `bench http.<name> <value>
<unit>` lines and the command; never asserts on time, exits 1 on errors.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../tests/integration"))
import harness as h  # noqa: E402  (the tests' process and protobuf helpers)

SCORED = 'modelserver_records_total{outcome="scored"}'
PARTITIONS = 96
ROW = [7.4, 0.7, 0, 1.9, 0.076, 11, 34, 0.9978, 3.51, 0.56, 9.4]
INFER = ('{"inputs":[{"name":"input","shape":[1,11],"datatype":"FP64","data":[%s]}]}'
         % ",".join(map(str, ROW)))
ENDPOINTS = [("stats", "GET", "/stats", None), ("metrics", "GET", "/metrics", None),
             ("infer", "POST", "/v2/models/wine/infer", INFER)]


def lua_script(method, body, delay_ms):
    """A wrk script: the method and body of every request, and the pause
    after each (0: none)."""
    lines = [f'wrk.method = "{method}"']
    if body:
        lines += ['wrk.headers["Content-Type"] = "application/json"',
                  "wrk.body = '" + body + "'"]
    if delay_ms:
        lines += [f"function delay() return {delay_ms} end"]
    f = tempfile.NamedTemporaryFile("w", suffix=".lua", dir=h.tmpdir(), delete=False)
    f.write("\n".join(lines) + "\n")
    f.close()
    return f.name


def start_wrk(port, endpoint, seconds, connections, delay_ms):
    _, method, path, body = endpoint
    script = lua_script(method, body, delay_ms)
    return subprocess.Popen(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script,
                             f"http://127.0.0.1:{port}{path}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk_result(p):
    """(requests/s, errors) from wrk's report."""
    out = p.communicate(timeout=120)[0]
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if p.returncode != 0 or not m:
        h.fail(f"wrk exited {p.returncode}:\n{out}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return float(m.group(1)), errors + (int(non2xx.group(1)) if non2xx else 0)


def available(bootstrap):
    """Records the data topic holds: high watermarks minus the first
    offsets the broker still keeps."""
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=bootstrap)
    parts = [TopicPartition("models_data", p) for p in c.partitions_for_topic("models_data")]
    n = sum(c.end_offsets(parts).values()) - sum(c.beginning_offsets(parts).values())
    c.close()
    return n


def cpu_seconds(pid):
    """User plus system CPU time a process has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scored(port):
    return h.metrics(port).get(SCORED, 0)


def stream_pass(broker, k, engine, backlog, load_rate):
    """Records/s scored by a fresh server while its backlog lasts; with
    load_rate, under wrk at that rate on every endpoint. Returns (rate,
    CPU µs per record, [(endpoint, requests/s, errors)])."""
    server = h.start_server(broker.address, "--engine", engine, "--group", f"load-{k}",
                            name=f"server{k}")
    h.wait_for("scoring to begin", lambda: scored(server.port) > 0, interval=0.02)
    wrks = [(e[0], start_wrk(server.port, e, 4, 1, round(1000 / load_rate)))
            for e in ENDPOINTS] if load_rate else []
    time.sleep(0.3)
    t0, c0, u0 = time.monotonic(), scored(server.port), cpu_seconds(server.pid)
    time.sleep(2)
    t1, c1, u1 = time.monotonic(), scored(server.port), cpu_seconds(server.pid)
    if c1 >= backlog:
        h.fail(f"pass {k}: the backlog of {backlog} records ran out within the window: "
               "give more --records")
    loads = [(name, *wrk_result(p)) for name, p in wrks]
    h.stop(server)
    return (c1 - c0) / (t1 - t0), (u1 - u0) * 1e6 / (c1 - c0), loads


def main():
    ap = h.bench_parser(__doc__)
    ap.add_argument("--records", type=int, default=3500000, help="backlog per pass (default: 3500000)")
    ap.add_argument("--rate", type=int, default=200,
                    help="requests/s on each endpoint during a loaded pass (default: 200)")
    ap.add_argument("--passes", type=int, default=7, help="passes with and without load (default: 7)")
    ap.add_argument("--data", default=os.path.join(h.SHARED, "winequality_red.csv"))
    ap.add_argument("--model", default=os.path.join(h.SHARED, "winequalityDecisionTreeClassification.pmml"))
    a = ap.parse_args()
    h.BUILD = a.build
    if not os.path.exists(a.data) or not os.path.exists(a.model):
        d = h.demo_data()
        a.data = os.path.join(d, "winequality_demo.csv")
        a.model = os.path.join(d, "demoDecisionTreeClassification.pmml")
    if not shutil.which("wrk"):
        h.fail("wrk is not installed (scripts/deps.sh installs it)")

    broker = h.start_broker(partitions=PARTITIONS)
    subprocess.run(h.publisher(broker.address, "--no-data", "--once", "--models", a.model),
                   check=True, capture_output=True)
    subprocess.run(h.publisher(broker.address, "--no-models", "--data-interval", "0",
                               "--count", str(a.records), "-f", a.data),
                   check=True, capture_output=True)
    backlog = available(broker.address)
    print(f"# {backlog} of {a.records} records kept in {PARTITIONS} partitions, model {os.path.basename(a.model)}, "
          f"engine {a.engine}", flush=True)

    # 1. Capacity of each endpoint alone, no stream.
    server = h.start_server(broker.address, "--engine", a.engine, "--group", "load-capacity")
    h.wait_for("the backlog scored", lambda: scored(server.port) >= backlog, timeout=300)
    failed = False
    for e in ENDPOINTS:
        rps, errors = wrk_result(start_wrk(server.port, e, 3, 2, 0))
        h.bench(f"http.{e[0]}.requests_per_s", f"{rps:.0f}", "requests/s")
        h.bench(f"http.{e[0]}.errors", errors, "requests")
        failed |= errors > 0
    h.stop(server)

    # 2. The stream without and with load, alternating.
    free, loaded, cpu_free, cpu_loaded, loads = [], [], [], [], {}
    for k in range(2 * a.passes):
        rate, cpu, per = stream_pass(broker, k, a.engine, backlog, a.rate if k % 2 else 0)
        (loaded if k % 2 else free).append(rate)
        (cpu_loaded if k % 2 else cpu_free).append(cpu)
        h.log(f"pass {k}: {'under load' if k % 2 else 'no load'}: {rate:.0f} records/s, "
              f"{cpu:.2f} CPU µs/record"
              + "".join(f", {n} {r:.0f} req/s ({e} errors)" for n, r, e in per))
        for n, r, e in per:
            loads.setdefault(n, []).append((r, e))
    for n, vals in loads.items():
        h.bench(f"http.{n}.requests_per_s_under_stream", f"{statistics.median(r for r, _ in vals):.0f}",
              "requests/s")
        errors = sum(e for _, e in vals)
        h.bench(f"http.{n}.errors_under_stream", errors, "requests")
        failed |= errors > 0
    h.bench("http.stream_records_per_s", f"{statistics.median(free):.0f}", "records/s")
    h.bench("http.stream_records_per_s_under_load", f"{statistics.median(loaded):.0f}", "records/s")
    h.bench("http.server_cpu_us_per_record", f"{statistics.median(cpu_free):.2f}", "us")
    h.bench("http.server_cpu_us_per_record_under_load", f"{statistics.median(cpu_loaded):.2f}", "us")
    h.bench("http.stream_ratio_under_load",
            f"{statistics.median(w / wo for w, wo in zip(loaded, free)):.3f}", "ratio")
    print(f"# $ bench/http_load.py --build {a.build} --engine {a.engine} --records {a.records} "
          f"--rate {a.rate} --passes {a.passes}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
