// app.js -- the synesthd demo page: inputs (picture, sound file or
// microphone, words), controls built from GET /v1, the conversion and
// everything shown about it (waveform, spectrogram, description, radar,
// with what the closed loop asked and made, round trip, the same request
// as a curl command).
import { describe, targets, post, postJson, curlCommand } from "./api.js";
import { decode, drawWave, Recorder } from "./sound.js";
import { drawRadar, hueColour, hueName, lumaOf, ssim } from "./charts.js";

const $ = (id) => document.getElementById(id);

// Options shown up front; every other option of GET /v1 goes under "More".
const MAIN = ["mode", "duration", "fmin", "fmax", "scale", "colormap", "seed", "lang"];
// Options that shape a description or an embedding (the rest shape sounds and pictures).
const SEMANTIC = ["lang", "weight_image", "weight_audio", "weight_text"];
const LABELS = {
  mode: "Mode", duration: "Duration (s)", fmin: "Lowest pitch (Hz)", fmax: "Highest pitch (Hz)",
  scale: "Pitch axis", colormap: "Colours", seed: "Seed", lang: "Language",
  sample_rate: "Sample rate (Hz)", width: "Width (columns)", height: "Height (rows)",
  format: "File format", stereo: "Stereo (red left, green right)", synthesis: "Synthesis",
  db_range: "Loudness range (dB)", voice: "Voice", rounds: "Closed-loop rounds",
  weight_image: "Weight of the picture",
  weight_audio: "Weight of the sound", weight_text: "Weight of the words",
};
const TARGET_LABELS = { image: "a picture", audio: "a sound", text: "words" };
const TARGET_ICONS = { image: "◐", audio: "♪", text: "❝" };
const MAX_RECORD_S = 30; // a voice note, far below the server's audio limit

const state = {
  api: null,
  image: null,          // {blob, name}
  audio: null,          // {blob, name}
  targetTouched: false, // once the visitor picks a target, stop guessing it
  last: null,           // the last conversion: {target, parts, options, blob, headers, kind, loop}
  urls: [],             // object URLs of the current results, revoked on the next run
  busy: false,
};

/* ---- controls from GET /v1 --------------------------------------------- */

function optionField(opt) {
  const wrap = document.createElement("div");
  wrap.className = "field";
  const id = "opt-" + opt.name;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = LABELS[opt.name] || opt.name;
  let input;
  if (opt.type === "enum") {
    input = document.createElement("select");
    for (const c of opt.choices) {
      const o = document.createElement("option");
      o.value = c;
      o.textContent = c;
      input.appendChild(o);
    }
  } else if (opt.type === "bool") {
    input = document.createElement("input");
    input.type = "checkbox";
    wrap.classList.add("check");
  } else {
    input = document.createElement("input");
    input.type = "number";
    input.inputMode = opt.type === "int" ? "numeric" : "decimal";
    if (opt.min !== undefined) input.min = opt.min;
    if (opt.max !== undefined) input.max = opt.max;
    input.step = opt.type === "int" ? "1" : "any";
    if (isNaN(Number(opt.default))) input.placeholder = opt.default; // "auto"
  }
  input.id = id;
  input.name = opt.name;
  input.dataset.default = opt.default;
  if (opt.help) {
    const help = document.createElement("span");
    help.id = id + "-help";
    help.className = "visually-hidden";
    help.textContent = opt.help + (opt.min !== undefined ? ` (${opt.min} to ${opt.max})` : "");
    input.setAttribute("aria-describedby", help.id);
    input.title = opt.help;
    wrap.append(label, input, help);
  } else {
    wrap.append(label, input);
  }
  setDefault(input);
  return wrap;
}

function setDefault(input) {
  const d = input.dataset.default;
  if (input.type === "checkbox") input.checked = d === "1" || d === "true";
  else if (input.tagName === "SELECT") input.value = d;
  else input.value = isNaN(Number(d)) ? "" : d;
}

