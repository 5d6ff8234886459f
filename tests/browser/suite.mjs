// tests/browser/suite.mjs -- the web demo in real Chromium (Debian's
// /usr/bin/chromium driven by npm's playwright-core; nothing is downloaded).
//
// Run by test_browser.sh.  Starts "$SYNESTHD_BIN --port 0" on loopback,
// reads the port from its first stderr line, and drives the page as a
// visitor would.  Prints "ok - name" / "not ok - name: detail" lines;
// exits 1 if any case failed.  Each case saves a screenshot into the
// suite's temp dir, removed at the end like everything else it writes
// (SYN_SHOTS=DIR keeps them in DIR instead: screenshot-1280.png is the one
// docs/screenshot.png is refreshed from; KEEP_TMP=1 keeps the temp dir).
// Inputs: skimage's camera.png, a sweep made by sox now, PngSuite's
// corrupt xcrn0g04.png; none is written to.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync, copyFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const require = createRequire(join(root, "package.json"));
const { chromium } = require("playwright-core");

const BIN = process.env.SYNESTHD_BIN || join(root, "build/synesthd");
const TESTDATA = resolve(root, process.env.SYN_TESTDATA || "../shared/testdata");
const CAMERA = "/usr/lib/python3/dist-packages/skimage/data/camera.png";
const CORRUPT = join(TESTDATA, "pngsuite/png/xcrn0g04.png");
const STEP_MS = 20000;   // the longest one conversion may take in a test (5 s sound, 2 cores)
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
  "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];

let failed = 0;
const ok = (name) => console.log(`ok - ${name}`);
const notOk = (name, detail) => { failed++; console.log(`not ok - ${name}: ${String(detail).replace(/\s+/g, " ").slice(0, 400)}`); };

/* ---- the server ---------------------------------------------------------- */

function startServer(extra = []) {
  return new Promise((resolveStart, reject) => {
    const srv = spawn(BIN, ["--port", "0", ...extra], { stdio: ["ignore", "ignore", "pipe"] });
    let buf = "";
    const timer = setTimeout(() => reject(new Error("no banner from the server in 10 s")), 10000);
    srv.on("exit", (code) => reject(new Error(`server exited with ${code}: ${buf}`)));
    srv.stderr.on("data", (d) => {
      buf += d;
      const line = buf.split("\n")[0];
      const m = /^synesthd \S+: listening on (http:\/\/[^\s]+:\d+)/.exec(line);
      if (m && buf.includes("\n") && !srv.base) {
        clearTimeout(timer);
        srv.base = m[1].replace("0.0.0.0", "127.0.0.1");
        srv.log = () => buf;
        resolveStart({ srv, base: srv.base });
      }
    });
  });
}

// SIGTERM, then the server must exit 0 within 15 s with no sanitizer
// report (SAN=1 builds) in its log.
async function stopServer(srv) {
  srv.removeAllListeners("exit");
  const code = await new Promise((res) => {
    if (srv.exitCode !== null) return res(srv.exitCode);
    const t = setTimeout(() => { srv.kill("SIGKILL"); res("killed after 15 s"); }, 15000);
    srv.on("exit", (c, sig) => { clearTimeout(t); res(c === null ? sig : c); });
    srv.kill("SIGTERM");
  });
  const report = /(AddressSanitizer|LeakSanitizer|runtime error:)[^\n]*/.exec(srv.log());
  if (code === 0 && !report) ok("server stopped cleanly");
  else notOk("server stopped cleanly", `exit ${code}${report ? ", " + report[0] : ""}`);
}

/* ---- helpers ------------------------------------------------------------- */

function wait(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function openPage(ctx, base, width = 1280, height = 800) {
  const page = await ctx.newPage();
  await page.setViewportSize({ width, height });
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push("page error: " + e.message));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // A 4xx answer is logged by Chromium as a failed load; the page shows it itself.
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
    page.problems.push("console: " + m.text());
  });
  await page.goto(base + "/");
  await page.waitForSelector("body[data-ready='1']", { timeout: 10000 });
  return page;
}

let SHOTS = null; // set in main(): under the temp dir unless SYN_SHOTS names one

async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: join(SHOTS, name + ".png"), fullPage });
}

