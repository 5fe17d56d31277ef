#!/usr/bin/python3
"""modelserver as a user starts it: --help, configuration precedence (file <
environment < flag, with the seed's keys and variable names), the embedded
broker when no brokers are configured, and clear errors for bad options and
a port in use.
"""
import os
import socket
import subprocess

import harness as h

ms = f"{h.BUILD}/modelserver"
p = subprocess.run([ms, "--help"], capture_output=True, text=True)
h.check(p.returncode == 0 and "KAFKA_BROKERS_LIST" in p.stdout and
        "model_server.port" in p.stdout and "broker" in p.stdout,
        "--help documents options, variables and keys")
p = subprocess.run([ms, "--no-such-option"], capture_output=True, text=True)
h.check(p.returncode == 2 and "--no-such-option" in p.stderr, "an unknown option: exit 2, named")

broker = h.start_broker()
conf = os.path.join(h.tmpdir(), "application.conf")
file_port, env_port, flag_port = h.free_port(), h.free_port(), h.free_port()
with open(conf, "w") as f:
    f.write(f"""# the seed's layout
kafka {{
  brokers = "{broker.address}"
}}
model_server {{
  port = {file_port}
}}
""")


def serving_port(extra, env):
    """Starts the server and returns whichever candidate port it serves on."""
    p = h.start(["/usr/bin/env", *env, ms, "--config", conf, *extra], "cli")
    got = h.wait_for("the server's HTTP port", lambda: next(
        (port for port in (file_port, env_port, flag_port)
         if h.http_get(port, "/stats", quiet=True)), None))
    h.stop(p)
    return got


h.check(serving_port([], []) == file_port, "the file's model_server.port is used")
h.check(serving_port([], [f"MODEL_SERVER_PORT={env_port}"]) == env_port,
        "MODEL_SERVER_PORT overrides the file")
h.check(serving_port(["--port", str(flag_port)], [f"MODEL_SERVER_PORT={env_port}"]) == flag_port,
        "--port overrides the environment")

# No brokers anywhere: an embedded broker, whose address is logged.
port = h.free_port()
p = h.start([ms, "--port", str(port)], "embedded", env={"KAFKA_BROKERS_LIST": ""})
h.wait_for("embedded server", lambda: h.http_get(port, "/stats", quiet=True))
log = h.read_log(p)
h.check("embedded Kafka-protocol broker" in log and "127.0.0.1:" in log,
        "with no brokers configured, an embedded broker starts and is logged")
h.check(h.stop(p) == 0, "embedded-broker server exits 0 on SIGTERM")

# A port in use: exit non-zero, saying which port.
with socket.socket() as s:
    s.bind(("0.0.0.0", 0))
    s.listen()
    busy = s.getsockname()[1]
    r = subprocess.run([ms, "--brokers", broker.address, "--port", str(busy)],
                       capture_output=True, text=True, timeout=60)
h.check(r.returncode != 0 and f"port {busy}" in r.stderr,
        f"a port in use: exit {r.returncode}, the port named")
print("1 passed, 0 failed")