function buildControls(api) {
  const box = $("targets");
  targets(api).forEach((t, i) => {
    const label = document.createElement("label");
    label.className = "target";
    const r = document.createElement("input");
    r.type = "radio";
    r.name = "target";
    r.value = t;
    r.checked = t === "audio" || (i === 0 && !targets(api).includes("audio"));
    r.addEventListener("change", () => { state.targetTouched = true; });
    const icon = document.createElement("span");
    icon.className = "target-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = TARGET_ICONS[t] || "•";
    const text = document.createElement("span");
    text.textContent = TARGET_LABELS[t] || t;
    label.append(r, icon, text);
    box.appendChild(label);
  });
  for (const name of MAIN) {
    const opt = api.options.find((o) => o.name === name);
    if (opt) $("main-options").appendChild(optionField(opt));
  }
  for (const opt of api.options)
    if (!MAIN.includes(opt.name)) $("more-options").appendChild(optionField(opt));
  // What the file pickers accept follows the server's modalities.
  const types = (name) => ((api.modalities || []).find((m) => m.name === name) || {}).mime_types || [];
  if (types("image").length) {
    $("image-file").accept = types("image").join(",");
    const names = [...new Set(types("image").map((t) => t.split("/")[1].replace(/^(x-ms-|x-)/, "")
      .replace("jpg", "jpeg").toUpperCase()))];
    imageHelp = `Drop it here, or press to choose (${names.join(", ")})`;
    $("image-help").textContent = imageHelp;
  }
  if (types("audio").length) $("audio-file").accept = types("audio").join(",") + ",.wav,.flac,.ogg,.mp3";
  $("version").textContent = `${api.name} ${api.version}`;
}

// The options that differ from their defaults, in the table's order.
function chosenOptions() {
  const out = {};
  for (const opt of state.api.options) {
    const input = $("opt-" + opt.name);
    if (!input) continue;
    let v;
    if (input.type === "checkbox") v = input.checked ? "1" : "0";
    else v = input.value.trim();
    if (v === "" || v === opt.default) continue;
    if (input.type === "number" && Number(v) === Number(opt.default)) continue;
    out[opt.name] = v;
  }
  return out;
}

function pick(options, names) {
  const out = {};
  for (const [k, v] of Object.entries(options)) if (names.includes(k)) out[k] = v;
  return out;
}

function target() {
  const r = document.querySelector("input[name=target]:checked");
  return r ? r.value : "audio";
}

function guessTarget() {
  if (state.targetTouched) return;
  const want = state.image ? "audio" : state.audio ? "image" : $("text-in").value.trim() ? "image" : null;
  const r = want && document.querySelector(`input[name=target][value=${want}]`);
  if (r) r.checked = true;
}

/* ---- inputs ------------------------------------------------------------ */

function objectUrl(blob) {
  const u = URL.createObjectURL(blob);
  state.urls.push(u);
  return u;
}

let imageThumbUrl = null;
let imageHelp = "Drop it here, or press to choose";
function setImage(file) {
  if (imageThumbUrl) URL.revokeObjectURL(imageThumbUrl);
  state.image = file ? { blob: file, name: file.name || "picture.png" } : null;
  const thumb = $("image-thumb");
  if (file) {
    imageThumbUrl = URL.createObjectURL(file);
    thumb.onerror = () => { thumb.hidden = true; }; // the browser cannot show it; the server will judge it
    thumb.src = imageThumbUrl;
    thumb.alt = "The picture you gave: " + state.image.name;
    $("image-name").textContent = state.image.name + " · " + kib(file.size);
  } else {
    imageThumbUrl = null;
    thumb.removeAttribute("src");
    $("image-file").value = "";
  }
  thumb.hidden = !file;
  $("image-help").textContent = file ? "Drop another, or press to choose again" : imageHelp;
  $("image-chosen").hidden = !file;
  $("drop").classList.toggle("has", !!file);
  guessTarget();
}

let audioInUrl = null;
async function setAudio(blob, name) {
  if (audioInUrl) URL.revokeObjectURL(audioInUrl);
  state.audio = blob ? { blob, name } : null;
  $("audio-preview").hidden = !blob;
  if (!blob) {
    audioInUrl = null;
    $("audio-in").removeAttribute("src");
    $("audio-file").value = "";
    return;
  }
  audioInUrl = URL.createObjectURL(blob);
  $("audio-in").src = audioInUrl;
  $("audio-name").textContent = name + " · " + kib(blob.size);
  guessTarget();
  try {
    const buf = await decode(blob);
    drawWave($("audio-in-wave"), buf);
    $("audio-name").textContent = `${name} · ${buf.duration.toFixed(2)} s · ${kib(blob.size)}`;
  } catch (e) {
    // The browser cannot decode it (the server may still): no waveform.
    const g = $("audio-in-wave").getContext("2d");
    g.clearRect(0, 0, 9999, 9999);
  }
}

