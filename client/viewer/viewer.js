// The vramvnc viewer: noVNC (the @novnc/novnc package, served by the web port under /novnc/) for
// the screen, and a side panel fed once a second by /stats/stream (the /stats JSON plus the
// per-page dirty recency) showing the dirty-VRAM tracker at work.
import RFB from '/novnc/core/rfb.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/websockify`;

/** What tests and curious people can reach from the console. */
const viewer = {
  rfb: null,
  connected: false,
  frames: 0,
  lastStats: null,
  encoding: null,
  heat: { cols: 64, cell: 5, pages: 0 },
  clipboardFromGuest: [],
};
window.viewer = viewer;

// ---- the screen ----

// "Lossless": leave noVNC's QualityLevel pseudo-encodings (-32..-23) out of its SetEncodings, so that
// a Tight server sends no JPEG (rfbproto: JPEG only for clients that sent a quality level).
const noVncClientEncodings = RFB.messages.clientEncodings;
RFB.messages.clientEncodings = function (sock, encodings) {
  const list = $('lossless').checked ? encodings.filter((e) => e < -32 || e > -23) : encodings;
  return noVncClientEncodings.call(this, sock, list);
};
$('lossless').checked = params.get('lossless') === '1';

function setStatus(text) {
  $('status').textContent = text;
}

function statusLine() {
  const r = viewer.rfb;
  if (!viewer.connected || !r) return;
  const st = viewer.lastStats;
  const fb = st ? `${st.width}x${st.height}` : '';
  const flags = `${$('lossless').checked ? ' · lossless' : ''}${r.viewOnly ? ' · view only' : ''}`;
  setStatus(`connected ${fb} · encoding ${viewer.encoding ?? '?'}${flags}`);
}

function connect() {
  viewer.securityFailure = null;
  const rfb = new RFB($('screen'), wsUrl, { shared: true });
  viewer.rfb = rfb;
  // ask for the best picture the server can give (lossless where the encoding allows)
  rfb.qualityLevel = 9;
  rfb.compressionLevel = 2;
  rfb.scaleViewport = $('scale').checked;
  rfb.viewOnly = $('viewonly').checked;
  rfb.focusOnClick = true;
  rfb.addEventListener('connect', () => {
    viewer.connected = true;
    startStats();
    $('connect').textContent = 'Disconnect';
    statusLine();
    rfb.focus();
  });
  rfb.addEventListener('disconnect', (e) => {
    viewer.connected = false;
    viewer.rfb = null;
    $('connect').textContent = 'Connect';
    // a refused password is the reason worth keeping on screen, not the disconnect after it
    setStatus(viewer.securityFailure ?? (e.detail.clean ? 'disconnected' : 'connection lost'));
  });
  rfb.addEventListener('clipboard', (e) => {
    viewer.clipboardFromGuest.push(e.detail.text);
    $('clipboard').value = e.detail.text;
  });
  rfb.addEventListener('desktopname', (e) => {
    document.title = `${e.detail.name} – vramvnc viewer`;
  });
  // a server started with --password-file asks for it (VNC Authentication); ?password= also works
  rfb.addEventListener('credentialsrequired', () => {
    const given = new URLSearchParams(location.search).get('password') ?? window.prompt('VNC password');
    if (given === null) rfb.disconnect();
    else {
      rfb.sendCredentials({ password: given });
      setStatsPassword(given);
    }
  });
  rfb.addEventListener('securityfailure', (e) => {
    const reason = e.detail.reason && !/^authentication failed\.?$/i.test(e.detail.reason) ? e.detail.reason : 'wrong password?';
    viewer.securityFailure = `authentication failed (${reason})`;
    setStatus(viewer.securityFailure);
  });
  setStatus('connecting');
}

