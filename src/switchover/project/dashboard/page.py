"""The dashboard's HTML: one self-contained page (inline CSS, vanilla JS, SVG charts; no CDN).
All URLs are relative so the app works at ``/`` and mounted under ``/ui/``."""

from __future__ import annotations

__all__ = ["LOGIN_HTML", "PAGE_HTML"]

_CSS = """
:root{--bg:#f5f7fa;--card:#fff;--ink:#1d2330;--muted:#667085;--line:#e4e7ec;--go:#12805c;
--nogo:#c4320a;--inc:#b54708;--accent:#2952cc;--base:#667085;--cand:#2952cc}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:var(--bg);color:var(--ink)}
header{background:#111827;color:#fff;padding:14px 28px;display:flex;align-items:center;gap:16px}
header h1{font-size:18px;margin:0;font-weight:600}
header .sub{color:#9ca3af;font-size:13px;margin-left:auto}
main{max-width:1180px;margin:0 auto;padding:22px 28px 60px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:20px 22px;
margin-bottom:22px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.card h2{margin:0 0 2px;font-size:19px}
.models{color:var(--muted);font-family:ui-monospace,Menlo,monospace;font-size:13px}
.badges{display:flex;gap:8px;flex-wrap:wrap;margin:12px 0 4px}
.badge{border-radius:999px;padding:3px 11px;font-size:12.5px;font-weight:600;
background:#eef2f6;color:var(--ink)}
.b-go{background:#e7f6ef;color:var(--go)}.b-nogo{background:#fdeee8;color:var(--nogo)}
.b-inc{background:#fef4e6;color:var(--inc)}.b-info{background:#e9eefc;color:var(--accent)}
.grid{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:14px 0}
.fact{border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.fact .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.fact .v{font-size:18px;font-weight:600;margin-top:2px}
.fact .s{color:var(--muted);font-size:12.5px}
.next{background:#eef4ff;border-left:4px solid var(--accent);padding:10px 14px;border-radius:6px;
margin:10px 0}
.warn{background:#fffaeb;border-left:4px solid #f79009;padding:9px 14px;border-radius:6px;
margin:8px 0;color:#7a2e0e}
.stages{display:flex;gap:6px;flex-wrap:wrap;margin:8px 0 4px}
.stage{padding:4px 10px;border-radius:6px;border:1px solid var(--line);font-size:12.5px;
color:var(--muted)}
.stage.done{background:#e7f6ef;border-color:#a6e3c9;color:var(--go)}
.stage.current{background:var(--accent);border-color:var(--accent);color:#fff;font-weight:600}
h3{font-size:14px;margin:18px 0 8px;color:#344054}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;color:var(--muted);font-weight:500;border-bottom:1px solid var(--line);
padding:6px 8px}
td{border-bottom:1px solid #f0f2f5;padding:6px 8px;vertical-align:top}
.nowrap{white-space:nowrap}
td.num{font-variant-numeric:tabular-nums;font-family:ui-monospace,Menlo,monospace}
.charts{display:grid;grid-template-columns:repeat(3,1fr);gap:14px}
.chart{border:1px solid var(--line);border-radius:10px;padding:8px 10px}
.chart .t{font-size:12.5px;color:var(--muted);margin-bottom:2px}
.legend{display:flex;gap:14px;font-size:12.5px;color:var(--muted);margin:6px 0 0}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;
vertical-align:-1px}
.controls{display:flex;gap:8px;flex-wrap:wrap;margin-top:6px}
button{font:inherit;border-radius:8px;border:1px solid var(--line);background:#fff;
padding:7px 14px;cursor:pointer;font-weight:600}
button:hover{background:#f3f4f6}
button:disabled{opacity:.45;cursor:not-allowed}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
button.danger{background:#fff;border-color:#f4b5a3;color:var(--nogo)}
button.kill{background:var(--nogo);border-color:var(--nogo);color:#fff}
dialog{border:none;border-radius:12px;padding:22px;width:440px;
box-shadow:0 20px 50px rgba(0,0,0,.25)}
dialog::backdrop{background:rgba(17,24,39,.45)}
dialog h3{margin-top:0;font-size:17px;color:var(--ink)}
dialog input{width:100%;padding:8px;border:1px solid var(--line);border-radius:8px;font:inherit}
.row{display:flex;gap:8px;justify-content:flex-end;margin-top:16px}
.toast{position:fixed;right:24px;bottom:24px;background:#111827;color:#fff;padding:10px 16px;
border-radius:8px;display:none;max-width:520px}
.muted{color:var(--muted)}
a{color:var(--accent)}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:22px}
@media (max-width:900px){.grid,.charts,.cols{grid-template-columns:1fr 1fr}}
"""