function kib(n) {
  return n < 1024 * 1024 ? (n / 1024).toFixed(1) + " KiB" : (n / 1048576).toFixed(2) + " MiB";
}

function bindInputs() {
  $("image-file").addEventListener("change", (ev) => setImage(ev.target.files[0] || null));
  $("image-clear").addEventListener("click", () => { setImage(null); $("image-file").focus(); });
  $("audio-file").addEventListener("change", (ev) => {
    const f = ev.target.files[0];
    setAudio(f || null, f ? f.name : "");
  });
  $("audio-clear").addEventListener("click", () => { setAudio(null); $("audio-file").focus(); });
  $("text-in").addEventListener("input", guessTarget);
  $("text-in").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); $("make").requestSubmit(); }
  });

  const drop = $("drop");
  for (const t of ["dragenter", "dragover"])
    drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.add("over"); });
  for (const t of ["dragleave", "drop"])
    drop.addEventListener(t, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    const f = ev.dataTransfer.files[0];
    if (!f) return;
    if (f.type.startsWith("audio/")) setAudio(f, f.name);
    else setImage(f);
  });

  let rec = null;
  $("rec-start").addEventListener("click", async () => {
    hideError();
    rec = new Recorder((level, secs) => {
      $("rec-bar").style.width = (level * 100).toFixed(1) + "%";
      $("rec-meter").setAttribute("aria-valuenow", String(Math.round(level * 100)));
      $("rec-time").textContent = secs.toFixed(1) + " s";
      if (!rec.recording()) stopRecording();
    }, MAX_RECORD_S);
    try {
      await rec.start();
    } catch (e) {
      rec = null;
      showError("The microphone is not available.", "Allow the page to use it, or choose a sound file instead.");
      return;
    }
    $("rec-start").hidden = true;
    $("rec-stop").hidden = false;
    $("rec-level").hidden = false;
    $("rec-stop").focus();
    setStatus("Recording… press Stop when you are done.");
  });
  const stopRecording = async () => {
    if (!rec) return;
    const r = rec;
    rec = null;
    $("rec-stop").hidden = true;
    $("rec-start").hidden = false;
    $("rec-level").hidden = true;
    try {
      const wav = await r.stop();
      await setAudio(wav, "recording.wav");
      setStatus("Recorded. Press Convert to see it as a picture.");
      $("rec-start").focus();
    } catch (e) {
      showError("The recording could not be decoded.", "Try recording again, a little longer.");
    }
  };
  $("rec-stop").addEventListener("click", stopRecording);
}

/* ---- feedback ---------------------------------------------------------- */

function setStatus(text) { $("status").textContent = text; }

function showError(message, hint) {
  const box = $("error");
  box.textContent = "";
  const strong = document.createElement("strong");
  strong.textContent = message;
  box.appendChild(strong);
  if (hint) {
    const p = document.createElement("p");
    p.textContent = hint;
    box.appendChild(p);
  }
  box.hidden = false;
}

function hideError() { $("error").hidden = true; }

