/*
 * dashboard.js - polls /api/overview every second and draws the page:
 * throughput (from the change in records scored between two polls),
 * latency percentiles, models with their swap history, rejects, the
 * cluster's instances and recent predictions. Plain DOM, no library.
 */
"use strict";

const POLL_MS = 1000;
const HISTORY = 120;              // points on the throughput chart
const rates = [];
let last = null;                  // previous overview, for rates

const $ = (id) => document.getElementById(id);

function fmt(n, digits) {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  return Number(n).toLocaleString("en-US", { maximumFractionDigits: digits ?? 0 });
}

function time(ms) {
  return ms ? new Date(ms).toLocaleTimeString("en-GB") : "–";
}

function ago(ms, now) {
  const s = Math.max(0, (now - ms) / 1000);
  return s < 60 ? `${s.toFixed(1)} s ago` : `${Math.round(s / 60)} min ago`;
}

// Builds an element with text content (never innerHTML: names come from
// model messages and must not become markup).
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) tr.appendChild(c instanceof Node ? c : el("td", String(c)));
  return tr;
}

function num(v, digits) { return el("td", fmt(v, digits), "num"); }

function fill(tbody, rows) { tbody.replaceChildren(...rows); }

function drawChart() {
  const c = $("chart");
  const g = c.getContext("2d");
  const w = c.width, h = c.height;
  g.clearRect(0, 0, w, h);
  const max = Math.max(1, ...rates);
  g.strokeStyle = "#e3e7ef";
  g.fillStyle = "#6b7385";
  g.font = "11px system-ui, sans-serif";
  for (let i = 0; i <= 2; i++) {
    const y = 10 + (h - 20) * i / 2;
    g.beginPath(); g.moveTo(40, y); g.lineTo(w, y); g.stroke();
    g.fillText(fmt(max * (1 - i / 2)), 2, y + 4);
  }
  if (rates.length < 2) return;
  g.strokeStyle = "#2f6fdf";
  g.lineWidth = 2;
  g.beginPath();
  rates.forEach((r, i) => {
    const x = 40 + (w - 40) * (i + HISTORY - rates.length) / (HISTORY - 1);
    const y = 10 + (h - 20) * (1 - r / max);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
}

function render(o) {
  $("instance").textContent = `${o.engine} engine, port ${o.port}`;
  const ready = $("ready");
  ready.textContent = o.ready ? "ready" : "not ready";
  ready.className = "badge " + (o.ready ? "ok" : "bad");
  ready.title = o.notReadyReason || "";
  $("updated").textContent = "updated " + time(o.time);

  if (last) {
    const dt = (o.time - last.time) / 1000;
    const rate = dt > 0 ? Math.max(0, (o.records.scored - last.records.scored) / dt) : 0;
    rates.push(rate);
    if (rates.length > HISTORY) rates.shift();
    $("throughput").textContent = fmt(rate);
  }
  last = o;
  $("scored").textContent = fmt(o.records.scored);
  $("p50").textContent = fmt(o.latencyMs.p50 * 1000, 2);
  $("p90").textContent = fmt(o.latencyMs.p90 * 1000, 2);
  $("p99").textContent = fmt(o.latencyMs.p99 * 1000, 2);
  const rj = o.rejects;
  $("rejected").textContent = fmt(rj.malformed + rj.unserved + rj.failed);
  drawChart();

  fill($("models").tBodies[0], o.models.map((m) => {
    const cur = m.model;
    const swaps = el("td");
    for (const ev of m.history) {
      const s = el("span", `${ev.name} ${time(ev.at)}`, "swap" + (ev.loaded ? "" : " failed"));
      if (!ev.loaded) s.title = ev.reason;
      swaps.appendChild(s);
    }
    return row([
      el("td", m.dataType),
      cur ? el("td", cur.name, "model") : el("td", "no model", "none"),
      el("td", cur ? cur.modelType : ""),
      el("td", cur ? time(cur.since) : ""),
      num(m.scored), num(m.failed), num(m.unserved),
      num(cur ? cur.p50 * 1000 : null, 2), num(cur ? cur.p99 * 1000 : null, 2),
      swaps,
    ]);
  }));

  fill($("rejects").tBodies[0], [
    row([el("td", "malformed (did not decode)"), num(rj.malformed)]),
    row([el("td", "unserved (no model for its data type)"), num(rj.unserved)]),
    row([el("td", "failed (the model could not score it)"), num(rj.failed)]),
  ]);

  fill($("instances").tBodies[0], o.instances.map((i) => row([
    el("td", i.id || `${i.host}:${i.port}`),
    el("td", i.engine || ""),
    el("td", (i.partitions || []).join(", ") || "none"),
    el("td", time(i.startedAt)),
    el("td", i.heartbeatAt ? ago(i.heartbeatAt, o.time) : ""),
  ])));

  fill($("recent").tBodies[0], o.recent.slice(0, 12).map((p) => row([
    el("td", time(p.at)), el("td", p.dataType), el("td", p.model),
    el("td", p.label !== "" ? `class ${p.label}` : fmt(p.value, 4)),
    num(p.durationMs * 1000, 2), el("td", `${p.partition}@${p.offset}`),
  ])));
}

async function poll() {
  try {
    const r = await fetch("/api/overview", { cache: "no-store" });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    render(await r.json());
  } catch (e) {
    // The server restarting is not a page error: say so and keep polling.
    $("ready").textContent = "unreachable";
    $("ready").className = "badge bad";
    $("ready").title = String(e);
  }
  setTimeout(poll, POLL_MS);
}

poll();