_JS = r"""
const $ = (s, el = document) => el.querySelector(s);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g,
  (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const fmt = (x, d = 3) => x === null || x === undefined ? "n/a" :
  (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x).toPrecision(d));
const sgn = (x) => x === null || x === undefined ? "n/a" : (x >= 0 ? "+" : "") + fmt(x);
const VCLS = {"GO": "b-go", "NO-GO": "b-nogo", "INCONCLUSIVE": "b-inc"};
const OCLS = {"pass": "b-go", "fail": "b-nogo", "inconclusive": "b-inc"};
let pending = null;

async function api(path, opts = {}) {
  const r = await fetch(path, {credentials: "same-origin", ...opts});
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((body.error && body.error.message) || r.statusText);
  return body;
}

function chart(title, series, key, pct) {
  const W = 330, H = 120, P = 30;
  const t = series.t, arms = ["baseline", "candidate"];
  const vals = arms.flatMap((a) => series[a][key]).filter((v) => v !== null);
  let max = vals.length ? Math.max(...vals) : 1;
  if (max <= 0) max = pct ? 0.05 : 1;
  max *= 1.15;
  const x = (i) => P + (i * (W - P - 6)) / Math.max(1, t.length - 1);
  const y = (v) => H - 18 - (v / max) * (H - 28);
  let svg = `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">`;
  for (const f of [0, 0.5, 1]) {
    const yy = y(max * f / 1.15);
    svg += `<line x1="${P}" x2="${W - 4}" y1="${yy}" y2="${yy}" stroke="#eef0f3"/>`;
    const lab = pct ? (max * f / 1.15 * 100).toFixed(1) + "%" : fmt(max * f / 1.15, 2);
    svg += `<text x="${P - 4}" y="${yy + 3}" font-size="9" text-anchor="end" fill="#98a2b3">${lab}</text>`;
  }
  const colors = {baseline: "#98a2b3", candidate: "#2952cc"};
  for (const a of arms) {
    let d = "", pen = false;
    series[a][key].forEach((v, i) => {
      if (v === null) { pen = false; return; }
      d += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1) + " ";
      pen = true;
    });
    if (d) svg += `<path d="${d}" fill="none" stroke="${colors[a]}" stroke-width="2" stroke-linejoin="round"/>`;
  }
  const first = t.length ? t[0].slice(11, 16) : "", last = t.length ? t[t.length - 1].slice(11, 16) : "";
  svg += `<text x="${P}" y="${H - 3}" font-size="9" fill="#98a2b3">${first}</text>`;
  svg += `<text x="${W - 4}" y="${H - 3}" font-size="9" text-anchor="end" fill="#98a2b3">${last} UTC</text>`;
  const total = (a) => series[a].count.reduce((s, v) => s + v, 0);
  if (!vals.length) svg += `<text x="${W / 2}" y="${H / 2}" font-size="11" text-anchor="middle" fill="#98a2b3">no traffic in the last hour</text>`;
  svg += "</svg>";
  return `<div class="chart" data-chart="${key}"><div class="t">${esc(title)}</div>${svg}
    <div class="legend"><span><span class="sw" style="background:#98a2b3"></span>baseline (${total("baseline")})</span>
    <span><span class="sw" style="background:#2952cc"></span>candidate (${total("candidate")})</span></div></div>`;
}

function ciBar(k) {
  if (k.ci_low === null || k.ci_high === null) return "";
  const lo = Math.min(k.ci_low, -k.margin) , hi = Math.max(k.ci_high, k.margin, 0.001);
  const span = Math.max(Math.abs(lo), Math.abs(hi)) * 1.1, W = 220;
  const px = (v) => W / 2 + (v / span) * (W / 2);
  const good = k.direction === "higher" ? -k.margin : k.margin;
  const col = k.verdict === "GO" ? "#12805c" : (k.verdict === "NO-GO" ? "#c4320a" : "#b54708");
  return `<svg width="${W}" height="16" viewBox="0 0 ${W} 16">
    <line x1="${W / 2}" x2="${W / 2}" y1="1" y2="15" stroke="#667085"/>
    <line x1="${px(good)}" x2="${px(good)}" y1="1" y2="15" stroke="#f79009" stroke-dasharray="2,2"/>
    <line x1="${px(k.ci_low)}" x2="${px(k.ci_high)}" y1="8" y2="8" stroke="${col}" stroke-width="4" stroke-linecap="round"/>
    <circle cx="${px(k.diff ?? 0)}" cy="8" r="3.5" fill="#fff" stroke="${col}" stroke-width="2"/></svg>`;
}

function controls(m) {
  const s = m.rollout.status;
  const can = {
    promote: ["baseline", "shadow", "canary"].includes(s),
    pause: ["shadow", "canary"].includes(s),
    resume: s === "paused",
    rollback: ["shadow", "canary", "paused"].includes(s),
    kill: ["shadow", "canary", "paused", "complete"].includes(s),
    reset: ["rolled_back", "complete"].includes(s),
  };
  const cls = {promote: "primary", pause: "", resume: "primary", rollback: "danger", kill: "kill",
    reset: ""};
  return Object.keys(can).map((a) =>
    `<button class="${cls[a]}" data-action="${a}" data-migration="${esc(m.name)}" ${can[a] ? "" : "disabled"}>${a}</button>`
  ).join("");
}

function card(m, detail) {
  const ev = m.eval, ro = m.rollout;
  const left = m.days_left;
  const dcls = left === null ? "" : (left < 14 ? "b-nogo" : (left < 45 ? "b-inc" : "b-go"));
  const verdict = ev ? (ev.verdict || "running") : "not evaluated";
  let h = `<section class="card" data-migration="${esc(m.name)}">
    <h2>${esc(m.name)}</h2>
    <div class="models">${esc(m.from_model)} → ${esc(m.to_model)}${m.owner ? " · owner " + esc(m.owner) : ""}</div>
    <div class="badges">
      <span class="badge ${dcls}">${left === null ? "no deadline" : left >= 0 ? left + " days left" : -left + " days past"}</span>
      <span class="badge ${VCLS[verdict] || ""}" data-k="verdict">eval: ${esc(verdict)}</span>
      <span class="badge b-info" data-k="rollout">${esc(ro.summary)}</span>
    </div>
    <div class="grid">
      <div class="fact"><div class="k">Deadline</div><div class="v">${esc(m.deadline || "—")}</div>
        <div class="s">${esc(m.deadline_source)}${m.shutdown_date ? "; shutdown " + esc(m.shutdown_date) : ""}</div></div>
      <div class="fact"><div class="k">Code on old model</div><div class="v">${m.call_sites.length} site(s)</div>
        <div class="s">${m.param_problems} parameter problem(s)</div></div>
      <div class="fact"><div class="k">Evaluation</div><div class="v">${esc(verdict)}</div>
        <div class="s">${ev ? esc(ev.run_id) : "run switchover eval"}</div></div>
      <div class="fact"><div class="k">Rollout</div><div class="v">${ro.status === "canary" ? ro.percent + "%" : esc(ro.status)}</div>
        <div class="s">state v${ro.version}; failures ${ro.failures}/${ro.failure_limit}</div></div>
    </div>
    <div class="stages">${ro.stages.map((s) => `<span class="stage ${s.state}">${esc(s.label)}</span>`).join("")}</div>
    <div class="next"><b>Next:</b> ${esc(m.next_step)}</div>
    ${m.warnings.map((w) => `<div class="warn">⚠ ${esc(w)}</div>`).join("")}
    <div class="controls">${controls(m)}</div>`;
  if (detail) {
    h += `<h3>Live metrics per arm (last hour, per minute)</h3><div class="charts">
      ${chart("p95 latency (ms)", detail.series, "p95_latency_ms", false)}
      ${chart("error rate", detail.series, "error_rate", true)}
      ${chart("requests per minute", detail.series, "count", false)}</div>`;
  }
  if (ev && ev.intervals.length) {
    h += `<h3>Evaluation: candidate − baseline with 95% interval
      <span class="muted" style="font-weight:400">(bar: interval · dot: estimate · dashed: allowed margin)</span></h3>
      <table class="intervals"><tr><th>metric</th><th>difference [95% CI]</th><th>margin</th><th></th><th>verdict</th></tr>
      ${ev.intervals.map((k) => `<tr><td>${esc(k.metric)}</td><td class="num nowrap">${sgn(k.diff)} [${sgn(k.ci_low)}, ${sgn(k.ci_high)}]</td>
      <td class="num">${fmt(k.margin, 2)}</td><td>${ciBar(k)}</td><td><span class="badge ${VCLS[k.verdict] || ""}">${esc(k.verdict)}</span></td></tr>`).join("")}</table>`;
  }
  const links = Object.entries(m.report_links || {});
  if (links.length) h += `<p>Evaluation reports: ${links.map(([f, u]) => `<a href="${esc(u)}" target="_blank">${esc(f)}</a>`).join(" · ")}</p>`;
  h += `<div class="cols"><div>`;
  if (ro.gates.length) {
    h += `<h3>Gate readings (decision: ${esc(ro.decision || "")})</h3><table><tr><th>gate</th><th>outcome</th><th>baseline</th><th>candidate</th><th>n</th></tr>
      ${ro.gates.map((g) => `<tr title="${esc(g.reason)}"><td>${esc(g.gate)}</td><td><span class="badge ${OCLS[g.outcome] || ""}">${esc(g.outcome)}</span></td>
      <td class="num">${fmt(g.baseline)}</td><td class="num">${fmt(g.candidate)}</td><td class="num">${g.samples[0]}/${g.samples[1]}</td></tr>`).join("")}</table>`;
  } else {
    h += `<h3>Gate readings</h3><p class="muted">Gates are judged while a shadow or canary stage runs.</p>`;
  }
  if (m.call_sites.length) {
    h += `<h3>Sites still on ${esc(m.from_model)}</h3><table>${m.call_sites.slice(0, 12).map((s) =>
      `<tr><td class="num">${esc(s.path)}:${s.line}</td><td>${esc(s.context)}</td><td class="muted">${esc(s.params.join(", "))}</td></tr>`).join("")}</table>`;
  }
  h += `</div><div><h3>Audit trail</h3>`;
  const audit = detail ? detail.audit : [];
  h += audit.length ? `<table class="audit"><tr><th>when (UTC)</th><th>actor</th><th>action</th><th>to</th></tr>
    ${audit.slice(0, 15).map((e) => `<tr title="${esc(e.reason)}"><td class="num nowrap">${esc(e.at.slice(5, 19).replace("T", " "))}</td>
    <td>${esc(e.actor)}${e.reason ? `<div class="muted">${esc(e.reason)}</div>` : ""}</td><td>${esc(e.action)}</td><td>${esc(e.to_status)}${e.to_status === "canary" ? " " + e.to_percent + "%" : ""}</td></tr>`).join("")}</table>`
    : `<p class="muted">No events yet.</p>`;
  h += `</div></div></section>`;
  return h;
}

async function refresh() {
  try {
    const st = await api("api/status");
    const details = await Promise.all(st.migrations.map((m) =>
      api("api/migrations/" + encodeURIComponent(m.name)).catch(() => null)));
    $("#when").textContent = "updated " + new Date().toLocaleTimeString() + " · store " + st.store;
    $("#list").innerHTML = st.migrations.length ? st.migrations.map((m, i) => card(m, details[i])).join("")
      : `<section class="card">No migrations defined: run <code>switchover init</code>.</section>`;
  } catch (e) {
    $("#when").textContent = "error: " + e.message;
  }
}

function toast(text) {
  const t = $("#toast");
  t.textContent = text; t.style.display = "block";
  clearTimeout(t._h); t._h = setTimeout(() => { t.style.display = "none"; }, 5000);
}

document.addEventListener("click", (ev) => {
  const b = ev.target.closest("button[data-action]");
  if (!b || b.disabled) return;
  pending = {migration: b.dataset.migration, action: b.dataset.action};
  const verb = pending.action[0].toUpperCase() + pending.action.slice(1);
  $("#dlg-title").textContent = `${verb} ${pending.migration}?`;
  $("#dlg-text").textContent = {
    promote: "Move to the next stage now.", pause: "Freeze the current stage; no automatic moves.",
    resume: "Continue the paused stage.", rollback: "Stop the ramp; all traffic back to the baseline.",
    kill: "Kill switch: all traffic, served and shadow, to the baseline at once.",
    reset: "Back to baseline-only, ready to start the ramp again.",
  }[pending.action];
  $("#reason").value = "";
  $("#confirm").className = ["rollback", "kill"].includes(pending.action) ? "kill" : "primary";
  $("#confirm").textContent = "Confirm " + pending.action;
  $("#dlg").showModal();
});

async function confirmAction() {
  const p = pending; $("#dlg").close();
  if (!p) return;
  try {
    const r = await api(`api/migrations/${encodeURIComponent(p.migration)}/${p.action}`, {
      method: "POST",
      headers: {"content-type": "application/json", "x-switchover-action": "1"},
      body: JSON.stringify({confirm: p.migration, reason: $("#reason").value}),
    });
    toast(r.summary);
  } catch (e) { toast("refused: " + e.message); }
  pending = null;
  await refresh();
}

$("#confirm").addEventListener("click", confirmAction);
$("#cancel").addEventListener("click", () => { pending = null; $("#dlg").close(); });
refresh();
setInterval(refresh, 5000);
"""

PAGE_HTML = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>switchover · {{{{project}}}}</title><style>{_CSS}</style></head>
<body><header><h1>switchover · {{{{project}}}}</h1><span class="sub" id="when">loading…</span></header>
<main id="list"></main>
<dialog id="dlg"><h3 id="dlg-title"></h3><p id="dlg-text" class="muted"></p>
<label>Reason (kept in the audit log)<input id="reason" placeholder="optional"></label>
<div class="row"><button id="cancel">Cancel</button><button id="confirm" class="primary">Confirm</button></div>
</dialog><div class="toast" id="toast"></div>
<script>{_JS}</script></body></html>
"""

LOGIN_HTML = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>switchover · sign in</title>
<style>{_CSS} form{{max-width:380px;margin:80px auto}}</style></head>
<body><header><h1>switchover</h1></header>
<form class="card" method="post" action="login"><h2>Admin token</h2>
<p class="muted">The dashboard controls rollouts; enter the admin token.</p>
<input type="password" name="token" autofocus style="width:100%;padding:8px;border:1px solid #e4e7ec;border-radius:8px">
<p style="color:#c4320a">{{{{error}}}}</p><button class="primary" type="submit">Sign in</button></form>
</body></html>
"""
