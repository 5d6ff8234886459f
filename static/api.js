// api.js -- talking to synesthd: the self-description, multipart requests
// with progress, readable errors, and the same request as a curl command.

// The API key, for a server started with --api-key: from the page address
// (?key=...), then kept for this tab's session.
const KEY = new URLSearchParams(location.search).get("key") ||
  sessionStorage.getItem("synesthd-key") || "";
if (KEY) sessionStorage.setItem("synesthd-key", KEY);

function authHeaders() {
  return KEY ? { Authorization: "Bearer " + KEY } : {};
}

function keyError() {
  return new ApiError(KEY ? "The server did not accept this API key." : "This server needs an API key.",
    "Open the page as " + location.origin + "/?key=YOUR_KEY.", 401);
}

// GET /v1: endpoints, options (defaults, ranges, choices), modes, limits.
export async function describe() {
  const res = await fetch("/v1", { headers: { Accept: "application/json", ...authHeaders() } });
  if (res.status === 401) throw keyError();
  if (!res.ok) throw new ApiError("The server did not describe itself.", "Is synesthd running?");
  return res.json();
}

// The targets the server offers: the X of every POST /v1/generate/X.
export function targets(api) {
  return api.endpoints
    .map((e) => /^\/v1\/generate\/([a-z]+)$/.exec(e.path))
    .filter(Boolean)
    .map((m) => m[1]);
}

export class ApiError extends Error {
  constructor(message, hint, status) {
    super(message);
    this.hint = hint || "";
    this.status = status || 0;
  }
}

// A request: parts [{name, value: Blob|string, filename}] plus options
// {name: value}; parts first, then options, the order curl gets them.
export function formData(parts, options) {
  const fd = new FormData();
  for (const p of parts) {
    if (typeof p.value === "string") fd.append(p.name, p.value);
    else fd.append(p.name, p.value, p.filename);
  }
  for (const [k, v] of Object.entries(options)) fd.append(k, String(v));
  return fd;
}

async function errorOf(blob, status) {
  try {
    const body = JSON.parse(await blob.text());
    if (body && body.error && body.error.message)
      return new ApiError(sentence(body.error.message), sentence(body.error.hint), status);
  } catch (e) { /* not JSON: a proxy or a crash; say so plainly */ }
  return new ApiError("The server could not answer this request.", "Try again in a moment.", status);
}

// "no image decoder for this" -> "No image decoder for this."
function sentence(s) {
  if (!s) return "";
  s = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?。]$/.test(s) ? s : s + ".";
}

// POST parts and options to path.  onPhase(text, fraction|null) reports
// upload and download progress.  Resolves {blob, headers, ms}; rejects with
// an ApiError in plain words.
export function post(path, parts, options, onPhase) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const t0 = performance.now();
    xhr.open("POST", path);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.responseType = "blob";
    const phase = onPhase || (() => {});
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) phase("Sending", ev.loaded / ev.total);
    };
    xhr.upload.onload = () => phase("Working", null);
    xhr.onprogress = (ev) => {
      if (ev.lengthComputable && ev.total > 0) phase("Receiving", ev.loaded / ev.total);
    };
    xhr.onerror = () => reject(new ApiError("Could not reach the server.",
      "Check that synesthd is still running, then try again."));
    xhr.onload = async () => {
      const blob = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve({ blob, headers: headersOf(xhr), ms: performance.now() - t0 });
      } else if (xhr.status === 401) {
        reject(keyError());
      } else {
        const err = await errorOf(blob, xhr.status);
        if (xhr.status === 503 && !err.hint) err.hint = "The server is busy; try again in a second.";
        reject(err);
      }
    };
    xhr.send(formData(parts, options));
  });
}

export async function postJson(path, parts, options) {
  const r = await post(path, parts, options);
  return { json: JSON.parse(await r.blob.text()), blob: r.blob, headers: r.headers };
}

function headersOf(xhr) {
  const h = {};
  for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
    const i = line.indexOf(":");
    if (i > 0) h[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return h;
}

// Single-quote for a POSIX shell.
export function shq(s) {
  return /^[A-Za-z0-9_\/.:=@,+-]+$/.test(s) ? s : "'" + String(s).replace(/'/g, "'\\''") + "'";
}

// curl's -F splits a file name at ; and , unless it is double-quoted.
function curlFile(name) {
  return /[;,"\\\s]/.test(name) ? '"' + name.replace(/["\\]/g, "\\$&") + '"' : name;
}

// The curl command that sends exactly these parts and options: files as
// -F name=@file (curl types them by extension, the server sniffs the
// bytes), text with --form-string so that a leading @ or < stays text.
export function curlCommand(path, parts, options, outName) {
  const lines = [["curl", "-sS", "--fail-with-body"]];
  if (KEY) lines.push(["-H", '"Authorization: Bearer $SYNESTHD_API_KEY"']);
  for (const p of parts) {
    if (typeof p.value === "string") lines.push(["--form-string", shq(p.name + "=" + p.value)]);
    else lines.push(["-F", shq(p.name + "=@" + curlFile(p.filename))]);
  }
  const opts = Object.entries(options).map(([k, v]) => ["-F", shq(k + "=" + v)].join(" "));
  if (opts.length) lines.push(opts);
  lines.push(["-o", shq(outName), shq(location.origin + path)]);
  // One part or option group per line, joined by shell line continuations.
  return lines.map((l) => l.join(" ")).join(" \\\n  ");
}
