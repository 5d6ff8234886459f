// sound.js -- sounds in the page: decoding with Web Audio, 16-bit WAV
// encoding, the microphone recorder with its level meter, and waveforms.

let ctx = null;
// One AudioContext for decoding and metering; made on first use, since
// browsers only start one after a user gesture.
export function audioContext() {
  if (!ctx) ctx = new AudioContext();
  return ctx;
}

// Blob -> AudioBuffer (rejects on undecodable bytes).
export async function decode(blob) {
  const bytes = await blob.arrayBuffer();
  return audioContext().decodeAudioData(bytes);
}

// AudioBuffer -> a mono or stereo 16-bit PCM WAV Blob (RIFF, little-endian).
export function encodeWav(buf) {
  const channels = Math.min(buf.numberOfChannels, 2); // mono or stereo is all a voice needs
  const frames = buf.length;
  const bytesPerSample = 2;                           // 16-bit PCM
  const dataLen = frames * channels * bytesPerSample;
  const out = new DataView(new ArrayBuffer(44 + dataLen)); // 44: the canonical RIFF/fmt/data header
  const tag = (off, s) => { for (let i = 0; i < 4; i++) out.setUint8(off + i, s.charCodeAt(i)); };
  tag(0, "RIFF");
  out.setUint32(4, 36 + dataLen, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  out.setUint32(16, 16, true);                        // fmt chunk size for PCM
  out.setUint16(20, 1, true);                         // format 1: integer PCM
  out.setUint16(22, channels, true);
  out.setUint32(24, buf.sampleRate, true);
  out.setUint32(28, buf.sampleRate * channels * bytesPerSample, true);
  out.setUint16(32, channels * bytesPerSample, true);
  out.setUint16(34, 16, true);
  tag(36, "data");
  out.setUint32(40, dataLen, true);
  const data = [];
  for (let c = 0; c < channels; c++) data.push(buf.getChannelData(c));
  let off = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const v = Math.max(-1, Math.min(1, data[c][i]));
      out.setInt16(off, v < 0 ? v * 32768 : v * 32767, true);
      off += 2;
    }
  }
  return new Blob([out.buffer], { type: "audio/wav" });
}

// The microphone: start() asks for it and records with MediaRecorder;
// onLevel(0..1, seconds) is called every frame; stop() resolves the
// recording as a WAV Blob (decoded with Web Audio, encoded here).
export class Recorder {
  constructor(onLevel, maxSeconds) {
    this.onLevel = onLevel;
    this.maxSeconds = maxSeconds;
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    this.chunks = [];
    this.rec = new MediaRecorder(this.stream);
    this.rec.ondataavailable = (ev) => { if (ev.data.size) this.chunks.push(ev.data); };
    this.done = new Promise((resolve) => { this.rec.onstop = resolve; });
    const ac = audioContext();
    if (ac.state === "suspended") await ac.resume();
    this.source = ac.createMediaStreamSource(this.stream);
    this.analyser = ac.createAnalyser();
    this.analyser.fftSize = 1024; // 23 ms at 44.1 kHz: a meter that follows syllables
    this.source.connect(this.analyser);
    this.samples = new Float32Array(this.analyser.fftSize);
    this.t0 = performance.now();
    this.rec.start(250); // a chunk every 250 ms, so stop() has little left to flush
    const tick = () => {
      if (!this.rec || this.rec.state !== "recording") return;
      this.analyser.getFloatTimeDomainData(this.samples);
      let sum = 0;
      for (const s of this.samples) sum += s * s;
      const rms = Math.sqrt(sum / this.samples.length);
      // -60 dBFS .. 0 dBFS onto 0..1: the range a voice moves through
      const level = Math.max(0, Math.min(1, (20 * Math.log10(rms + 1e-9) + 60) / 60));
      const secs = (performance.now() - this.t0) / 1000;
      this.onLevel(level, secs);
      if (secs >= this.maxSeconds) { this.stop(); return; }
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  recording() { return !!(this.rec && this.rec.state === "recording"); }

  async stop() {
    if (!this.rec) return null;
    if (this.rec.state === "recording") this.rec.stop();
    cancelAnimationFrame(this.raf);
    await this.done;
    this.source.disconnect();
    for (const t of this.stream.getTracks()) t.stop();
    const type = this.rec.mimeType || "audio/webm";
    this.rec = null;
    const recorded = new Blob(this.chunks, { type });
    const buf = await decode(recorded);
    return encodeWav(buf);
  }
}

// Draws the waveform of an AudioBuffer: one min-max bar per pixel column,
// mirrored around the centre line.  Colours come from the canvas's CSS.
export function drawWave(canvas, buf) {
  const g = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, mid = h / 2;
  const css = getComputedStyle(canvas);
  g.clearRect(0, 0, w, h);
  g.fillStyle = css.getPropertyValue("--wave-bg").trim() || "#111827";
  g.fillRect(0, 0, w, h);
  g.fillStyle = css.getPropertyValue("--wave-axis").trim() || "#334155";
  g.fillRect(0, Math.floor(mid), w, 1);
  const x = buf.getChannelData(0);
  const y = buf.numberOfChannels > 1 ? buf.getChannelData(1) : x;
  const per = Math.max(1, Math.floor(x.length / w));
  let peak = 1e-6;
  for (let i = 0; i < x.length; i += 7) peak = Math.max(peak, Math.abs(x[i]), Math.abs(y[i])); // a stride keeps long sounds quick
  const gain = 0.92 / peak; // fill the height: a quiet recording still shows its shape
  const grad = g.createLinearGradient(0, 0, w, 0);
  grad.addColorStop(0, css.getPropertyValue("--wave-a").trim() || "#8fd3cf");
  grad.addColorStop(1, css.getPropertyValue("--wave-b").trim() || "#f4a259");
  g.fillStyle = grad;
  for (let px = 0; px < w; px++) {
    let lo = 0, hi = 0;
    const start = px * per, end = Math.min(x.length, start + per);
    for (let i = start; i < end; i++) {
      const v = (x[i] + y[i]) / 2;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const top = mid - hi * gain * mid, bottom = mid - lo * gain * mid;
    g.fillRect(px, top, 1, Math.max(1, bottom - top));
  }
}