async function convertAndWait(page, path, selector) {
  const resp = page.waitForResponse((r) => r.url().endsWith(path) && r.request().method() === "POST",
    { timeout: STEP_MS });
  await page.click("#go");
  const r = await resp;
  if (r.status() >= 400) { // fail now, with the page's own words, not after a timeout
    await page.waitForSelector("#error:not([hidden])", { timeout: 5000 }).catch(() => {});
    throw new Error(`HTTP ${r.status()}: ` + await page.$eval("#error", (e) => e.textContent));
  }
  if (selector) await page.waitForSelector(selector, { state: "attached", timeout: STEP_MS });
  return r;
}

function expect(cond, what) { if (!cond) throw new Error(what); }

async function naturalWidth(page, sel) {
  return page.$eval(sel, (img) => (img.complete ? img.naturalWidth : 0));
}

async function waitNatural(page, sel) {
  await page.waitForFunction((s) => {
    const img = document.querySelector(s);
    return img && img.complete && img.naturalWidth > 0 && !img.closest("[hidden]");
  }, sel, { timeout: STEP_MS });
  return naturalWidth(page, sel);
}

// Runs one case on a fresh page; a thrown error or a page problem fails it.
async function run(ctx, base, name, fn) {
  let page = null;
  const t0 = Date.now();
  try {
    page = await openPage(ctx, base);
    await fn(page);
    if (page.problems.length) throw new Error(page.problems.join("; "));
    ok(`${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    if (page) await shot(page, "FAILED-" + name.replace(/\W+/g, "-")).catch(() => {});
    const err = page ? await page.$eval("#error", (e) => (e.hidden ? "" : e.textContent)).catch(() => "") : "";
    notOk(name, e.message + (err ? ` [page says: ${err}]` : ""));
  } finally {
    if (page) await page.close().catch(() => {});
  }
}

/* ---- the cases ----------------------------------------------------------- */

async function main() {
  const work = mkdtempSync(join(tmpdir(), "synesthd-browser-"));
  SHOTS = process.env.SYN_SHOTS ? resolve(process.env.SYN_SHOTS) : join(work, "screenshots");
  mkdirSync(SHOTS, { recursive: true });
  const profile = join(work, "profile");
  // Chromium also writes under $HOME (NSS database, crash reports, caches):
  // give it the temp dir as its home, so that it writes nowhere else.
  const home = join(work, "home");
  mkdirSync(home);
  const browserEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache") };
  const sweep = join(work, "sweep.wav");
  execFileSync("sox", ["-n", "-r", "22050", "-c", "1", "-b", "16", sweep, "synth", "1.5",
    "sine", "300:3000", "vol", "0.7"]);
  let server = null, ctx = null;
  try {
    server = await startServer();
    const base = server.base;
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium", headless: true, args: ARGS, env: browserEnv,
      viewport: { width: 1280, height: 800 }, acceptDownloads: false,
    });
    await ctx.grantPermissions(["microphone", "clipboard-read", "clipboard-write"], { origin: base });

    await run(ctx, base, "image to audio: WAV of the chosen duration, waveform, spectrogram, description, radar", async (page) => {
      await page.setInputFiles("#image-file", CAMERA);
      expect(await page.$eval("input[name=target][value=audio]", (r) => r.checked), "target did not become audio");
      await page.fill("#opt-duration", "2");
      const r = await convertAndWait(page, "/v1/generate/audio", "#out-wave[data-duration]");
      expect((r.headers()["content-type"] || "").startsWith("audio/wav"), "not a WAV: " + r.headers()["content-type"]);
      const dur = Number(await page.$eval("#out-wave", (c) => c.dataset.duration));
      expect(Math.abs(dur - 2) < 0.05, `decoded duration ${dur} s, want 2 s`);
      const a = await page.$eval("#out-audio", (a) => ({ src: a.src, paused: a.paused, autoplay: a.autoplay }));
      expect(a.src.startsWith("blob:") && a.paused && !a.autoplay, "audio element: " + JSON.stringify(a));
      expect(await waitNatural(page, "#spectro") > 0, "no spectrogram");
      await page.waitForSelector("#radar .pt", { timeout: STEP_MS });
      await page.waitForFunction(() => !document.querySelector("#out-text-box").hidden &&
        document.querySelector("#out-text").textContent.trim().length > 0, null, { timeout: STEP_MS });
      const reasons = await page.$$eval("#radar .pt title", (ts) => ts.map((t) => t.textContent));
      expect(reasons.length >= 8 && reasons.every((t) => t.length > 5), "radar reasons: " + reasons);
      await page.hover("#radar .pt");
      expect(await page.isVisible("#tip"), "no tooltip on hover");
      await shot(page, "01-image-to-audio");
      await page.mouse.move(0, 0);
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, "screenshot-1280", false);
    });

    await run(ctx, base, "audio to image: a sox sweep becomes a picture", async (page) => {
      await page.setInputFiles("#audio-file", sweep);
      await page.waitForSelector("#audio-preview:not([hidden])");
      expect(await page.$eval("input[name=target][value=image]", (r) => r.checked), "target did not become image");
      await convertAndWait(page, "/v1/generate/image");
      const w = await waitNatural(page, "#out-image");
      expect(w > 0, "naturalWidth 0");
      await shot(page, "02-audio-to-image");
    });

    await run(ctx, base, "microphone: about 1 s through the fake device, meter moves, recording converts", async (page) => {
      await page.click("#rec-start");
      await page.waitForSelector("#rec-stop:not([hidden])", { timeout: 5000 });
      let peak = 0;
      for (let i = 0; i < 10; i++) { // ~1 s of recording
        await wait(100);
        peak = Math.max(peak, Number(await page.$eval("#rec-meter", (m) => m.getAttribute("aria-valuenow"))));
      }
      await shot(page, "03-microphone-recording", false);
      await page.click("#rec-stop");
      await page.waitForSelector("#audio-preview:not([hidden])", { timeout: 10000 });
      expect(peak > 0, "the level meter never moved");
      const name = await page.textContent("#audio-name");
      expect(/recording\.wav/.test(name), "no recording: " + name);
      let body = Buffer.alloc(0);
      await page.route("**/v1/generate/image", async (route) => {
        body = route.request().postDataBuffer() || body;
        await route.continue();
      });
      await convertAndWait(page, "/v1/generate/image");
      const riff = body.indexOf("RIFF");
      const wave = riff >= 0 ? body.toString("latin1", riff + 8, riff + 12) : "";
      const bits = riff >= 0 ? body.readUInt16LE(riff + 34) : 0;
      expect(wave === "WAVE" && bits === 16,
        `the page did not send a 16-bit WAV (${body.length} bytes, RIFF at ${riff}, ${wave}, ${bits} bits)`);
      expect(await waitNatural(page, "#out-image") > 0, "no picture");
      await shot(page, "03-microphone");
    });

    await run(ctx, base, "text: English gives a picture and a description", async (page) => {
      await page.fill("#text-in", "a bright warm sunny morning, gentle and happy");
      expect(await page.$eval("input[name=target][value=image]", (r) => r.checked), "target did not become image");
      await convertAndWait(page, "/v1/generate/image");
      expect(await waitNatural(page, "#out-image") > 0, "no picture");
      await page.waitForFunction(() => !document.querySelector("#out-text-box").hidden, null, { timeout: STEP_MS });
      const t = await page.textContent("#out-text");
      expect(/[a-z]{3,}/i.test(t) && !/[\u4e00-\u9fff]/.test(t), "not an English description: " + t);
      await shot(page, "04-text-en");
    });

    await run(ctx, base, "text: Chinese 平静的蓝色大海 gives a Chinese description", async (page) => {
      await page.fill("#text-in", "平静的蓝色大海");
      await convertAndWait(page, "/v1/generate/image");
      expect(await waitNatural(page, "#out-image") > 0, "no picture");
      await page.waitForFunction(() => !document.querySelector("#out-text-box").hidden, null, { timeout: STEP_MS });
      const t = await page.textContent("#out-text");
      expect(/[\u4e00-\u9fff]{2,}/.test(t), "not a Chinese description: " + t);
      await shot(page, "05-text-zh");
    });

    // A semantic output reads itself back (X-Synesthd-Asked, -Made,
    // -Fidelity, -Rounds): the radar overlays both shapes, its table says
    // the headers' values, the fidelity is shown and announced; a spectral
    // output after it takes all of that away again.
    await run(ctx, base, "closed loop: the radar's table says asked and made as the headers do, the made shape is drawn, the fidelity shown and announced", async (page) => {
      await page.fill("#text-in", "a calm blue lake at dawn");
      await page.check("input[name=target][value=audio]");
      await page.fill("#opt-duration", "2");
      const r = await convertAndWait(page, "/v1/generate/audio", "#radar .made");
      const h = r.headers();
      const axes = (v) => (v || "").split(",").filter((x) => x.trim())
        .map((x) => x.trim().split("=")).map(([k, v]) => [k, v]);
      const asked = axes(h["x-synesthd-asked"]), made = axes(h["x-synesthd-made"]);
      const fidelity = Number(h["x-synesthd-fidelity"]), rounds = Number(h["x-synesthd-rounds"]);
      expect(asked.length > 0 && made.length === asked.length && fidelity >= 0 && fidelity <= 1 && rounds >= 1,
        "the response has no closed-loop headers: " + JSON.stringify(h));
      await page.waitForSelector("#radar-text:not([hidden])", { state: "attached", timeout: STEP_MS });
      // The accessible text: one row per asked axis, in the headers' order and with their figures.
      const rows = await page.$$eval("#radar-rows tr", (trs) => trs.map((tr) =>
        [tr.querySelector("th").textContent, ...[...tr.querySelectorAll("td")].map((td) => td.textContent)]));
      const want = asked.map(([k, v], i) => [k, v, made[i][1]]);
      const num = (t) => (/^-?[0-9.]+/.exec(t) || [""])[0];
      expect(JSON.stringify(rows.map(([k, a, m]) => [k, num(a), num(m)])) === JSON.stringify(want),
        `radar table ${JSON.stringify(rows)}, headers ${JSON.stringify(want)}`);
      const aria = await page.locator("#radar-table").ariaSnapshot();
      for (const [k, a, m] of rows)
        expect(aria.includes(`rowheader "${k}"`) && aria.includes(`cell "${a}"`) && aria.includes(`cell "${m}"`),
          `the accessibility tree lacks the ${k} row: ${aria}`);
      expect(/asked/.test(await page.getAttribute("#radar", "aria-label")), "the radar's name does not mention asked and made");
      // The fidelity figure near the output, and in the live region.
      const fig = `fidelity ${fidelity.toFixed(2)} after ${rounds} round${rounds === 1 ? "" : "s"}`;
      expect(await page.isVisible("#fidelity") && (await page.textContent("#fidelity-figure")) === fig,
        `fidelity shown: ${await page.textContent("#fidelity")}, want ${fig}`);
      expect((await page.textContent("#status")).includes(fig) &&
        await page.getAttribute("#status", "aria-live") === "polite", "the live region does not say " + fig);
      expect(await page.isVisible("#radar-legend"), "no legend");
      // The made shape: a vertex per axis at its made value, and painted where nothing covers it.
      const drawn = await page.$eval("#radar", (svg) => {
        const poly = svg.querySelector(".made");
        const pts = [...poly.points].map((p) => [p.x, p.y]);
        const st = getComputedStyle(poly);
        const m = svg.getScreenCTM(), box = poly.getBBox();
        let painted = 0;
        for (let x = box.x; x <= box.x + box.width; x += 3)
          for (let y = box.y; y <= box.y + box.height; y += 3) {
            const pt = new DOMPoint(x, y);
            if (!poly.isPointInFill(pt)) continue;
            const c = pt.matrixTransform(m);
            if (document.elementFromPoint(c.x, c.y) === poly) painted++;
          }
        const labels = [...svg.querySelectorAll(".axis-label")].map((t) => t.textContent);
        return { pts, labels, fill: st.fill, opacity: st.opacity, display: st.display, painted,
          dashed: getComputedStyle(svg.querySelector(".asked")).strokeDasharray };
      });
      const n = drawn.labels.length;
      const onRadar = made.filter(([k]) => drawn.labels.includes(k));
      expect(drawn.pts.length === onRadar.length, `made shape has ${drawn.pts.length} vertices, want ${onRadar.length}`);
      onRadar.forEach(([k, v], j) => {
        const i = drawn.labels.indexOf(k), a = -Math.PI / 2 + (2 * Math.PI * i) / n, r = 122 * Number(v);
        const [x, y] = drawn.pts[j];
        expect(Math.hypot(x - (180 + r * Math.cos(a)), y - (180 + r * Math.sin(a))) < 1,
          `made vertex of ${k} at ${x},${y}, want value ${v}`);
      });
      expect(drawn.display !== "none" && Number(drawn.opacity) > 0 && !/none|rgba\(.*, 0\)/.test(drawn.fill) &&
        drawn.painted > 10, "the made shape is not painted: " + JSON.stringify(drawn));
      expect(drawn.dashed && drawn.dashed !== "none", "asked is not dashed: " + drawn.dashed);
      await page.$eval("#fidelity", (e) => e.scrollIntoView());
      await shot(page, "12-closed-loop", false);
      // A spectral output (a picture read as a score) has no loop: no overlay, no figure.
      await page.fill("#text-in", "");
      await page.setInputFiles("#image-file", CAMERA);
      await page.fill("#opt-duration", "1");
      const r2 = await convertAndWait(page, "/v1/generate/audio", "#out-wave[data-duration]");
      expect(!r2.headers()["x-synesthd-made"], "the spectral answer has loop headers");
      await page.waitForSelector("#radar .shape", { timeout: STEP_MS });
      expect(await page.$$eval("#radar .made, #radar .asked", (e) => e.length) === 0, "overlay left after a spectral run");
      expect(await page.isHidden("#fidelity") && await page.isHidden("#radar-legend") && await page.isHidden("#radar-text"),
        "fidelity, legend or table left after a spectral run");
      expect(!/fidelity/.test(await page.textContent("#status")), "the status still speaks of fidelity");
    });

    await run(ctx, base, "words as the target: a picture described, no round trip offered", async (page) => {
      await page.setInputFiles("#image-file", CAMERA);
      await page.check("input[name=target][value=text]");
      const r = await convertAndWait(page, "/v1/generate/text");
      expect((r.headers()["content-type"] || "").startsWith("application/json"), "not JSON");
      await page.waitForSelector("#radar .pt", { timeout: STEP_MS });
      const t = await page.textContent("#out-text");
      expect(t.trim().length > 20, "no description: " + t);
      expect(await page.isHidden("#trip-box") && await page.isHidden("#out-image-box"), "picture or round trip shown");
      await shot(page, "05-words-target");
    });

    await run(ctx, base, "round trip: picture -> sound -> picture shows an SSIM score", async (page) => {
      await page.setInputFiles("#image-file", CAMERA);
      await page.fill("#opt-duration", "2");
      await convertAndWait(page, "/v1/generate/audio", "#out-wave[data-duration]");
      await page.click("#trip");
      await page.waitForSelector("#trip-score[data-score]", { timeout: STEP_MS });
      const s = Number(await page.$eval("#trip-score", (e) => e.dataset.score));
      const text = await page.textContent("#trip-score");
      expect(s > 0.3 && s <= 1 && /SSIM/.test(text), `score ${s}: ${text}`);
      await page.$eval("#trip-box", (e) => e.scrollIntoView());
      await shot(page, "06-round-trip");
    });

    await run(ctx, base, "round trip: sound -> picture -> sound shows a similarity score", async (page) => {
      await page.setInputFiles("#audio-file", sweep);
      await page.waitForSelector("#audio-preview:not([hidden])");
      await convertAndWait(page, "/v1/generate/image");
      await waitNatural(page, "#out-image");
      await page.click("#trip");
      await page.waitForSelector("#trip-score[data-score]", { timeout: STEP_MS });
      const text = await page.textContent("#trip-score");
      expect(/Similarity \d/.test(text), "no score: " + text);
      await shot(page, "06-round-trip-sound");
    });

    await run(ctx, base, "curl box: the command gives the same bytes as the page got", async (page) => {
      await page.setInputFiles("#image-file", CAMERA);
      await page.fill("#opt-duration", "1.5");
      await page.fill("#opt-fmin", "200");
      await page.fill("#opt-seed", "7");
      await page.fill("#text-in", "slow and sad, 'quoted' $HOME");
      await page.check("input[name=target][value=audio]");
      const r = await convertAndWait(page, "/v1/generate/audio", "#out-wave[data-duration]");
      const pageBytes = await r.body();
      const cmd = await page.textContent("#curl");
      expect(/--form-string/.test(cmd) && /duration=1\.5/.test(cmd), "command lacks parts/options: " + cmd);
      const dir = mkdtempSync(join(work, "curl-"));
      copyFileSync(CAMERA, join(dir, "camera.png"));
      execFileSync("bash", ["-c", cmd], { cwd: dir, timeout: STEP_MS });
      const out = readFileSync(join(dir, "synesthd-audio.wav"));
      expect(out.length > 44 && Buffer.compare(out, pageBytes) === 0,
        `curl got ${out.length} bytes, the page ${pageBytes.length}: ${cmd}`);
      await page.click("#copy");
      await page.waitForFunction(() => document.querySelector("#copied").textContent.length > 0);
      const clip = await page.evaluate(() => navigator.clipboard.readText().catch(() => ""));
      expect(clip === "" || clip === cmd, "the copy button copied something else");
      await page.$eval("#curl-box", (e) => e.scrollIntoView());
      await shot(page, "07-curl");
    });

    await run(ctx, base, "errors: a corrupt PNG reads as plain words, and the page still works", async (page) => {
      await page.setInputFiles("#image-file", CORRUPT);
      await page.click("#go");
      await page.waitForSelector("#error:not([hidden])", { timeout: STEP_MS });
      const msg = await page.textContent("#error");
      expect(msg.length > 20 && !/[{}]|"status"|\bnull\b|undefined|\[object/.test(msg), "unreadable: " + msg);
      expect(await page.$$eval("#error p", (p) => p.length) === 1, "no hint shown: " + msg);
      expect(await page.isEnabled("#go"), "Convert stays disabled");
      await shot(page, "08-error");
      await page.click("#image-clear");
      await page.setInputFiles("#image-file", CAMERA);
      await page.fill("#opt-duration", "1");
      await convertAndWait(page, "/v1/generate/audio", "#out-wave[data-duration]");
      expect(await page.isHidden("#error"), "the old error is still shown");
    });

    await run(ctx, base, "keyboard: choose, convert, round trip and read a reason with the keys alone", async (page) => {
      const tabTo = async (pred, what) => {
        for (let i = 0; i < 60; i++) {
          await page.keyboard.press("Tab");
          if (await page.evaluate(pred)) return;
        }
        throw new Error("Tab never reached " + what);
      };
      await tabTo(() => document.activeElement.id === "image-file", "the picture input");
      const outline = await page.evaluate(() => getComputedStyle(document.querySelector("#drop")).outlineStyle);
      expect(outline !== "none", "no visible focus on the drop zone");
      // Space opens the file chooser of the focused input; Enter is the other key for it.
      let chooser = null;
      for (const key of ["Space", "Enter", "Space"]) {
        const ev = page.waitForEvent("filechooser", { timeout: 3000 }).catch(() => null);
        await page.keyboard.press(key);
        chooser = await ev;
        if (chooser) break;
      }
      expect(chooser, "neither Space nor Enter opened the file chooser");
      await chooser.setFiles(CAMERA);
      await tabTo(() => document.activeElement.name === "target", "the targets");
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowLeft");
      await page.evaluate(() => 0);
      let v = await page.evaluate(() => document.activeElement.value);
      for (let i = 0; i < 3 && v !== "audio"; i++) {
        await page.keyboard.press("ArrowRight");
        v = await page.evaluate(() => document.activeElement.value);
      }
      expect(v === "audio", "arrows did not reach the audio target");
      await tabTo(() => document.activeElement.id === "opt-duration", "duration");
      await page.keyboard.press("Control+A");
      await page.keyboard.type("1");
      await tabTo(() => document.activeElement.id === "go", "Convert");
      const resp = page.waitForResponse((r) => r.url().endsWith("/v1/generate/audio"), { timeout: STEP_MS });
      await page.keyboard.press("Enter");
      await resp;
      await page.waitForSelector("#out-wave[data-duration]", { timeout: STEP_MS });
      await page.waitForSelector("#radar .pt", { timeout: STEP_MS });
      await tabTo(() => document.activeElement.id === "trip", "Round trip");
      await page.keyboard.press("Enter");
      await page.waitForSelector("#trip-score[data-score]", { timeout: STEP_MS });
      await page.focus("#trip");
      await tabTo(() => document.activeElement.classList.contains("pt") || document.activeElement.id === "copy", "a radar point");
      // The radar sits after the round trip box only if the layout says so; go back if needed.
      if (await page.evaluate(() => !document.activeElement.classList.contains("pt"))) {
        await page.focus("#dl-text");
        await tabTo(() => document.activeElement.classList.contains("pt"), "a radar point");
      }
      expect(await page.isVisible("#tip"), "focusing a point shows no reason");
      const box = await page.$eval("#tip", (t) => { const r = t.getBoundingClientRect(); return [r.top, r.bottom, innerHeight]; });
      expect(box[0] >= 0 && box[1] <= box[2], "the reason is off screen: " + box);
      const tipText = await page.textContent("#tip");
      expect(/\d/.test(tipText), "tooltip: " + tipText);
      await shot(page, "09-keyboard", false);
    });

    await run(ctx, base, "labels: every control has a name; 360 and 1920 px lay out without sideways scrolling", async (page) => {
      const unnamed = await page.$$eval("input, select, textarea, button", (els) => els
        .filter((e) => {
          if (e.type === "hidden") return false;
          const aria = e.getAttribute("aria-label") || e.getAttribute("aria-labelledby");
          const label = e.labels && e.labels.length && e.labels[0].textContent.trim();
          const text = e.tagName === "BUTTON" && e.textContent.trim();
          return !(aria || label || text);
        }).map((e) => e.id || e.outerHTML.slice(0, 60)));
      expect(unnamed.length === 0, "unnamed controls: " + unnamed.join(", "));
      for (const w of [360, 1920]) {
        await page.setViewportSize({ width: w, height: 900 });
        await page.setInputFiles("#image-file", CAMERA);
        await page.fill("#opt-duration", "1");
        await convertAndWait(page, "/v1/generate/audio", "#out-wave[data-duration]");
        await page.waitForSelector("#radar .pt", { timeout: STEP_MS });
        const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(over <= 0, `${w} px: ${over} px of sideways scrolling`);
        await shot(page, `10-width-${w}`);
      }
    });

    await run(ctx, base, "serving: versioned assets cached as immutable, CSP 'self', MIME types", async (page) => {
      const seen = [];
      page.on("response", (r) => seen.push(r));
      await page.reload();
      await page.waitForSelector("body[data-ready='1']");
      const doc = seen.find((r) => r.url() === base + "/");
      expect(doc, "no page response");
      const csp = doc.headers()["content-security-policy"] || "";
      expect(/default-src 'self'/.test(csp) && !/unsafe|\*|https?:/.test(csp), "CSP: " + csp);
      expect(/no-cache/.test(doc.headers()["cache-control"] || ""), "the page is not revalidated");
      const assets = seen.filter((r) => /\/a\/[0-9a-f]{16}\//.test(r.url()));
      const names = assets.map((r) => r.url().split("/").pop()).sort();
      for (const n of ["app.js", "api.js", "sound.js", "charts.js", "style.css"])
        expect(names.includes(n), `${n} not loaded from a versioned URL: ${names}`);
      const types = { js: "text/javascript", css: "text/css", svg: "image/svg+xml" };
      for (const r of assets) {
        const h = r.headers();
        const ext = r.url().split(".").pop();
        expect(/max-age=31536000/.test(h["cache-control"] || "") && /immutable/.test(h["cache-control"]),
          `${r.url()}: cache-control ${h["cache-control"]}`);
        expect((h["content-type"] || "").startsWith(types[ext]), `${r.url()}: type ${h["content-type"]}`);
      }
      const external = seen.filter((r) => !r.url().startsWith(base) && !r.url().startsWith("blob:"));
      expect(external.length === 0, "external requests: " + external.map((r) => r.url()));
      await shot(page, "11-empty-page", false);
    });
    // A server started with --api-key: the page says what is missing, and
    // with ?key=... in its address it works, sending the key itself.
    const keyed = await startServer(["--api-key", "k3y-for-tests"]);
    try {
      const page = await ctx.newPage();
      await page.goto(keyed.base + "/");
      await page.waitForSelector("#error:not([hidden])", { timeout: 10000 });
      const said = await page.$eval("#error", (e) => e.textContent);
      await page.close();
      expect(/API key/.test(said) && /\?key=/.test(said), "without a key the page says: " + said);
      const ok2 = await ctx.newPage();
      await ok2.goto(keyed.base + "/?key=k3y-for-tests");
      await ok2.waitForSelector("body[data-ready='1']", { timeout: 10000 });
      ok2.problems = [];
      await ok2.fill("#text-in", "bright warm morning");
      await convertAndWait(ok2, "/v1/generate/image");
      const w = await waitNatural(ok2, "#out-image");
      await ok2.close();
      expect(w > 0, "with the key, no picture");
      ok("api key: the page asks for ?key=, and with it converts");
    } catch (e) {
      notOk("api key: the page asks for ?key=, and with it converts", e.message);
    } finally {
      await stopServer(keyed.srv);
    }
  } catch (e) {
    notOk("setup", e.message);
  } finally {
    if (ctx) await ctx.close().catch(() => {});
    if (server) await stopServer(server.srv);
    if (process.env.KEEP_TMP) console.log(`# kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main();
