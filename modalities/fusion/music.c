/* music.c -- a few seconds of music from the semantic axes.
 *
 * Accepts: any syn_semantics, a seed, a rate of 1..384 kHz and a duration
 * of (0, 600] s (the caller holds it to the output limit).  Returns stereo,
 * interleaved float PCM in *pcm (malloc'd; the caller free()s it),
 * peak-normalised to -1 dBFS; 0, or -1 with *e.
 *
 * The mapping (each after the axis grounding in syn/semantic.h):
 *   energy      tempo 60..180 BPM, drive, percussion, a wider stereo spread
 *   valence     major (I IV V I) or natural minor (i iv v i): the tonic chord
 *               opens and closes every phrase and every chord has the mode's
 *               own quality, so the key is heard (and measured) as major or minor
 *   hue         the key: the inverse of pitch class -> hue, pc = 5 k mod 12
 *               for k = round(12 hue) (C = red, by fifths round the wheel)
 *   brightness, elevation   the melody's register, E3..G#5
 *   sharpness, warmth       timbre: stb_hexwave morphs a triangle toward a
 *               sawtooth as sharpness (and brightness) rise and warmth
 *               falls; attacks shorten with sharpness; warmth lifts the pad
 *   density     notes per beat (1..4) and fewer rests
 * Voices are band-limited hexwave oscillators (state per note, on the
 * stack) with ADSR envelopes; a soft bass and a pad hold the chords; a
 * ping-pong echo spreads them.  Deterministic from the seed.
 *
 * Layout: the voices (note, hat, kick); plan_from_axes() makes every
 * choice above from the axes; each bar plays its chords, drums and melody;
 * echo() and master() finish the mix. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "syn/semantic.h"
#include "internal.h"

#define STB_HEXWAVE_IMPLEMENTATION
#define STB_HEXWAVE_STATIC
#define STB_HEXWAVE_NO_ALLOCATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_hexwave.h>
#pragma GCC diagnostic pop

/* BLEP width 32 and 16 sub-sample phases: the values stb_hexwave's own
 * documentation suggests; aliasing is far below the mix at these pitches.
 * Its tables (16 * width * (oversample + 1) bytes, per its header) live
 * here, filled once by syn_music_init() before any thread starts. */
#define HEX_WIDTH 32
#define HEX_OVERSAMPLE 16
static float hex_tables[4 * HEX_WIDTH * (HEX_OVERSAMPLE + 1)];
static int hex_ready;

void syn_music_init(void)
{
    if (!hex_ready) {
        hexwave_init(HEX_WIDTH, HEX_OVERSAMPLE, hex_tables);
        hex_ready = 1;
    }
}

#define MUS_PEAK 0.891f /* -1 dBFS */

typedef struct mix {
    float *l, *r;
    size_t frames;
    int sr;
    float *tmp; /* one note's samples */
    size_t tmp_cap;
} mix;

typedef struct adsr {
    float a, d, s, r; /* seconds, seconds, level, seconds */
} adsr;

static double midi_hz(double m)
{
    return 440.0 * pow(2.0, (m - 69) / 12);
}

/* One hexwave note: start and held length in seconds, then the release.
 * harsh in [0,1]: triangle (0) to sawtooth (1) by half-height 0..2, the
 * morph stb_hexwave documents, scaled by 1 - hh/4 to keep the level.
 * pan in [-1,1], equal-power. */
static void note(mix *m, double t0, double hold, double midi, float harsh, adsr env, float gain,
                 float pan, float detune_cents)
{
    size_t start = (size_t)llround(t0 * m->sr);
    if (start >= m->frames) return;
    size_t len = (size_t)llround((hold + env.r) * m->sr);
    if (len > m->tmp_cap) len = m->tmp_cap;
    if (len > m->frames - start) len = m->frames - start;
    if (len == 0) return;
    HexWave osc;
    float hh = 2 * clampf(harsh, 0, 1);
    hexwave_create(&osc, 1, 0.5f, hh, 0);
    double hz = midi_hz(midi) * pow(2.0, detune_cents / 1200);
    if (hz >= 0.45 * m->sr) /* above the band: hexwave cannot band-limit it */
        return;
    hexwave_generate_samples(m->tmp, (int)len, &osc, (float)(hz / m->sr));
    float level = gain * (1 - hh / 4);
    float gl = cosf((pan + 1) * (float)M_PI / 4), gr = sinf((pan + 1) * (float)M_PI / 4);
    size_t na = (size_t)(env.a * m->sr) + 1, nd = (size_t)(env.d * m->sr) + 1;
    size_t nh = (size_t)(hold * m->sr), nr = (size_t)(env.r * m->sr) + 1;
    float at_release = env.s;
    for (size_t i = 0; i < len; i++) {
        float g;
        if (i < nh || nh == 0) {
            if (i < na)
                g = (float)i / na;
            else if (i < na + nd)
                g = 1 - (1 - env.s) * (float)(i - na) / nd;
            else
                g = env.s;
            at_release = g;
            if (nh == 0 && i >= na) nh = i; /* a hold shorter than the attack releases after it */
        } else {
            g = at_release * (1 - (float)(i - nh) / nr);
            if (g <= 0) break;
        }
        float v = m->tmp[i] * g * level;
        m->l[start + i] += v * gl;
        m->r[start + i] += v * gr;
    }
}