// Progress: a bar that follows upload and download, indeterminate while
// the server works, and the elapsed time.
function startProgress(what) {
  const t0 = performance.now();
  let phase = "Working";
  $("progress").hidden = false;
  $("progress").classList.add("indeterminate");
  const tick = () => setStatus(`${phase} on ${what}… ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  tick();
  const timer = setInterval(tick, 100); // 0.1 s: the elapsed time reads as smooth
  return {
    phase(name, frac) {
      phase = name;
      const bar = $("progress-bar");
      if (frac === null) { $("progress").classList.add("indeterminate"); bar.style.width = ""; }
      else { $("progress").classList.remove("indeterminate"); bar.style.width = (frac * 100).toFixed(0) + "%"; }
      tick();
    },
    stop() {
      clearInterval(timer);
      $("progress").hidden = true;
      return (performance.now() - t0) / 1000;
    },
  };
}

/* ---- the conversion ---------------------------------------------------- */

function inputParts() {
  const parts = [];
  if (state.image) parts.push({ name: "image", value: state.image.blob, filename: state.image.name });
  if (state.audio) parts.push({ name: "audio", value: state.audio.blob, filename: state.audio.name });
  const text = $("text-in").value.trim();
  if (text) parts.push({ name: "text", value: text });
  return parts;
}

function extOf(type) {
  const sub = (type || "").split(";")[0].split("/")[1] || "bin";
  return { "x-wav": "wav", wave: "wav", json: "json", plain: "txt" }[sub] || sub;
}

function clearResults() {
  for (const u of state.urls) URL.revokeObjectURL(u);
  state.urls = [];
  for (const id of ["out-image-box", "out-audio-box", "out-text-box", "radar-box", "trip-box",
    "curl-box", "spectro-box", "trip-out", "fidelity", "radar-legend", "radar-text"]) $(id).hidden = true;
  $("out-image").removeAttribute("src");
  $("out-audio").removeAttribute("src");
  $("spectro").removeAttribute("src");
  $("out-wave").removeAttribute("data-duration");
}

async function convert(ev) {
  ev.preventDefault();
  if (state.busy) return;
  hideError();
  const parts = inputParts();
  if (!parts.length) {
    showError("Give it something first.", "Choose a picture, a sound, record your voice, or type a few words.");
    $("image-file").focus();
    return;
  }
  for (const input of document.querySelectorAll("#make input[type=number]")) {
    if (!input.checkValidity()) {
      showError(`${LABELS[input.name] || input.name}: ${input.validationMessage}`,
        `Allowed: ${input.min} to ${input.max}.`);
      input.focus();
      return;
    }
  }
  const tgt = target();
  const options = chosenOptions();
  state.busy = true;
  $("go").disabled = true;
  $("trip").disabled = true; // the round trip waits for this run's results
  document.querySelector(".results").setAttribute("aria-busy", "true");
  const what = parts.map((p) => (p.name === "text" ? "your words" : p.filename)).join(" + ");
  const prog = startProgress(what);
  try {
    const r = await post("/v1/generate/" + tgt, parts, options, prog.phase);
    const secs = prog.stop();
    clearResults();
    $("empty").hidden = true;
    const type = r.blob.type || r.headers["content-type"] || "";
    const kind = type.startsWith("image/") ? "image" : type.startsWith("audio/") ? "audio" : "text";
    const loop = loopOf(r.headers);
    state.last = { target: tgt, parts, options, blob: r.blob, headers: r.headers, kind, loop };
    const outName = `synesthd-${tgt}.${extOf(type)}`;
    const panel = document.querySelector(".results"); // one column: bring the result into view
    if (panel.getBoundingClientRect().top > window.innerHeight * 0.8)
      panel.scrollIntoView({ behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
    showCurl(tgt, parts, options, outName);
    setStatus(`Done in ${secs.toFixed(2)} s · ${kib(r.blob.size)} ${type.split(";")[0]}` +
      (loop ? " · " + fidelityText(loop) : ""));
    showFidelity(loop);
    if (kind === "image") await showImage(r.blob, r.headers, outName);
    else if (kind === "audio") await showAudio(r.blob, r.headers, outName, options);
    else {
      const json = JSON.parse(await r.blob.text());
      showText(json, r.blob, outName);
    }
    $("trip-box").hidden = kind === "text";
    await understand(parts, options, kind === "text", loop);
  } catch (e) {
    prog.stop();
    setStatus("");
    showError(e.message || "Something went wrong.", e.hint || "");
  } finally {
    state.busy = false;
    $("go").disabled = false;
    $("trip").disabled = !state.last;
    document.querySelector(".results").setAttribute("aria-busy", "false");
  }
}

function loadImage(img, url) {
  return new Promise((resolve, reject) => {
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("the picture did not load"));
    img.src = url;
  });
}

async function showImage(blob, headers, outName) {
  const url = objectUrl(blob);
  $("out-image-box").hidden = false;
  await loadImage($("out-image"), url);
  const img = $("out-image");
  $("out-image-cap").textContent = `${img.naturalWidth}×${img.naturalHeight} px`;
  $("dl-image").href = url;
  $("dl-image").download = outName;
}

// A sound result: the player (never autoplayed), the waveform drawn here
// from the decoded samples, and the spectrogram drawn by the API.
async function showAudio(blob, headers, outName, options) {
  const url = objectUrl(blob);
  $("out-audio").src = url;
  $("out-audio-box").hidden = false;
  $("dl-audio").href = url;
  $("dl-audio").download = outName;
  const sr = headers["x-synesthd-sr"];
  $("out-audio-cap").textContent = sr ? `${sr} Hz` : "";
  try {
    const buf = await decode(blob);
    drawWave($("out-wave"), buf);
    $("out-wave").dataset.duration = buf.duration.toFixed(4);
    // The AudioContext resamples to its own rate; the file's rate is in the map headers.
    $("out-audio-cap").textContent = `${buf.duration.toFixed(2)} s · ${sr || buf.sampleRate} Hz · ` +
      `${buf.numberOfChannels === 1 ? "mono" : "stereo"} · ${kib(blob.size)}`;
  } catch (e) {
    $("out-audio-cap").textContent = "This browser cannot decode the sound; download it instead.";
  }
  try {
    const spec = await post("/v1/generate/image",
      [{ name: "audio", value: blob, filename: outName }], pick(options, ["colormap", "db_range"]));
    $("spectro").src = objectUrl(spec.blob);
    $("spectro-box").hidden = false;
  } catch (e) {
    /* the sound itself is there; the spectrogram is a bonus */
  }
}

function showText(json, blob, outName) {
  $("out-text").textContent = json.text;
  $("out-text").lang = json.lang || "";
  $("out-text-box").hidden = false;
  const url = objectUrl(new Blob([json.text + "\n"], { type: "text/plain;charset=utf-8" }));
  $("dl-text").href = url;
  $("dl-text").download = outName.replace(/\.json$/, ".txt");
}

/* ---- the closed loop --------------------------------------------------- */

// "brightness=0.60, hue=0.62" -> {brightness: {value: 0.6, text: "0.60"}, ...}
// in the header's order (the server's), the text as the server wrote it.
function axesOf(header) {
  const out = {};
  for (const item of (header || "").split(",")) {
    const m = /^\s*([a-z_]+)\s*=\s*(-?[0-9.]+)\s*$/.exec(item);
    if (m) out[m[1]] = { value: Number(m[2]), text: m[2] };
  }
  return out;
}

// A semantic output reads itself back (X-Synesthd-Asked, -Made, -Fidelity,
// -Rounds); a spectral one says nothing of the kind: null.
function loopOf(headers) {
  const asked = axesOf(headers["x-synesthd-asked"]), made = axesOf(headers["x-synesthd-made"]);
  const fidelity = Number(headers["x-synesthd-fidelity"]);
  if (!Object.keys(asked).length || !Object.keys(made).length || !isFinite(fidelity)) return null;
  const rounds = parseInt(headers["x-synesthd-rounds"], 10);
  return { asked, made, fidelity, rounds: rounds > 0 ? rounds : null };
}

function fidelityText(loop) {
  return `fidelity ${loop.fidelity.toFixed(2)}` +
    (loop.rounds ? ` after ${loop.rounds} round${loop.rounds === 1 ? "" : "s"}` : "");
}

function showFidelity(loop) {
  $("fidelity").hidden = !loop;
  if (!loop) return;
  $("fidelity-figure").textContent = fidelityText(loop);
  $("fidelity").dataset.fidelity = String(loop.fidelity);
}

// The radar's text alternative: per axis, asked and made, as the headers say.
function loopTable(loop) {
  const rows = $("radar-rows");
  rows.textContent = "";
  $("radar-text").hidden = !loop;
  $("radar-legend").hidden = !loop;
  $("radar").setAttribute("aria-label", loop
    ? "Radar chart of the semantic axes: what your inputs asked, a dashed outline, and what the " +
      "output was read back as, a filled shape; the table after it lists both; focus a point to read its reason"
    : "Radar chart of the semantic axes; focus a point to read its reason");
  if (!loop) return;
  const cell = (name, v) => (v ? v.text + (name === "hue" ? ` (${hueName(v.value)})` : "") : "not read");
  for (const name of Object.keys(loop.asked)) {
    const tr = document.createElement("tr");
    tr.dataset.axis = name;
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = name;
    const a = document.createElement("td"), m = document.createElement("td");
    a.textContent = cell(name, loop.asked[name]);
    m.textContent = cell(name, loop.made[name]);
    tr.append(th, a, m);
    rows.appendChild(tr);
  }
}

// The description and the radar of the same inputs.
async function understand(parts, options, haveText, loop) {
  const opts = pick(options, SEMANTIC);
  const jobs = [postJson("/v1/embed", parts, opts)];
  if (!haveText) jobs.push(postJson("/v1/generate/text", parts, opts));
  const [embed, text] = await Promise.allSettled(jobs);
  let sem = embed.status === "fulfilled" && embed.value.json.semantics;
  if (!sem && loop) { // no embedding: the loop's own axes still make a radar
    sem = {};
    for (const [name, v] of Object.entries(loop.asked))
      sem[name] = { value: v.value, weight: 1, reason: `${name} ${v.text}` };
  }
  if (sem) {
    drawRadar($("radar"), sem, tip, loop);
    listAxes(sem, loop);
    loopTable(loop);
    $("radar-box").hidden = false;
  }
  $("dl-embed").hidden = embed.status !== "fulfilled";
  if (embed.status === "fulfilled") {
    $("dl-embed").href = objectUrl(embed.value.blob);
    $("dl-embed").download = "synesthd-embedding.json";
  }
  if (text && text.status === "fulfilled") showText(text.value.json, text.value.blob, "synesthd-text.json");
}

// The axes as bars; after a closed loop, each read-back value too, as a
// tick on its bar and a figure (the radar's table says the same in words).
function listAxes(sem, loop) {
  const ul = $("axes");
  ul.textContent = "";
  ul.classList.toggle("loop", !!loop);
  for (const [name, s] of Object.entries(sem)) {
    const li = document.createElement("li");
    const b = document.createElement("span");
    b.className = "axis-name";
    b.textContent = name;
    const bar = document.createElement("span");
    bar.className = "axis-bar";
    const fill = document.createElement("span");
    fill.style.width = (Math.max(0, Math.min(1, s.value)) * 100).toFixed(0) + "%";
    if (name === "hue") fill.style.background = hueColour(s.value);
    bar.appendChild(fill);
    const v = document.createElement("span");
    v.className = "axis-value mono";
    // After a loop, the asked value as the server wrote it (the embed's may round apart).
    v.textContent = loop && loop.asked[name] ? loop.asked[name].text : Number(s.value).toFixed(2);
    li.title = s.reason || "";
    li.append(b, bar, v);
    if (loop) {
      const made = loop.made[name];
      const mv = document.createElement("span");
      mv.className = "axis-made mono";
      mv.setAttribute("aria-hidden", "true"); // the table reads it out with its asked value
      if (made) {
        const tick = document.createElement("span");
        tick.className = "made-tick";
        tick.style.left = (Math.max(0, Math.min(1, made.value)) * 100).toFixed(1) + "%";
        bar.appendChild(tick);
        mv.textContent = made.text;
        li.title = (s.reason ? s.reason + "; " : "") + `made ${made.text}`;
      }
      li.appendChild(mv);
    }
    ul.appendChild(li);
  }
}

// The radar's tooltip: fixed to the viewport above its point, and kept
// there when focusing the point scrolls the page.
let tipAnchor = null;
function tip(text, target) {
  const t = $("tip");
  tipAnchor = text ? target : null;
  t.hidden = !text;
  if (text) { t.textContent = text; placeTip(); }
}

function placeTip() {
  if (!tipAnchor) return;
  const t = $("tip");
  const r = tipAnchor.getBoundingClientRect();
  const w = t.offsetWidth, h = t.offsetHeight;
  const x = Math.max(8, Math.min(window.innerWidth - w - 8, r.left + r.width / 2 - w / 2));
  const above = r.top - h - 8;
  t.style.left = x + "px";
  t.style.top = (above >= 8 ? above : r.bottom + 8) + "px";
}

/* ---- the command ------------------------------------------------------- */

function showCurl(tgt, parts, options, outName) {
  $("curl").textContent = curlCommand("/v1/generate/" + tgt, parts, options, outName);
  $("curl-box").hidden = false;
  $("copied").textContent = "";
}

async function copyCurl() {
  const text = $("curl").textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const range = document.createRange(); // no clipboard permission: select it for Ctrl+C
    range.selectNodeContents($("curl"));
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    $("copied").textContent = "Selected: press Ctrl+C to copy.";
    return;
  }
  $("copied").textContent = "Copied.";
}

/* ---- round trip -------------------------------------------------------- */

const SPECTRAL = { mode: "spectral" };

function mediaEl(kind, blob, alt) {
  const url = objectUrl(blob);
  if (kind === "image") {
    const img = document.createElement("img");
    img.alt = alt;
    return loadImage(img, url);
  }
  const a = document.createElement("audio");
  a.controls = true;
  a.preload = "metadata";
  a.setAttribute("aria-label", alt);
  a.src = url;
  return Promise.resolve(a);
}

async function convertTo(kind, blob, name) {
  const to = kind === "image" ? "audio" : "image";
  const r = await post("/v1/generate/" + to, [{ name: kind, value: blob, filename: name }], SPECTRAL);
  return r;
}

// picture -> sound -> picture (SSIM computed here on luma at the grid
// size), or sound -> picture -> sound (the API's similarity score).  When
// the result came from one picture or one sound, that input is the
// original and one step back suffices.
async function roundTrip() {
  const L = state.last;
  if (!L || state.busy) return;
  state.busy = true;
  $("trip").disabled = true;
  hideError();
  const prog = startProgress("the round trip");
  try {
    const files = L.parts.filter((p) => typeof p.value !== "string");
    const single = L.parts.length === 1 && files.length === 1 && files[0].name !== L.kind ? files[0] : null;
    let origKind, orig, back, gridFrom;
    if (single) {
      origKind = single.name;
      orig = single.value;
      const r = await convertTo(L.kind, L.blob, "result." + (L.kind === "image" ? "png" : "wav"));
      back = r.blob;
      gridFrom = L.kind === "audio" ? L.headers : r.headers;
    } else {
      origKind = L.kind;
      orig = L.blob;
      const mid = await convertTo(L.kind, L.blob, "result." + (L.kind === "image" ? "png" : "wav"));
      const midKind = L.kind === "image" ? "audio" : "image";
      const r = await convertTo(midKind, mid.blob, "middle." + (midKind === "image" ? "png" : "wav"));
      back = r.blob;
      gridFrom = L.kind === "image" ? mid.headers : L.headers;
    }
    const a = await mediaEl(origKind, orig, "The original");
    const b = await mediaEl(origKind, back, "After the round trip");
    $("trip-a").replaceChildren(a);
    $("trip-b").replaceChildren(b);
    let text;
    if (origKind === "image") {
      const rows = Number(gridFrom["x-synesthd-rows"]) || 128; // the grid a picture is read into by default
      const cols = Number(gridFrom["x-synesthd-cols"]) || rows;
      const s = ssim(lumaOf(a, cols, rows), lumaOf(b, cols, rows), cols, rows);
      text = `SSIM ${s.toFixed(3)} at ${cols}×${rows}, the grid the sound carried — ${verdict(s)}`;
      $("trip-score").dataset.score = s.toFixed(4);
    } else {
      const sim = await postJson("/v1/similarity", [
        { name: "a", value: orig, filename: "original.wav" },
        { name: "b", value: back, filename: "back.wav" }], {});
      const s = sim.json.score;
      const g = sim.json.grid_agreement;
      text = `Similarity ${Number(s).toFixed(3)}` + (g !== undefined ? ` (spectrogram agreement ${Number(g).toFixed(3)})` : "") +
        ` — ${verdict(s)}`;
      $("trip-score").dataset.score = Number(s).toFixed(4);
    }
    $("trip-a-cap").textContent = "original";
    $("trip-b-cap").textContent = origKind === "image" ? "picture → sound → picture" : "sound → picture → sound";
    $("trip-score").textContent = text;
    $("trip-out").hidden = false;
    setStatus(`Round trip done in ${prog.stop().toFixed(2)} s`);
  } catch (e) {
    prog.stop();
    setStatus("");
    showError(e.message || "The round trip failed.", e.hint || "");
  } finally {
    state.busy = false;
    $("trip").disabled = false;
  }
}

function verdict(s) {
  if (s >= 0.8) return "almost everything survived";
  if (s >= 0.5) return "the shapes survived";
  return "much was lost on the way";
}

/* ---- start ------------------------------------------------------------- */

async function main() {
  bindInputs();
  $("make").addEventListener("submit", convert);
  $("reset").addEventListener("click", () => {
    for (const el of document.querySelectorAll("#make [data-default]")) setDefault(el);
    setStatus("Options are back to their defaults.");
  });
  $("copy").addEventListener("click", copyCurl);
  for (const chip of document.querySelectorAll(".chip")) {
    chip.addEventListener("click", () => {
      $("text-in").value = chip.dataset.text;
      guessTarget();
      $("make").requestSubmit();
    });
  }
  $("trip").addEventListener("click", roundTrip);
  window.addEventListener("scroll", placeTip, { passive: true });
  window.addEventListener("resize", placeTip);
  try {
    state.api = await describe();
    buildControls(state.api);
    document.body.dataset.ready = "1";
  } catch (e) {
    showError(e.message, e.hint);
  }
}

main();
