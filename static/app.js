// synesthd demo: send the chosen file to /v1/generate/<target> as a raw
// body typed by its MIME type, then show the picture or offer the sound
// (never autoplayed).  Errors show the server's message and hint.
"use strict";

const $ = (id) => document.getElementById(id);
let lastUrl = null;

function show(el, on) { el.hidden = !on; }

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
  show(box, true);
}

async function readError(res) {
  try {
    const body = await res.json();
    if (body && body.error) return [body.error.message, body.error.hint];
  } catch (e) { /* not JSON: fall through */ }
  return ["The server answered " + res.status + " " + res.statusText, ""];
}

async function convert(ev) {
  ev.preventDefault();
  const file = $("file").files[0];
  const target = document.querySelector("input[name=target]:checked").value;
  show($("error"), false);
  if (!file) { showError("Choose a picture or a sound first.", ""); $("file").focus(); return; }

  $("go").disabled = true;
  $("status").textContent = "Converting " + file.name + "…";
  try {
    const res = await fetch("/v1/generate/" + target, {
      method: "POST",
      // An empty type (some browsers for .flac) lets the server sniff the bytes.
      headers: { "Content-Type": file.type || "application/octet-stream" },
      body: file,
    });
    if (!res.ok) {
      const [message, hint] = await readError(res);
      showError(message, hint);
      $("status").textContent = "";
      return;
    }
    const blob = await res.blob();
    if (lastUrl) URL.revokeObjectURL(lastUrl);
    lastUrl = URL.createObjectURL(blob);
    const isImage = blob.type.startsWith("image/");
    const img = $("out-image"), audio = $("out-audio");
    show(img, isImage);
    show(audio, !isImage);
    if (isImage) { img.src = lastUrl; audio.removeAttribute("src"); }
    else { audio.src = lastUrl; img.removeAttribute("src"); }
    const ext = (blob.type.split("/")[1] || "bin").replace("x-", "");
    $("download").href = lastUrl;
    $("download").download = "synesthd." + ext;
    $("map").textContent = res.headers.get("X-Synesthd-Map") || "";
    show($("result"), true);
    $("status").textContent = "Done: " + (blob.size / 1024).toFixed(1) + " KiB " + blob.type + ".";
  } catch (e) {
    showError("Could not reach the server.", String(e));
    $("status").textContent = "";
  } finally {
    $("go").disabled = false;
  }
}

$("convert").addEventListener("submit", convert);
