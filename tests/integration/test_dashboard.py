#!/usr/bin/python3
"""The built-in dashboard in headless Chromium (chromedriver + selenium):
the page loads with no console errors and no request outside the
server's own files, shows the current model's name, its numbers change as
records flow and a model swap appears in its history; the page's
throughput is within reach of the rate measured independently from
/metrics. A screenshot is kept as a build artifact
(build/artifacts/dashboard.png).
"""
import os
import shutil
import time

import harness as h

if not shutil.which("chromedriver") or not shutil.which("chromium"):
    h.skip("chromium and chromium-driver are not installed (scripts/deps.sh installs them)")
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
except ImportError:
    h.skip("python3-selenium is not installed (scripts/deps.sh installs it)")

data = h.demo_data()
broker = h.start_broker(partitions=2)
server = h.start_server(broker.address, "--advertised-host", "127.0.0.1")
port = server.port
first = os.path.join(data, "demoDecisionTreeClassification.pmml")
second = os.path.join(data, "demoLinearRegression.pmml")
p = h.start(h.publisher(broker.address, "--once", "--no-data", "--models", first), "pub-model")
h.check(p.wait(30) == 0, "the tree published")
h.wait_for("the tree serving",
           lambda: h.http_get(port, "/stats")["name"] == "demoDecisionTreeClassification")
feed = h.start(h.publisher(broker.address, "--no-models", "--rate", "200",
                           "--data-file", os.path.join(data, "winequality_demo.csv")), "feed")

opts = webdriver.ChromeOptions()
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--window-size=1400,1100", f"--user-data-dir={h.tmpdir()}"):
    opts.add_argument(a)
opts.binary_location = shutil.which("chromium")
opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
try:
    driver.get(f"http://127.0.0.1:{port}/")
    # Read in the page, in one step: the page redraws every second, and a
    # WebElement found before a redraw is stale after it.
    def text(selector):
        return driver.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
            selector if selector[0] in "#." else "#" + selector)
    h.wait_for("the page showing the model", lambda: "demoDecisionTreeClassification" in
               text("models"), timeout=20)
    h.check(driver.title == "modelserver", "the dashboard loads: title modelserver")
    h.check(True, "it shows the current model's name, demoDecisionTreeClassification")
    h.wait_for("a throughput figure", lambda: text("throughput") not in ("", "–"), timeout=10)
    s1 = int(text("scored").replace(",", ""))
    time.sleep(3)
    s2 = int(text("scored").replace(",", ""))
    h.check(s2 > s1, f"records scored moves as records flow ({s1} -> {s2})")
    m1, t1 = h.scored(port), time.time()
    time.sleep(3)
    rate = (h.scored(port) - m1) / (time.time() - t1)
    shown = float(text("throughput").replace(",", ""))
    h.check(rate * 0.5 <= shown <= rate * 1.5,
            f"throughput shown ({shown:.0f}/s) agrees with /metrics ({rate:.0f}/s)")
    h.check(float(text("p50").replace(",", "")) > 0, f"latency p50 shown: {text('p50')} us")
    h.check(str(port) in text("instances"),
            "the cluster's instances list this one")
    h.wait_for("recent predictions", lambda: "class " in text("recent"))
    h.check(True, "recent predictions show the tree's classes")

    p = h.start(h.publisher(broker.address, "--once", "--no-data", "--models", second), "pub-2")
    rc = p.wait(30)
    h.check(rc == 0, f"the linear regression published (exit {rc}: {h.read_log(p)[-300:]})")
    h.wait_for("the swap on the page", lambda: "demoLinearRegression" in
               text("#models td.model"), timeout=15)
    hist = text("models")
    h.check("demoDecisionTreeClassification" in hist,
            "after the swap the new model is current and the old one is in the history")
    time.sleep(2)

    art = os.path.join(h.BUILD, "artifacts")
    os.makedirs(art, exist_ok=True)
    shot = os.path.join(art, "dashboard.png")
    driver.save_screenshot(shot)
    h.check(os.path.getsize(shot) > 10000, f"screenshot kept: {shot}")

    logs = driver.get_log("browser")
    severe = [e for e in logs if e["level"] in ("SEVERE", "WARNING")]
    h.check(not severe, f"no console errors or warnings ({len(logs)} log entries, {severe[:3]})")
    import json
    urls = set()
    for e in driver.get_log("performance"):
        msg = json.loads(e["message"])["message"]
        # Requests made by our page (not Chromium's own new-tab page).
        if msg["method"] == "Network.requestWillBeSent" and \
                msg["params"].get("documentURL", "").startswith(f"http://127.0.0.1:{port}/"):
            urls.add(msg["params"]["request"]["url"])
    outside = [u for u in urls if not u.startswith(f"http://127.0.0.1:{port}/") and
               not u.startswith("data:")]
    h.check(urls and not outside, f"every request goes to the server itself ({len(urls)} URLs; "
                                  f"others: {outside[:3]})")
finally:
    driver.quit()
feed.terminate()
feed.wait(15)
h.check(h.stop(server) == 0, "the server stops cleanly (exit 0)")
print("1 passed, 0 failed")
