#!/usr/bin/python3
"""The Docker images, without a Docker engine: scripts/docker-steps.sh
runs deploy/docker/Dockerfile's steps in order in a scratch directory (the
build stage's RUN steps for real: scripts/deps.sh, the CMake build, the
install rules), and this test checks, from its own reading of the
Dockerfile:

- every stage starts from debian:12-slim or an earlier stage, the build
  stage's RUN steps all ran, in the Dockerfile's order;
- the runtime stage's package list covers every library the staged
  programs link to (readelf -d, resolved by ldd, owner from dpkg -S),
  nothing else than those, ca-certificates and curl;
- the final images run as a non-root USER, the server's HEALTHCHECK is the
  staged script and asks /health/live;
- the staged server image runs: its ENTRYPOINT with its ENV as its USER
  (uid 10001) against an embedded broker, its health check passes while it
  runs and fails where nothing listens; the staged publisher image, with
  its ENV (the demo data built into it), publishes models and records that
  the server scores, every one; SIGTERM stops the server cleanly.

Needs root (the build stage runs scripts/deps.sh, and the images' user is
switched to); skipped otherwise.
"""
import json
import os
import re
import subprocess

import harness as h

SRC = os.environ.get("MS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
DOCKERFILE = os.path.join(SRC, "deploy/docker/Dockerfile")
BASE_LIBS = {"libc6"}  # in debian:12-slim itself


def instructions(path):
    """(INSTRUCTION, arguments) per instruction, continuations joined."""
    out, buf = [], ""
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.lstrip().startswith("#") or (not line.strip() and not buf):
                continue
            if line.rstrip().endswith("\\"):
                buf += line.rstrip()[:-1]
                continue
            text = (buf + line).strip()
            buf = ""
            word, _, rest = text.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def stages(instrs):
    """{stage: [(INSTRUCTION, arguments)]}, in order, with each FROM's base."""
    result, current = {}, None
    for ins, rest in instrs:
        if ins == "FROM":
            words = rest.split()
            current = words[2] if len(words) > 2 else words[0]
            result[current] = [("FROM", words[0])]
        else:
            result[current].append((ins, rest))
    return result


def staged_env(scratch, stage):
    env = {}
    with open(os.path.join(scratch, stage + ".env")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            env[k] = v
    return env


def subproc_fails(script, env):
    return subprocess.run([script], env=env, capture_output=True).returncode != 0


def main():
    if os.geteuid() != 0:
        h.skip("needs root: the build stage runs scripts/deps.sh and the images switch users")
    st = stages(instructions(DOCKERFILE))
    h.check(list(st)[:2] == ["build", "runtime"] and {"server", "publisher"} <= set(st),
            f"stages build, runtime, server, publisher ({list(st)})")
    for name, steps in st.items():
        base = steps[0][1]
        h.check(base == "debian:12-slim" or base in list(st)[:list(st).index(name)],
                f"stage {name} starts from {base}")

    scratch = h.tmpdir()
    os.chmod(scratch, 0o755)  # the images' user must reach the staged programs
    r = subprocess.run(["bash", os.path.join(SRC, "scripts/docker-steps.sh"), scratch],
                       capture_output=True, text=True)
    h.check(r.returncode == 0, f"scripts/docker-steps.sh ran every step ({r.stderr.strip()[-500:]})")
    ran = [l[len("docker-steps: RUN "):] for l in r.stdout.splitlines() if l.startswith("docker-steps: RUN ")]
    want = [" ".join(rest.split()) for ins, rest in st["build"] if ins == "RUN"]
    h.check([" ".join(x.split()) for x in ran] == want and len(want) >= 3,
            f"the build stage's {len(want)} RUN steps ran in the Dockerfile's order")
    h.check(any("scripts/deps.sh" in x for x in want) and any("cmake --build" in x for x in want),
            "they are the tests' own steps (scripts/deps.sh, the CMake build)")

    # The runtime packages against what the programs link to.
    install = " ".join(rest for ins, rest in st["runtime"] if ins == "RUN" and "apt-get install" in rest)
    packages = set()
    for m in re.finditer(r"apt-get install((?:\s+[^&;]+))", install):
        packages |= {w for w in m.group(1).split() if not w.startswith("-")}
    root = os.path.join(scratch, "server")
    needed_by = set()
    for prog in ("modelserver", "publisher", "modelscore"):
        path = os.path.join(root, "usr/bin", prog)
        dyn = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
        needed = [l.split("[")[1].rstrip("]") for l in dyn.splitlines() if "(NEEDED)" in l]
        where = {l.split("=>")[0].strip(): l.split("=>")[1].split()[0]
                 for l in subprocess.run(["ldd", path], capture_output=True, text=True).stdout.splitlines()
                 if "=> /" in l}
        for lib in needed:
            real = os.path.realpath(where[lib])
            owner = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True).stdout.split(":")[0]
            if not owner:
                owner = subprocess.run(["dpkg", "-S", real.replace("/usr/lib/", "/lib/", 1)],
                                       capture_output=True, text=True).stdout.split(":")[0]
            h.check(owner in packages | BASE_LIBS, f"{prog}: {lib} ({owner}) is in the runtime image")
            needed_by.add(owner)
    extra = packages - needed_by - {"ca-certificates", "curl"}
    h.check(not extra, f"the runtime image installs no library nothing links to ({sorted(extra)})")

    for image in ("server", "publisher"):
        users = [rest for name in ("runtime", image) for ins, rest in st[name] if ins == "USER"]
        h.check(users and users[-1].split(":")[0] not in ("0", "root"), f"{image} runs as USER {users[-1:]}")
    health = [rest for ins, rest in st["server"] if ins == "HEALTHCHECK"]
    cmd = json.loads(health[0].split("CMD", 1)[1].strip())
    check_script = os.path.join(root, cmd[0].lstrip("/"))
    with open(check_script) as f:
        h.check("/health/live" in f.read() and os.access(check_script, os.X_OK),
                f"HEALTHCHECK runs {cmd[0]}, which asks /health/live")

    broker = h.start_broker()
    entry = json.loads([rest for ins, rest in st["server"] if ins == "ENTRYPOINT"][0])
    port = h.free_port()
    env = dict(staged_env(scratch, "server"), PATH="/usr/bin:/bin",
               KAFKA_BROKERS_LIST=broker.address, MODEL_SERVER_PORT=str(port))
    uid, gid = (int(x) for x in users[-1].split(":"))
    log_path = os.path.join(h.tmpdir(), "image-server.log")
    with open(log_path, "w") as out:
        server = subprocess.Popen([os.path.join(root, entry[0].lstrip("/"))] + entry[1:], env=env,
                                  user=uid, group=gid, extra_groups=[], cwd=os.path.join(root, "var/lib/modelserver"),
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        h.wait_for("the image's server on its port", lambda: h.http_get(port, "/stats", quiet=True), timeout=20)
        h.check(subprocess.run([check_script], env=env).returncode == 0,
                "the health check passes while the server runs")
        h.check(subproc_fails(check_script, dict(env, MODEL_SERVER_PORT=str(h.free_port()))),
                "the health check fails where nothing listens")

        proot = os.path.join(scratch, "publisher")
        pentry = json.loads([rest for ins, rest in st["publisher"] if ins == "ENTRYPOINT"][0])
        penv = staged_env(scratch, "publisher")
        h.check(penv.get("DATA_DIRECTORY") == "/usr/share/modelserver/data", f"publisher ENV {penv}")
        penv.update(DATA_DIRECTORY=os.path.join(proot, penv["DATA_DIRECTORY"].lstrip("/")),
                    PATH="/usr/bin:/bin", KAFKA_BROKERS_LIST=broker.address)
        publisher = [os.path.join(proot, pentry[0].lstrip("/"))] + pentry[1:]
        run = lambda *a: subprocess.run(publisher + list(a), env=penv, user=uid, group=gid, extra_groups=[],
                                        capture_output=True, text=True, timeout=60)
        r = run("--no-data", "--once", "--model-interval", "0")
        h.check(r.returncode == 0, f"the publisher image sent its models ({r.stderr.strip()[-300:]})")
        h.wait_for("a model served", lambda: (h.http_get(port, "/stats", quiet=True) or {}).get("name") != "None")
        r = run("--no-models", "--once", "--data-interval", "0")
        h.check(r.returncode == 0, f"the publisher image sent its records ({r.stderr.strip()[-300:]})")
        with open(os.path.join(penv["DATA_DIRECTORY"], penv["DATA_FILENAME"])) as f:
            rows = sum(1 for line in f if line.strip())
        h.wait_for(f"{rows} records scored", lambda: h.metrics(port).get(
            'modelserver_records_total{outcome="scored"}') == rows, timeout=30)
        h.check(True, f"the server image scored all {rows} records of the publisher image's data")
        server.terminate()
        h.check(server.wait(30) == 0, "SIGTERM stops the image's server cleanly")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    print("1 passed, 0 failed")


main()