/* A soft hat: seeded noise, first difference (brighter), 30 ms decay. */
static void hat(mix *m, double t0, float gain, float pan, uint64_t *st)
{
    size_t start = (size_t)llround(t0 * m->sr), len = (size_t)(0.06 * m->sr);
    if (start >= m->frames) return;
    if (len > m->frames - start) len = m->frames - start;
    float prev = 0, gl = cosf((pan + 1) * (float)M_PI / 4), gr = sinf((pan + 1) * (float)M_PI / 4);
    for (size_t i = 0; i < len; i++) {
        float n = (float)(urand(st) * 2 - 1), v = (n - prev) * 0.5f;
        prev = n;
        v *= gain * expf(-(float)i / (0.012f * m->sr));
        m->l[start + i] += v * gl;
        m->r[start + i] += v * gr;
    }
}

/* A soft kick: a sine falling from 110 to 45 Hz over 120 ms. */
static void kick(mix *m, double t0, float gain)
{
    size_t start = (size_t)llround(t0 * m->sr), len = (size_t)(0.18 * m->sr);
    if (start >= m->frames) return;
    if (len > m->frames - start) len = m->frames - start;
    double ph = 0;
    for (size_t i = 0; i < len; i++) {
        double t = (double)i / m->sr;
        double f = 45 + 65 * exp(-t / 0.04);
        ph += 2 * M_PI * f / m->sr;
        float v = (float)(sin(ph) * exp(-t / 0.07)) * gain;
        m->l[start + i] += v;
        m->r[start + i] += v;
    }
}

static const int scale_major[7] = {0, 2, 4, 5, 7, 9, 11};
static const int scale_minor[7] = {0, 2, 3, 5, 7, 8, 10};

/* Pitch (semitones above the tonic) of scale degree d, any octave. */
static int degree_semis(const int sc[7], int d)
{
    int oct = d >= 0 ? d / 7 : -((-d + 6) / 7);
    return sc[d - 7 * oct] + 12 * oct;
}

/* --- the plan: every musical choice from the axes ------------------------- */

typedef struct plan {
    double beat, bar;     /* seconds                                        */
    const int *sc;        /* the scale: major or natural minor              */
    int tonic;            /* MIDI note of the melody's tonic                */
    int sub;              /* notes per beat                                 */
    float rest_p;         /* chance that an off-beat note rests             */
    float harsh;          /* timbre: triangle (0) .. sawtooth (1)           */
    float spread;         /* the melody's stereo spread                     */
    float En, W;          /* energy and warmth, read by the parts           */
    adsr lead, pad, bass; /* envelopes                                      */
} plan;

