#!/usr/bin/python3
"""The Debian package, installed on this machine: cpack builds the .deb from
the current build, dpkg installs it, and the test checks what a user gets:
the files, the dependencies (against the binary's own ldd), the conffiles,
the man pages (rendered by man), the system user, and the systemd unit
(systemd-analyze verify). Then it starts the service the way systemd
would, from the unit's ExecStart as its User= with its
EnvironmentFile= variables, against an embedded broker, loads a model,
checks that the unprivileged user checkpointed it in the state directory
and that /health/ready answers 200, stops it with SIGTERM, and purges the
package, leaving nothing behind.

Needs root (dpkg -i); skipped otherwise. Fails, rather than replace it,
when a modelserver package is already installed.
"""
import glob
import json
import os
import pwd
import shlex
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import harness as h

PKG = "modelserver"
UNIT = "/usr/lib/systemd/system/modelserver.service"
RUNTIME = ["librdkafka1", "libprotobuf-c1", "libxml2", "libmicrohttpd12",
           "libjansson4", "liburcu8", "libcurl4", "libarchive13"]
EXPECTED_FILES = ["/usr/bin/modelserver", "/usr/bin/publisher", "/usr/bin/modelscore",
                  "/usr/share/man/man1/modelserver.1.gz",
                  "/usr/share/man/man1/publisher.1.gz",
                  "/usr/share/man/man1/modelscore.1.gz",
                  "/etc/modelserver/modelserver.conf", "/etc/default/modelserver", UNIT]


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, **kw)


def dpkg(*args):
    """dpkg ARGS, waiting (up to 2 minutes) while another dpkg or apt on
    this shared machine holds the lock."""
    deadline = time.time() + 120
    while True:
        r = run("dpkg", *args)
        if r.returncode == 0 or "lock" not in r.stderr or time.time() > deadline:
            return r
        h.log(f"dpkg {' '.join(args)}: waiting for the dpkg lock")
        time.sleep(2)


def installed():
    r = run("dpkg-query", "-W", "-f=${Status}", PKG)
    return r.returncode == 0 and "installed" in r.stdout and "not-installed" not in r.stdout


def unit_settings(path):
    """The [Service] settings of a unit file, each name with its values."""
    settings, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
            elif section == "Service":
                name, _, value = line.partition("=")
                settings.setdefault(name.strip(), []).append(value.strip())
    return settings


def environment_file(path):
    """Variables of a systemd EnvironmentFile (KEY=VALUE lines, # comments)."""
    env = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and line[0] not in "#;" and "=" in line:
                    k, _, v = line.partition("=")
                    env[k.strip()] = v.strip().strip('"')
    return env


