// charts.js -- the radar chart of the semantic axes (SVG, drawn here) and
// SSIM between two pictures (computed here, on luma at the grid's size).

const SVG = "http://www.w3.org/2000/svg";

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

// semantics: {axis: {value, weight, reason}} in the server's order.
// onTip(text, element|null) shows or hides a tooltip for a focused point.
// loop, when the output came from the closed loop (app.js loopOf): {asked,
// made} as {axis: {value}} over the axes the inputs speak to; then the
// embed's shape gives way to asked (a dashed outline) and made (filled),
// each over those axes alone, and the points stay the embed's.
export function drawRadar(svg, semantics, onTip, loop) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  svg.classList.toggle("loop", !!loop);
  const names = Object.keys(semantics);
  const n = names.length;
  const cx = 180, cy = 180, R = 122; // viewBox 360: room for labels around a 122 px radius
  const at = (i, r) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n; // first axis straight up, clockwise
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  };
  const rings = el("g", { class: "rings" }, svg);
  for (const f of [0.25, 0.5, 0.75, 1]) {
    const pts = names.map((_, i) => at(i, R * f).map((v) => v.toFixed(1)).join(",")).join(" ");
    el("polygon", { points: pts, class: f === 1 ? "ring outer" : "ring" }, rings);
  }
  names.forEach((name, i) => {
    const [x, y] = at(i, R);
    el("line", { x1: cx, y1: cy, x2: x.toFixed(1), y2: y.toFixed(1), class: "spoke" }, rings);
    const [lx, ly] = at(i, R + 22);
    const t = el("text", {
      x: lx.toFixed(1), y: (ly + 4).toFixed(1), class: "axis-label",
      "text-anchor": Math.abs(lx - cx) < 8 ? "middle" : lx < cx ? "end" : "start",
    }, svg);
    t.textContent = name;
  });
  const pts = names.map((name, i) => at(i, R * clamp(semantics[name].value)));
  const line = (ps) => ps.map((p) => p.map((v) => v.toFixed(1)).join(",")).join(" ");
  if (loop) {
    // Only the axes of the radar that the loop reports, in the radar's order.
    const idx = names.map((name, i) => i).filter((i) => names[i] in loop.asked && names[i] in loop.made);
    const shape = (vals) => idx.map((i) => at(i, R * clamp(vals[names[i]].value)));
    const made = shape(loop.made), asked = shape(loop.asked);
    el("polygon", { points: line(made), class: "made" }, svg);
    el("polygon", { points: line(asked), class: "asked" }, svg);
    const marks = el("g", { class: "made-pts", "aria-hidden": "true" }, svg);
    idx.forEach((i, k) => {
      const m = el("rect", { x: (made[k][0] - 4).toFixed(1), y: (made[k][1] - 4).toFixed(1),
        width: 8, height: 8, rx: 1.5, class: "made-pt", "data-axis": names[i] }, marks);
      if (names[i] === "hue") m.style.fill = hueColour(loop.made.hue.value);
    });
  } else {
    el("polygon", { points: line(pts), class: "shape" }, svg);
  }
  names.forEach((name, i) => {
    const s = semantics[name];
    const reason = s.reason || `${name} ${Number(s.value).toFixed(2)}`;
    const g = el("g", { class: "pt", tabindex: 0, role: "img", "aria-label": reason }, svg);
    el("title", {}, g).textContent = reason;
    const [x, y] = pts[i];
    el("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 14, class: "hit" }, g);
    const dot = el("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 5.5, class: "dot" }, g);
    if (name === "hue") dot.style.fill = hueColour(s.value); // a style: the stylesheet's fill outranks an attribute
    if ((s.weight ?? 1) < 0.2) g.classList.add("weak"); // little evidence: drawn faint
    const show = () => onTip(reason, g);
    const hide = () => onTip(null, null);
    g.addEventListener("mouseenter", show);
    g.addEventListener("focus", show);
    g.addEventListener("mouseleave", hide);
    g.addEventListener("blur", hide);
  });
}

function clamp(v) { return Math.max(0, Math.min(1, Number(v) || 0)); }

// Hue is a turn of the colour wheel: 0 red, 1/3 green, 2/3 blue.
export function hueColour(v) { return `hsl(${Math.round(clamp(v) * 360)} 70% 60%)`; }

const HUES = ["red", "orange", "yellow", "lime", "green", "spring green", "cyan", "azure",
  "blue", "violet", "magenta", "rose"];
// The nearest of twelve named hues, for words where the colour is not seen.
export function hueName(v) { return HUES[Math.round(clamp(v) * 12) % 12]; }

// Luma (Rec. 601) of an <img>, resampled to cols x rows, as Float32Array.
export function lumaOf(img, cols, rows) {
  const c = document.createElement("canvas");
  c.width = cols;
  c.height = rows;
  const g = c.getContext("2d", { willReadFrequently: true });
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = "high";
  g.drawImage(img, 0, 0, cols, rows);
  const d = g.getImageData(0, 0, cols, rows).data;
  const out = new Float32Array(cols * rows);
  for (let i = 0; i < out.length; i++)
    out[i] = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2];
  return out;
}

// Separable Gaussian blur with edge clamping, for SSIM's local statistics.
function blur(src, w, h, kernel) {
  const r = (kernel.length - 1) / 2;
  const tmp = new Float32Array(w * h), out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += kernel[k + r] * src[y * w + Math.min(w - 1, Math.max(0, x + k))];
      tmp[y * w + x] = s;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += kernel[k + r] * tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x];
      out[y * w + x] = s;
    }
  return out;
}

// Mean SSIM (Wang et al. 2004) of two luma planes in 0..255, with their
// constants: an 11-tap Gaussian of sigma 1.5, C1 = (0.01 L)^2, C2 = (0.03 L)^2.
export function ssim(a, b, w, h) {
  const sigma = 1.5, taps = 11, L = 255;
  const kernel = [];
  let ksum = 0;
  for (let i = 0; i < taps; i++) {
    const d = i - (taps - 1) / 2;
    kernel.push(Math.exp(-(d * d) / (2 * sigma * sigma)));
    ksum += kernel[i];
  }
  for (let i = 0; i < taps; i++) kernel[i] /= ksum;
  const n = w * h;
  const aa = new Float32Array(n), bb = new Float32Array(n), ab = new Float32Array(n);
  for (let i = 0; i < n; i++) { aa[i] = a[i] * a[i]; bb[i] = b[i] * b[i]; ab[i] = a[i] * b[i]; }
  const ma = blur(a, w, h, kernel), mb = blur(b, w, h, kernel);
  const saa = blur(aa, w, h, kernel), sbb = blur(bb, w, h, kernel), sab = blur(ab, w, h, kernel);
  const C1 = (0.01 * L) ** 2, C2 = (0.03 * L) ** 2;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const va = saa[i] - ma[i] * ma[i], vb = sbb[i] - mb[i] * mb[i], cov = sab[i] - ma[i] * mb[i];
    sum += ((2 * ma[i] * mb[i] + C1) * (2 * cov + C2)) /
           ((ma[i] * ma[i] + mb[i] * mb[i] + C1) * (va + vb + C2));
  }
  return sum / n;
}