static void plan_from_axes(const syn_semantics *s, plan *p)
{
    const float B = s->v[SYN_AX_BRIGHTNESS], Ev = s->v[SYN_AX_ELEVATION], En = s->v[SYN_AX_ENERGY],
                Sh = s->v[SYN_AX_SHARPNESS], W = s->v[SYN_AX_WARMTH], V = s->v[SYN_AX_VALENCE],
                D = s->v[SYN_AX_DENSITY];
    /* energy: tempo 60..180 BPM */
    double bpm = 60 + 120 * En;
    p->beat = 60 / bpm, p->bar = 4 * p->beat;
    /* valence: the mode */
    int major = V >= 0.5f;
    p->sc = major ? scale_major : scale_minor;
    /* hue: the key, the inverse of pitch class -> hue */
    int k = (int)lroundf(s->v[SYN_AX_HUE] * 12) % 12;
    int tonic_pc = (5 * k) % 12; /* 5 is its own inverse mod 12 */
    /* brightness, elevation: melody centre E3 (52) .. G#5 (80); the tonic
     * nearest below it. */
    int centre = 52 + (int)lroundf(28 * (0.6f * B + 0.4f * Ev));
    p->tonic = centre - ((centre - tonic_pc) % 12 + 12) % 12;
    /* density: notes per beat, fewer rests */
    p->sub = 1 + (int)(D * 3.99f);
    p->rest_p = 0.45f - 0.3f * D;
    /* sharpness, warmth (and brightness): the timbre and the attacks */
    p->harsh = clampf(0.1f + 0.6f * Sh + 0.2f * B - 0.3f * (W - 0.5f), 0, 1);
    p->spread = 0.3f + 0.45f * En;
    p->lead = (adsr){0.003f + 0.07f * (1 - Sh), 0.12f, 0.55f, 0.06f + 0.25f * (1 - Sh)};
    p->pad = (adsr){0.35f, 0.3f, 0.8f, 0.5f};
    p->bass = (adsr){0.008f, 0.2f, 0.6f, 0.12f};
    p->En = En, p->W = W;
}

/* --- one bar: pad, bass, percussion, melody ------------------------------- */

/* chord roots as scale degrees: I IV V I, or i iv v i.  (i VI III VII
 * spends half its time on chords of the relative major, and a slow 8 s
 * piece is only two bars long: it read back as major.) */
static const int prog[4] = {0, 3, 4, 0};

/* pad: the chord an octave under the melody, spread wide, detuned; bass:
 * the root two octaves down, on beats or half notes. */
static void play_chords(mix *m, const plan *p, double tb, const int chord[3])
{
    for (int c = 0; c < 3; c++)
        note(m, tb, p->bar * 0.95, p->tonic - 12 + degree_semis(p->sc, chord[c]), 0.05f * p->harsh,
             p->pad, 0.10f + 0.14f * p->W, c == 1 ? 0 : (c ? 0.7f : -0.7f), (c - 1) * 4.0f);
    int bass_step = p->En > 0.5f ? 1 : 2;
    for (int q = 0; q < 4; q += bass_step) {
        double bm = p->tonic - 24 + degree_semis(p->sc, chord[0]);
        while (bm < 33) /* A1: lower is felt more than heard */
            bm += 12;
        note(m, tb + q * p->beat, p->beat * bass_step * 0.85, bm, 0.15f * p->harsh, p->bass, 0.32f,
             0, 0);
    }
}

/* percussion: energy brings a kick and hats */
static void play_drums(mix *m, const plan *p, double tb, uint64_t *st)
{
    float En = p->En;
    for (int q = 0; q < 4; q++) {
        if (En > 0.55f && (q == 0 || q == 2)) kick(m, tb + q * p->beat, 0.5f * (En - 0.4f));
        if (En > 0.35f)
            for (int u = 0; u < p->sub; u++)
                hat(m, tb + (q + (double)u / p->sub) * p->beat,
                    (En - 0.3f) * (u == 0 ? 0.35f : 0.22f), (float)(urand(st) - 0.5), st);
    }
}

/* The chord tone nearest scale degree deg, in any of five octaves. */
static int nearest_chord_tone(const int chord[3], int deg)
{
    int best = deg, bd = 99;
    for (int c = 0; c < 3; c++)
        for (int o = -14; o <= 14; o += 7) {
            int d = chord[c] + o;
            if (abs(d - deg) < bd) bd = abs(d - deg), best = d;
        }
    return best;
}

/* melody: a seeded walk on the scale, chord tones on the beats; *deg is
 * the melody's scale degree above the tonic, carried from bar to bar. */
static void play_melody(mix *m, const plan *p, double tb, const int chord[3], int *deg,
                        uint64_t *st)
{
    int sub = p->sub;
    for (int q = 0; q < 4 * sub; q++) {
        double t = tb + q * p->beat / sub;
        int on_beat = q % sub == 0;
        if (!on_beat && urand(st) < p->rest_p) continue;
        if (on_beat && q && urand(st) < p->rest_p * 0.5) continue;
        double u = urand(st);
        int step = u < 0.3 ? -1 : u < 0.6 ? 1 : u < 0.72 ? -2 : u < 0.84 ? 2 : 0;
        if (*deg > 5) step = -abs(step);
        if (*deg < -3) step = abs(step);
        *deg += step;
        if (on_beat) *deg = nearest_chord_tone(chord, *deg);
        float vel = on_beat ? 0.9f : (float)(0.55 + 0.2 * urand(st));
        note(m, t, p->beat / sub * 0.85, p->tonic + degree_semis(p->sc, *deg), p->harsh, p->lead,
             0.42f * vel, (float)(urand(st) * 2 - 1) * p->spread, 0);
    }
}