def health(port, path):
    """(status, parsed JSON body) of GET path, or (None, None)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, json.loads(r.read().decode() or "null")
    except urllib.error.HTTPError as e:
        return e.code, None
    except (OSError, ValueError):
        return None, None


def check_package(deb):
    r = dpkg("-i", deb)
    h.check(r.returncode == 0, f"dpkg -i {os.path.basename(deb)} succeeded ({r.stderr.strip()[-300:]})")
    listed = set(run("dpkg", "-L", PKG).stdout.split())
    for f in EXPECTED_FILES:
        h.check(f in listed and os.path.isfile(f), f"the package installed {f}")
    for b in ("modelserver", "publisher", "modelscore"):
        h.check(os.access(f"/usr/bin/{b}", os.X_OK), f"/usr/bin/{b} is executable")
    r = run("/usr/bin/modelserver", "--help")
    h.check(r.returncode == 0 and "--engine" in r.stdout, "the installed modelserver runs (--help)")

    depends = run("dpkg-query", "-W", "-f=${Depends}", PKG).stdout
    names = {d.strip().split(" ")[0] for d in depends.split(",")}
    for p in RUNTIME + ["adduser"]:
        h.check(p in names, f"Depends lists {p}")
    # Every library the binaries link to (their NEEDED entries, resolved by
    # ldd) comes from a package Depends lists: checked with dpkg -S,
    # independently of dpkg-shlibdeps.
    for b in ("modelserver", "publisher", "modelscore"):
        dynamic = run("readelf", "-d", f"/usr/bin/{b}").stdout
        needed = [l.split("[")[1].rstrip("]") for l in dynamic.splitlines() if "(NEEDED)" in l]
        paths = {l.split("=>")[0].strip(): l.split("=>")[1].split()[0]
                 for l in run("ldd", f"/usr/bin/{b}").stdout.splitlines() if "=> /" in l}
        h.check(len(needed) >= 3 and all(n in paths for n in needed),
                f"{b} links to {', '.join(needed)}, all found")
        for lib in needed:
            real = os.path.realpath(paths[lib])
            owner = run("dpkg", "-S", real).stdout.split(":")[0]
            if not owner:  # merged /usr: dpkg may know the /lib spelling
                owner = run("dpkg", "-S", real.replace("/usr/lib/", "/lib/", 1)).stdout.split(":")[0]
            h.check(owner in names, f"{b}: {lib} comes from {owner or '?'}, which Depends lists")
    conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", PKG).stdout
    for f in ("/etc/modelserver/modelserver.conf", "/etc/default/modelserver"):
        h.check(f in conffiles, f"{f} is a conffile (local edits survive upgrades)")

    for page in ("modelserver", "publisher", "modelscore"):
        r = run("man", "-l", f"/usr/share/man/man1/{page}.1.gz", env={**os.environ, "MANWIDTH": "80"})
        h.check(r.returncode == 0 and "NAME" in r.stdout and "SYNOPSIS" in r.stdout
                and page in r.stdout and not r.stderr.strip(),
                f"man -l renders {page}(1) without warnings ({r.stderr.strip()[:200]})")
        where = run("man", "-w", page).stdout.strip()
        h.check(where == f"/usr/share/man/man1/{page}.1.gz", f"man finds {page}(1) at {where}")

    user = pwd.getpwnam("modelserver")
    h.check(user.pw_uid < 1000 and user.pw_uid != 0, f"system user modelserver (uid {user.pw_uid})")
    h.check(user.pw_shell in ("/usr/sbin/nologin", "/bin/false"), f"it cannot log in ({user.pw_shell})")
    st = os.stat("/var/lib/modelserver")
    h.check(st.st_uid == user.pw_uid and (st.st_mode & 0o777) == 0o750,
            f"/var/lib/modelserver belongs to it, mode {oct(st.st_mode & 0o777)}")
    if shutil.which("systemd-analyze"):
        r = run("systemd-analyze", "verify", UNIT)
        h.check(r.returncode == 0 and not r.stderr.strip(),
                f"systemd-analyze verify accepts the unit ({r.stderr.strip()[:300]})")
    else:
        h.log("systemd-analyze not installed: unit not verified by systemd")
    return user


def check_service(user):
    unit = unit_settings(UNIT)
    h.check(unit.get("User") == ["modelserver"], f"the unit runs as User=modelserver ({unit.get('User')})")
    argv = shlex.split(unit["ExecStart"][0].lstrip("-@+!:"))
    h.check(argv[0] == "/usr/bin/modelserver", f"ExecStart runs the installed binary: {shlex.join(argv)}")
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    for spec in unit.get("EnvironmentFile", []):
        env.update(environment_file(spec.lstrip("-")))

    broker = h.start_broker()
    port = h.free_port()
    env.update(KAFKA_BROKERS_LIST=broker.address, MODEL_SERVER_PORT=str(port))
    # As systemd does it: setuid/setgid to the unit's user, its groups, "/"
    # as working directory, and the environment above only. (runuser would
    # SIGKILL the server 2 s after passing SIGTERM on, cutting its clean
    # shutdown short.)
    log_path = os.path.join(h.tmpdir(), "service.log")
    out = open(log_path, "w")
    server = subprocess.Popen(argv, user=user.pw_uid, group=user.pw_gid,
                              extra_groups=os.getgrouplist(user.pw_name, user.pw_gid),
                              env=env, cwd="/", stdout=out, stderr=subprocess.STDOUT)
    server.log_path = log_path
    try:
        with open(f"/proc/{server.pid}/status") as f:
            uid = [l.split()[1] for l in f if l.startswith("Uid:")][0]
        h.check(uid == str(user.pw_uid), f"the service process runs as uid {uid}")
        h.wait_for("the service's HTTP port", lambda: h.http_get(port, "/stats", quiet=True), timeout=20)

        data = h.demo_data()
        model = os.path.join(data, "demoLinearRegression.pmml")
        subprocess.run(h.publisher(broker.address, "--no-data", "--once", "--models", model,
                                   "--model-interval", "0"), check=True, capture_output=True)
        h.wait_for("the model served", lambda: (h.http_get(port, "/stats", quiet=True) or {})
                   .get("name") == "demoLinearRegression", timeout=20)
        h.check(True, "the service loaded a model published on the models topic")
        files = h.wait_for("a checkpoint in /var/lib/modelserver",
                           lambda: [f for f in glob.glob("/var/lib/modelserver/*")
                                    if os.stat(f).st_uid == user.pw_uid], timeout=15)
        h.check(bool(files), f"the service user wrote its checkpoint {files}")

        status, body = h.wait_for("GET /health/ready = 200",
                                  lambda: (lambda r: r if r[0] == 200 else None)(health(port, "/health/ready")),
                                  timeout=20)
        h.check(status == 200 and isinstance(body, dict), f"/health/ready answers 200 with JSON {body}")

        server.terminate()
        rc = server.wait(30)
        with open(log_path) as f:
            log = f.read()
        h.check(rc == 0, f"SIGTERM stops the service cleanly (exit {rc}; {log[-400:]})")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        out.close()
        h.stop(broker)


def main():
    if os.geteuid() != 0:
        h.skip("needs root to install a package (dpkg -i)")
    for tool in ("dpkg", "cpack", "man"):
        if not shutil.which(tool):
            h.skip(f"{tool} is not installed")
    if installed():
        h.fail(f"a {PKG} package is already installed here; this test would replace it "
               f"(remove it with: dpkg --purge {PKG})")

    out_dir = h.tmpdir()
    r = run("cpack", "-G", "DEB", "--config", os.path.join(h.BUILD, "CPackConfig.cmake"), "-B", out_dir)
    debs = glob.glob(os.path.join(out_dir, "*.deb"))
    h.check(r.returncode == 0 and len(debs) == 1, f"cpack built {debs} ({r.stderr.strip()[-300:]})")
    try:
        user = check_package(debs[0])
        check_service(user)
    finally:
        r = dpkg("--purge", PKG)
        h.check(r.returncode == 0, f"dpkg --purge {PKG} ({r.stderr.strip()[-300:]})")
    h.check(not installed(), "the package is gone")
    for path in EXPECTED_FILES + ["/var/lib/modelserver", "/etc/modelserver"]:
        h.check(not os.path.exists(path), f"{path} is gone")
    try:
        pwd.getpwnam("modelserver")
        h.fail("the modelserver user is still there after purge")
    except KeyError:
        h.check(True, "the modelserver user is gone")
    print("1 passed, 0 failed")


main()