$('connect').addEventListener('click', () => {
  if (viewer.rfb) viewer.rfb.disconnect();
  else connect();
});
$('scale').addEventListener('change', () => {
  if (viewer.rfb) viewer.rfb.scaleViewport = $('scale').checked;
});
$('viewonly').addEventListener('change', () => {
  if (viewer.rfb) {
    viewer.rfb.viewOnly = $('viewonly').checked;
    viewer.rfb.focus(); // keys go back to the guest, not to the checkbox
  }
  statusLine();
});
$('lossless').addEventListener('change', () => {
  const r = viewer.rfb;
  if (r && viewer.connected) {
    // any change of quality level makes noVNC send SetEncodings again (now with or without it)
    const q = r.qualityLevel;
    r.qualityLevel = q === 9 ? 8 : 9;
    r.qualityLevel = q;
    r.focus();
  }
  statusLine();
});
$('cad').addEventListener('click', () => {
  viewer.rfb?.sendCtrlAltDel();
  viewer.rfb?.focus();
});
$('fullscreen').addEventListener('click', () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen().catch(() => {});
});
$('clipboard-toggle').addEventListener('click', () => {
  $('clipboard-box').hidden = !$('clipboard-box').hidden;
});
$('clipboard-send').addEventListener('click', () => viewer.rfb?.clipboardPasteFrom($('clipboard').value));
// paste as keystrokes: the server types the text (POST /type), for guests that have no clipboard
$('clipboard-type').addEventListener('click', async () => {
  const headers = { 'content-type': 'text/plain;charset=utf-8' };
  if (statsPassword !== null) headers.authorization = basicAuth(statsPassword);
  try {
    const res = await fetch('/type', { method: 'POST', headers, body: $('clipboard').value });
    const r = res.ok ? await res.json() : null;
    $('clipboard-status').textContent = r ? `typed ${r.typed} characters${r.skipped ? `, ${r.skipped} without a key skipped` : ''}` : `not typed: ${(await res.text()).trim()}`;
  } catch (err) {
    $('clipboard-status').textContent = `not typed: ${err.message}`;
  }
  viewer.rfb?.focus();
});

// ---- the panel ----

/** Heat colour of a page by the age of its last reported write. */
function heatColour(age) {
  if (age < 0) return '#2a2f36';
  if (age < 1000) return '#ff3b30';
  if (age < 3000) return '#ff9500';
  if (age < 10000) return '#ffd60a';
  if (age < 60000) return '#34c759';
  return '#1e5a8c';
}

function drawHeat(pages) {
  const canvas = $('heat');
  const { cols, cell } = viewer.heat;
  const rows = Math.ceil(pages.totalPages / cols);
  viewer.heat.pages = pages.totalPages;
  viewer.lastPages = pages;
  if (canvas.height !== rows * cell) canvas.height = rows * cell;
  canvas.width = cols * cell;
  const g = canvas.getContext('2d');
  g.fillStyle = '#000';
  g.fillRect(0, 0, canvas.width, canvas.height);
  const end = pages.firstPfn + pages.nr;
  for (let p = 0; p < pages.totalPages; p++) {
    const x = (p % cols) * cell;
    const y = Math.floor(p / cols) * cell;
    const inFb = p >= pages.firstPfn && p < end;
    g.fillStyle = inFb || pages.ageMs[p] >= 0 ? heatColour(pages.ageMs[p]) : '#15181c';
    g.fillRect(x, y, cell - 1, cell - 1);
  }
  const mib = (pages.totalPages * 4) / 1024;
  $('heat-caption').textContent = `${pages.totalPages} × 4 KiB (${mib} MiB), framebuffer ${pages.nr} pages`;
}

// hover: which page a cell is, and how long ago it was dirtied
$('heat').addEventListener('mousemove', (e) => {
  const pages = viewer.lastPages;
  if (!pages) return;
  const { cols, cell } = viewer.heat;
  const r = e.target.getBoundingClientRect();
  const p = Math.floor((e.clientY - r.top) / cell) * cols + Math.floor((e.clientX - r.left) / cell);
  if (p < 0 || p >= pages.totalPages) return;
  const age = pages.ageMs[p];
  const where = p >= pages.firstPfn && p < pages.firstPfn + pages.nr ? 'framebuffer' : 'outside the framebuffer';
  e.target.title = `page ${p} (VRAM +0x${(p * 4096).toString(16)}), ${where}: ${age < 0 ? 'never reported dirty' : `dirty ${(age / 1000).toFixed(1)} s ago`}`;
});

const PLOTS = [
  { key: 'cpu', label: 'server CPU', unit: '%', fmt: (v) => v.toFixed(1) },
  { key: 'updates', label: 'updates/s', unit: '', fmt: (v) => v.toFixed(0) },
  { key: 'bytes', label: 'bytes/s', unit: '', fmt: (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0)) },
  { key: 'pages', label: 'dirty pages/s', unit: '', fmt: (v) => v.toFixed(0) },
];
const HISTORY = 90;
const series = Object.fromEntries(PLOTS.map((p) => [p.key, []]));
viewer.series = series;

for (const p of PLOTS) {
  const div = document.createElement('div');
  div.className = 'plot';
  div.innerHTML = `<div class="label"><span>${p.label}</span><span id="v-${p.key}">–</span></div><canvas id="plot-${p.key}" width="324" height="44"></canvas>`;
  $('plots').appendChild(div);
}

