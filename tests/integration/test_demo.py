#!/usr/bin/python3
"""`make run`'s demo script on a fresh tree: it generates its own data and
models, starts broker, server and publisher, and records get scored by a
model it published; Ctrl-C (SIGINT) stops every process it started.
"""
import os
import signal
import subprocess
import time

import harness as h

source = os.environ.get("MS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
build = h.tmpdir()
# The script writes its demo files under the build directory it is given;
# use a private one (with links to the programs) so tests can run in parallel.
for prog in ("modelserver", "publisher", "demogen"):
    os.symlink(os.path.join(os.path.abspath(h.BUILD), prog), os.path.join(build, prog))
port = h.free_port()
env = dict(os.environ, MODEL_SERVER_PORT=str(port), DATA_PUBLISH_INTERVAL="5ms",
           MODEL_PUBLISH_INTERVAL="2 seconds")
env.pop("DATA_DIRECTORY", None)
demo = subprocess.Popen(["bash", os.path.join(source, "scripts/run-demo.sh"), build],
                        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        text=True, start_new_session=True)
try:
    h.wait_for("records scored in the demo",
               lambda: (h.http_get(port, "/stats", quiet=True) or {}).get("usage", 0) > 50,
               timeout=60)
    first = h.http_get(port, "/stats")["name"]
    h.check(first.startswith("demo"), f"the demo serves its own model ({first})")
    h.wait_for("a model swap in the demo",
               lambda: h.http_get(port, "/stats")["name"] != first, timeout=30)
    h.check(True, f"the publisher's next model took over ({h.http_get(port, '/stats')['name']})")
    os.killpg(demo.pid, signal.SIGINT)
    out = demo.communicate(timeout=30)[0]
finally:
    if demo.poll() is None:
        os.killpg(demo.pid, signal.SIGKILL)
h.check("http://127.0.0.1:%d/stats" % port in out, "the demo printed where to look")
h.check("stopped" in out, "the demo stopped on SIGINT")
time.sleep(0.5)
left = subprocess.run(["pgrep", "-f", build], capture_output=True, text=True).stdout.split()
h.check(not left, f"no process of the demo is left ({left})")
print("1 passed, 0 failed")