/* --- the mix: echo, drive, fades, peak ------------------------------------ */

/* Ping-pong echo at a dotted eighth, warmth makes it wetter; done in
 * place, so each echo feeds the next (feedback = wet^2 per round). */
static void echo(mix *m, const plan *p)
{
    size_t dly = (size_t)(0.75 * p->beat * m->sr), n = m->frames;
    float wet = 0.15f + 0.2f * p->W;
    if (dly > 0 && dly < n)
        for (size_t i = dly; i < n; i++) {
            m->l[i] += wet * m->r[i - dly];
            m->r[i] += wet * m->l[i - dly];
        }
}

/* Drive (energy compresses: louder for the same peak), fades, peak:
 * the mix into out[2 * frames], interleaved. */
static void master(const mix *m, const plan *p, float *out)
{
    size_t n = m->frames;
    float peak = 0;
    for (size_t i = 0; i < n; i++)
        peak = fmaxf(peak, fmaxf(fabsf(m->l[i]), fabsf(m->r[i])));
    float g = 1 + 2.5f * p->En, norm = peak > 0 ? 1 / peak : 0, tg = tanhf(g);
    size_t fade_in = (size_t)(0.005 * m->sr), fade_out = (size_t)(0.3 * m->sr);
    float peak2 = 0;
    for (size_t i = 0; i < n; i++) {
        float f = 1;
        if (i < fade_in) f = (float)i / fade_in;
        if (n - i < fade_out) f = fminf(f, (float)(n - i) / fade_out);
        out[2 * i] = tanhf(g * m->l[i] * norm) / tg * f;
        out[2 * i + 1] = tanhf(g * m->r[i] * norm) / tg * f;
        peak2 = fmaxf(peak2, fmaxf(fabsf(out[2 * i]), fabsf(out[2 * i + 1])));
    }
    if (peak2 > 0)
        for (size_t i = 0; i < 2 * n; i++)
            out[i] *= MUS_PEAK / peak2;
}

int syn_music(const syn_semantics *s, uint32_t seed, int sample_rate, double duration, float **pcm,
              size_t *frames, int *channels, syn_err *e)
{
    *pcm = NULL;
    *frames = 0;
    *channels = 2;
    if (!s || sample_rate < 1000 || sample_rate > 384000 || !(duration > 0) || duration > 600)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "music asked for %.1f s at %d Hz", duration,
                        sample_rate);
    if (!hex_ready)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "music oscillators are not initialised");
    uint64_t st = (uint64_t)seed * 0x9e3779b97f4a7c15ull ^ 0x4d55534943ull; /* "MUSIC" */

    size_t n = (size_t)llround(duration * sample_rate);
    if (n == 0) n = 1;
    mix m = {.frames = n, .sr = sample_rate};
    m.tmp_cap = (size_t)(8.0 * sample_rate); /* the longest note: a pad bar at 60 BPM */
    m.l = calloc(n, sizeof(float));
    m.r = calloc(n, sizeof(float));
    m.tmp = malloc(sizeof(float) * m.tmp_cap);
    float *out = malloc(sizeof(float) * 2 * n);
    if (!m.l || !m.r || !m.tmp || !out) {
        free(m.l), free(m.r), free(m.tmp), free(out);
        return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for %.1f s of music", duration);
    }
    plan p;
    plan_from_axes(s, &p);
    int deg = 0; /* the melody's scale degree above the tonic */
    int nbars = (int)ceil(duration / p.bar);
    for (int b = 0; b < nbars; b++) {
        double tb = b * p.bar;
        int root = prog[b % 4];
        int chord[3] = {root, root + 2, root + 4}; /* triads in the scale */
        play_chords(&m, &p, tb, chord);
        play_drums(&m, &p, tb, &st);
        play_melody(&m, &p, tb, chord, &deg, &st);
    }
    echo(&m, &p);
    master(&m, &p, out);
    free(m.l), free(m.r), free(m.tmp);
    *pcm = out;
    *frames = n;
    return 0;
}