function drawPlot(p) {
  const data = series[p.key];
  const canvas = $(`plot-${p.key}`);
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  const max = Math.max(1e-9, ...data) * 1.1;
  g.strokeStyle = '#4fc3f7';
  g.fillStyle = 'rgba(79,195,247,0.15)';
  g.beginPath();
  const step = canvas.width / (HISTORY - 1);
  const x0 = canvas.width - (data.length - 1) * step;
  data.forEach((v, i) => {
    const x = x0 + i * step;
    const y = canvas.height - 2 - (v / max) * (canvas.height - 4);
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
  if (data.length) {
    g.lineTo(canvas.width, canvas.height);
    g.lineTo(x0, canvas.height);
    g.fill();
    $(`v-${p.key}`).textContent = `${p.fmt(data[data.length - 1])}${p.unit} (max ${p.fmt(max / 1.1)}${p.unit})`;
  }
}

function ago(iso) {
  if (!iso) return 'never';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  return `${new Date(iso).toLocaleTimeString()} (${s < 0 ? 0 : s.toFixed(1)} s ago)`;
}

let prev = null;
function onStats(stats, pages) {
  viewer.lastStats = stats;
  const t = stats.tracking;
  const el = $('tracking-state');
  const label = t.state === 'scanning' ? 'scanning' : t.state;
  el.textContent = label;
  el.className = `state ${label}`;
  $('tracking-mode').textContent = `(--tracking ${t.mode}, drop after ${t.idleDropMs} ms idle)`;
  $('last-drop').textContent = ago(t.lastDropAt);
  $('last-rearm').textContent = ago(t.lastRearmAt);
  $('tracking-counters').textContent = `queries ${t.queries} · drops ${t.drops} · re-arms ${t.rearms} · faults ${t.faults}`;
  drawHeat(pages);
  const ws = stats.clients.filter((c) => c.address.startsWith('ws://'));
  const encs = [...new Set((ws.length ? ws : stats.clients).map((c) => c.encoding))];
  viewer.encoding = encs.join('/') || null;
  statusLine();
  const cur = {
    ms: stats.process.uptimeMs,
    cpu: stats.process.cpuUserUs + stats.process.cpuSystemUs,
    updates: stats.updates,
    bytes: stats.bytesSent,
    pages: t.pagesReported,
  };
  if (prev && cur.ms > prev.ms) {
    const dt = (cur.ms - prev.ms) / 1000;
    const push = (k, v) => {
      series[k].push(v);
      if (series[k].length > HISTORY) series[k].shift();
    };
    push('cpu', (cur.cpu - prev.cpu) / 1e4 / dt);
    push('updates', (cur.updates - prev.updates) / dt);
    push('bytes', (cur.bytes - prev.bytes) / dt);
    push('pages', (cur.pages - prev.pages) / dt);
    for (const p of PLOTS) drawPlot(p);
  }
  prev = cur;
}

// ---- the stats stream ----
// A server with a password asks for it on /stats too (HTTP Basic, any user name). EventSource cannot
// send it, so the stream is read with fetch, with the VNC password once the viewer knows it
// (?password= or the prompt). It starts when the RFB connection is up: by then the viewer knows
// whether there is a password (a 401 would make the browser ask for one in its own dialog).

let statsPassword = params.get('password');
let passwordKnown = null;
/** The viewer learned the VNC password: the stats stream may use it. */
function setStatsPassword(p) {
  statsPassword = p;
  passwordKnown?.();
}

function basicAuth(password) {
  const bytes = new TextEncoder().encode(`:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function readStats(res) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (!data) continue;
      const { stats, pages } = JSON.parse(data);
      viewer.statsEvents = (viewer.statsEvents ?? 0) + 1;
      onStats(stats, pages);
    }
  }
}

let statsStarted = false;
async function startStats() {
  if (statsStarted) return;
  statsStarted = true;
  for (;;) {
    const tried = statsPassword;
    const headers = tried !== null ? { authorization: basicAuth(tried) } : {};
    try {
      const res = await fetch('/stats/stream', { headers, cache: 'no-store' });
      if (res.status === 401) {
        viewer.statsStatus = 'password needed';
        // wait for a (new) password from the RFB side
        while (statsPassword === tried) await new Promise((r) => (passwordKnown = r));
        continue;
      }
      if (res.ok && res.body) {
        viewer.statsStatus = 'streaming';
        await readStats(res);
      }
    } catch {
      // the server went away or restarted: try again below
    }
    viewer.statsStatus = 'reconnecting';
    await sleep(2000);
  }
}

if (params.get('autoconnect') !== '0') connect();
else setStatus('disconnected');
if (params.get('autoconnect') === '0' || statsPassword !== null) startStats();
