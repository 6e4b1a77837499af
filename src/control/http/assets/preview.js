// tinydisplay live preview: draws the panel's pixels from the damaged rectangles the
// engine streams (Server-Sent Events), shows the dataset and source health, and sends
// control commands. No build step, no dependencies.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const withToken = (url) => token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url;

const screen = document.getElementById("screen");
const ctx = screen.getContext("2d");
const off = document.createElement("canvas");
const offCtx = off.getContext("2d");
let image = null;           // ImageData at panel pixels
let scale = Number(document.getElementById("scale").value);
const data = new Map();     // key -> {value, tick}
const view = { tick: null, width: 0, height: 0, frames: 0, state: null };
window.tinydisplay = view;  // for tests and the curious

function resize(w, h) {
  off.width = w; off.height = h;
  image = offCtx.createImageData(w, h);
  for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
  screen.width = w * scale; screen.height = h * scale;
  ctx.imageSmoothingEnabled = false;
  view.width = w; view.height = h;
}

function redraw(x, y, w, h) {
  offCtx.putImageData(image, 0, 0, x, y, w, h);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, x, y, w, h, x * scale, y * scale, w * scale, h * scale);
}

function onFrame(f) {
  if (!image || f.width !== view.width || f.height !== view.height) resize(f.width, f.height);
  const px = image.data, stride = f.width * 4, ch = f.channels;
  for (const [x, y, w, h, b64] of f.rects) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    let i = 0;
    for (let row = 0; row < h; row++) {
      let o = (y + row) * stride + x * 4;
      for (let col = 0; col < w; col++, o += 4) {
        if (ch === 1) { const v = bytes[i++]; px[o] = v; px[o + 1] = v; px[o + 2] = v; }
        else { px[o] = bytes[i++]; px[o + 1] = bytes[i++]; px[o + 2] = bytes[i++]; }
      }
    }
    redraw(x, y, w, h);
  }
  view.tick = f.tick;
  view.frames++;
}

const text = (v) => typeof v === "string" ? v : JSON.stringify(v);
function cell(tr, content, cls) {
  const td = tr.insertCell();
  td.textContent = content;
  if (cls) td.className = cls;
  return td;
}

function onState(s) {
  view.state = s;
  const pages = s.pages.map((p) => (p.sequence ? p.sequence + ": " : "") + (p.page ?? "#" + p.index)).join(", ");
  document.getElementById("info").textContent =
    `tick ${s.tick} · ${s.fps_achieved} of ${s.fps} fps · ${s.paused ? "PAUSED" : "running"}` +
    (pages ? ` · page ${pages}` : "") + (s.asleep ? " · panel asleep" : "");
  const banner = document.getElementById("banner");
  banner.hidden = s.scene.problems.length === 0;
  banner.textContent = s.scene.problems.length
    ? "The scene file has problems; the previous scene keeps running:\n" + s.scene.problems.join("\n")
    : "";
  const body = document.querySelector("#sources tbody");
  body.replaceChildren();
  for (const [name, h] of Object.entries(s.sources)) {
    const tr = body.insertRow();
    cell(tr, name);
    cell(tr, h.ok ? "ok" : "failing", h.ok ? "ok" : "bad");
    cell(tr, String(h.failures));
    cell(tr, h.last_error ?? "");
  }
}

let justChanged = new Set();
function onData(msg) {
  if (msg.full) data.clear();
  justChanged = new Set(msg.full ? [] : Object.keys(msg.keys));
  for (const [k, v] of Object.entries(msg.keys)) data.set(k, v);
  renderData();
}

function renderData() {
  const filter = document.getElementById("filter").value;
  const body = document.querySelector("#data tbody");
  body.replaceChildren();
  const keys = [...data.keys()].sort();
  document.getElementById("count").textContent = `(${keys.length} keys)`;
  for (const k of keys) {
    if (filter && !k.includes(filter)) continue;
    const d = data.get(k);
    const tr = body.insertRow();
    tr.dataset.key = k;
    cell(tr, k);
    cell(tr, text(d.value), "v");
    cell(tr, String(d.tick));
    if (justChanged.has(k)) {
      tr.className = "changed";
      setTimeout(() => tr.classList.remove("changed"), 50);
    }
  }
}

async function command(cmd) {
  const reply = document.getElementById("reply");
  try {
    const r = await fetch(withToken("/api/control"), {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(cmd),
    });
    const body = await r.json();
    reply.textContent = body.ok ? `${cmd.cmd}: ok` : `${cmd.cmd}: ${body.error}`;
    reply.className = body.ok ? "reply" : "reply error";
  } catch (e) {
    reply.textContent = `${cmd.cmd}: ${e}`;
    reply.className = "reply error";
  }
}

for (const id of ["pause", "resume", "next", "previous"]) {
  document.getElementById(id).addEventListener("click", () => command({ cmd: id }));
}
document.getElementById("step").addEventListener("click", () => command({ cmd: "step", n: 1 }));
document.getElementById("setform").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const key = document.getElementById("key").value.trim();
  const raw = document.getElementById("value").value;
  let value;
  try { value = JSON.parse(raw); } catch { value = raw; }
  command({ cmd: "set", key, value });
});
document.getElementById("filter").addEventListener("input", renderData);
document.getElementById("scale").addEventListener("change", (ev) => {
  scale = Number(ev.target.value);
  if (image) {
    screen.width = view.width * scale; screen.height = view.height * scale;
    redraw(0, 0, view.width, view.height);
  }
});

function connect() {
  const status = document.getElementById("status");
  const es = new EventSource(withToken("/api/stream"));
  es.addEventListener("open", () => { status.textContent = "live"; status.className = "status"; });
  es.addEventListener("error", () => { status.textContent = "disconnected, retrying…"; status.className = "status down"; });
  es.addEventListener("frame", (e) => onFrame(JSON.parse(e.data)));
  es.addEventListener("state", (e) => onState(JSON.parse(e.data)));
  es.addEventListener("data", (e) => onData(JSON.parse(e.data)));
}
connect();
