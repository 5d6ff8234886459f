/* music.c -- a few seconds of music from the semantic axes.
 *
 * Accepts: any syn_semantics, a seed, a rate of 1..384 kHz and a duration
 * of (0, 600] s (the caller holds it to the output limit).  Returns stereo,
 * interleaved float PCM in *pcm (malloc'd; the caller free()s it),
 * peak-normalised to -1 dBFS; 0, or -1 with *e.
 *
 * The mapping (each after the axis grounding in syn/semantic.h):
 *   energy      tempo 66..166 BPM, loudness, drive, percussion, a wider stereo spread
 *   valence     major (I IV V I) or minor (i iv V i, the dominant's third the
 *               leading tone of harmonic minor): the tonic chord opens and
 *               closes every phrase, and chords are triads (no seventh holds
 *               the relative key's triad); between the poles the third and
 *               sixth sound less, down to open fifths at 0.5, so the mode
 *               is heard less surely, and every note stays in key
 *   hue         the key: the inverse of pitch class -> hue, pc = 5 k mod 12
 *               for k = round(12 hue) (C = red, by fifths round the wheel)
 *   brightness, elevation   the melody's register, E3..G#5
 *   sharpness, warmth       timbre: stb_hexwave morphs a triangle toward a
 *               sawtooth as sharpness (and brightness) rise and warmth
 *               falls; attacks shorten, breath noise and clusters (the
 *               scale's next step with each note) come with sharpness;
 *               warmth lifts the pad
 *   density     notes per second (1..9, as notes per beat) and fewer rests
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

/* BLEP width 16 and 16 sub-sample phases: a 1 kHz sawtooth's aliases lie
 * 32 dB under its harmonics, as at the width 32 stb_hexwave's documentation
 * suggests (measured at 22.05 kHz), at two thirds of the composer's time.
 * Its tables (16 * width * (oversample + 1) bytes, per its header) live
 * here, filled once by syn_music_init() before any thread starts. */
#define HEX_WIDTH 16
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

/* Where a note of `hold` s plus its release starts on the mix, and how
 * many of its samples fit (0: none). */
static size_t note_span(const mix *m, double t0, double hold, adsr env, size_t *start)
{
    *start = (size_t)llround(t0 * m->sr);
    if (*start >= m->frames) return 0;
    size_t len = (size_t)llround((hold + env.r) * m->sr);
    if (len > m->tmp_cap) len = m->tmp_cap;
    if (len > m->frames - *start) len = m->frames - *start;
    return len;
}

/* The oscillator's samples in m->tmp through the ADSR envelope, at level,
 * onto the mix at start, panned equal-power (pan in [-1,1]).  The envelope
 * runs phase by phase (attack, decay, sustain while held, release), so the
 * inner loops carry no branch and no division. */
static void voice(mix *m, size_t start, size_t len, double hold, adsr env, float level, float pan)
{
    float gl = cosf((pan + 1) * (float)M_PI / 4) * level,
          gr = sinf((pan + 1) * (float)M_PI / 4) * level;
    size_t na = (size_t)(env.a * m->sr) + 1, nd = (size_t)(env.d * m->sr) + 1;
    size_t nh = (size_t)(hold * m->sr), nr = (size_t)(env.r * m->sr) + 1;
    if (nh == 0) nh = na; /* a hold shorter than the attack releases after it */
    const float *restrict x = m->tmp;
    float *restrict L = m->l + start, *restrict R = m->r + start;
    size_t i = 0, held = nh < len ? nh : len;
    float g = env.s, da = 1.0f / (float)na, dd = (1 - env.s) / (float)nd;
    for (; i < held && i < na; i++) {
        g = (float)i * da;
        L[i] += x[i] * g * gl, R[i] += x[i] * g * gr;
    }
    for (; i < held && i < na + nd; i++) {
        g = 1 - (float)(i - na) * dd;
        L[i] += x[i] * g * gl, R[i] += x[i] * g * gr;
    }
    if (i < held) g = env.s;
    for (; i < held; i++)
        L[i] += x[i] * g * gl, R[i] += x[i] * g * gr;
    /* the release: from the level reached, down to 0 over nr samples */
    size_t end = nh + nr < len ? nh + nr : len;
    float dr = g / (float)nr;
    for (; i < end; i++) {
        float gi = g - (float)(i - nh) * dr;
        L[i] += x[i] * gi * gl, R[i] += x[i] * gi * gr;
    }
}

/* One hexwave note: start and held length in seconds, then the release.
 * harsh in [0,1]: triangle (0) to sawtooth (1) by half-height 0..2, the
 * morph stb_hexwave documents, scaled by 1 - hh/4 to keep the level. */
static void note(mix *m, double t0, double hold, double midi, float harsh, adsr env, float gain,
                 float pan, float detune_cents)
{
    size_t start, len = note_span(m, t0, hold, env, &start);
    double hz = midi_hz(midi) * pow(2.0, detune_cents / 1200);
    if (len == 0 || hz >= 0.45 * m->sr) /* above the band: hexwave cannot band-limit it */
        return;
    HexWave osc;
    float hh = 2 * clampf(harsh, 0, 1);
    hexwave_create(&osc, 1, 0.5f, hh, 0);
    hexwave_generate_samples(m->tmp, (int)len, &osc, (float)(hz / m->sr));
    voice(m, start, len, hold, env, gain * (1 - hh / 4), pan);
}

/* A glass bell three octaves over the melody: a pure tone (its overtones
 * would sit at 10 kHz and over), a sine by the rotation recurrence, with
 * no oscillator's band-limiting to pay for; as note() otherwise. */
static void bell(mix *m, double t0, double hold, double midi, adsr env, float gain, float pan)
{
    size_t start, len = note_span(m, t0, hold, env, &start);
    double w = 2 * M_PI * midi_hz(midi) / m->sr;
    if (len == 0 || w >= 0.9 * M_PI) return;
    double c = 2 * cos(w), y1 = 0, y2 = -sin(w); /* sin(0 w), sin(-1 w) */
    for (size_t i = 0; i < len; i++) {
        double y = c * y1 - y2; /* sin((i + 1) w) from sin(i w) and sin((i - 1) w) */
        m->tmp[i] = (float)y1;
        y2 = y1, y1 = y;
    }
    voice(m, start, len, hold, env, gain, pan);
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

/* Breath: seeded white noise under a note, following a swell-and-decay
 * envelope over its hold (the grit of a bowed or blown, harsh tone). */
static void grit(mix *m, double t0, double hold, float gain, float pan, uint64_t *st)
{
    size_t start = (size_t)llround(t0 * m->sr), len = (size_t)(hold * m->sr);
    if (start >= m->frames || len == 0) return;
    if (len > m->frames - start) len = m->frames - start;
    float gl = cosf((pan + 1) * (float)M_PI / 4), gr = sinf((pan + 1) * (float)M_PI / 4);
    for (size_t i = 0; i < len; i++) {
        float t = (float)i / (float)len, env = fminf(1, t * 20) * (1 - 0.6f * t);
        float v = (float)(urand(st) * 2 - 1) * gain * env;
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
static const int scale_harmonic[7] = {0, 2, 3, 5, 7, 8, 11};

/* The degrees that tell major from minor: the third and the sixth (scale
 * degrees 2 and 5, any octave).  Between the poles of valence they sound
 * less (softer in the chords, stepped off in the melody), so the mode is
 * heard less surely: at valence 0.5 the chords are open fifths, neither
 * major nor minor.  Every note stays on the key's scale. */
static int modal_degree(int d)
{
    int r = ((d % 7) + 7) % 7;
    return r == 2 || r == 5;
}

/* Pitch (semitones above the tonic) of scale degree d, any octave. */
static int degree_semis(const int sc[7], int d)
{
    int oct = d >= 0 ? d / 7 : -((-d + 6) / 7);
    return sc[d - 7 * oct] + 12 * oct;
}

/* --- the plan: every musical choice from the axes ------------------------- */

/* Chord roots (scale degrees), one chord every half bar: the cadence
 * I IV V I (i iv V i in minor), whose tonic opens and closes it, so that
 * the key and its mode are heard (and measured) at once. */
static const int cadence[4] = {0, 3, 4, 0};

typedef struct plan {
    double beat, bar;     /* seconds                                        */
    const int *sc;        /* the scale: major or natural minor              */
    int major;            /* the mode                                       */
    float third;          /* how much the mode's third and sixth sound, 0..1 */
    int tonic;            /* MIDI note of the melody's tonic                */
    int sub;              /* melody notes per beat                          */
    int voices;           /* pad chord tones: 3 (triad) .. 5 (two doubled)  */
    float rest_p;         /* chance that an off-beat note rests             */
    float harsh;          /* lead timbre: triangle (0) .. sawtooth (1)      */
    float spread;         /* the melody's stereo spread                     */
    float g_lead, g_shim; /* melody and its sparkle two octaves up          */
    float g_ice;          /* a bell three octaves up                        */
    float g_pad, g_bass;  /* the chords in the low-mid, the bass below      */
    float g_noise;        /* hats and snare                                 */
    float g_grit;         /* breath noise under each melody note            */
    float tilt;           /* gain of the highs over the lows (800 Hz split) */
    float detune;         /* cents of the lead's second oscillator          */
    float g_clash;        /* the second above each note: a rough cluster    */
    float rms_db;         /* the mix's loudness, dBFS RMS                   */
    float En, W;          /* energy and warmth, read by the parts           */
    adsr lead, pad, bass; /* envelopes                                      */
} plan;

static void plan_from_axes(const syn_semantics *s, plan *p)
{
    const float B = s->v[SYN_AX_BRIGHTNESS], Ev = s->v[SYN_AX_ELEVATION], En = s->v[SYN_AX_ENERGY],
                Sh = s->v[SYN_AX_SHARPNESS], W = s->v[SYN_AX_WARMTH], V = s->v[SYN_AX_VALENCE],
                D = s->v[SYN_AX_DENSITY];
    /* energy: tempo 66..166 BPM (inside 60..180 by a margin, where a beat
     * is not heard at half or double its speed) and loudness, -40..-12
     * dBFS RMS (calm is soft) */
    double bpm = 66 + 100 * En;
    p->beat = 60 / bpm, p->bar = 4 * p->beat;
    p->rms_db = -40 + 28 * En;
    /* valence: the mode */
    p->major = V >= 0.5f;
    p->sc = p->major ? scale_major : scale_minor;
    p->third = fminf(1, fabsf(2 * V - 1) / 0.8f);
    /* hue: the key, the inverse of pitch class -> hue */
    int k = (int)lroundf(s->v[SYN_AX_HUE] * 12) % 12;
    int tonic_pc = (5 * k) % 12; /* 5 is its own inverse mod 12 */
    /* elevation: the melody's register, C2 (36) .. C7 (96), the inverse of
     * the register the ear (and the encoder) hears; the tonic nearest below */
    int centre = 36 + (int)lroundf(56 * Ev);
    p->tonic = centre - ((centre - tonic_pc) % 12 + 12) % 12;
    /* density: notes per second, 1 .. 9 whatever the tempo (the surface
     * rate, which the ear counts apart from the beat: London 2011), as
     * notes per beat; chord tones, fewer rests */
    p->sub = (int)lround(clampd((1 + 8 * D) * p->beat, 1, 8));
    p->voices = 3 + (int)(D * 2.99f);
    p->rest_p = 0.35f - 0.3f * D;
    /* brightness: a sparkle two octaves over the melody, a brighter lead,
     * less bass; warmth: the chords in the low-mid, a rounder lead */
    p->g_lead = 0.5f;
    p->g_shim = 0.32f * B * B;
    p->g_ice = 0.3f * (1 - W) * (1 - W); /* cold: a glassy bell three octaves up */
    p->g_pad = 0.3f * W * W + 0.1f * D;  /* dense: the chord's voices are heard */
    p->g_bass = (0.05f + 0.3f * (1 - W)) * (1 - 0.7f * B);
    /* sharpness: sawtooth, noise, a detuned second oscillator (beating),
     * short attacks */
    p->harsh = clampf(0.05f + 0.7f * Sh + 0.25f * B + 0.4f * (0.5f - W), 0, 1);
    p->g_noise = 0.03f + 0.5f * Sh * Sh;
    p->g_grit = 2.4f * Sh * Sh;
    /* brightness: the tilt of the whole mix, -16 dB (muffled) .. +16 dB
     * (crisp) for everything over 800 Hz; a cold sound is thin and bright
     * too, a warm one mellow */
    p->tilt = 0.1f * powf(100.0f, clampf(B + 0.4f * (0.5f - W), 0, 1));
    p->detune = 28 * Sh;
    /* and, past 0.3, clusters: the scale's next step sounds with the
     * melody and the chords, a semitone or a tone, the distance at which
     * two tones are roughest (Plomp & Levelt 1965) */
    p->g_clash = 0.8f * clampf((Sh - 0.3f) / 0.7f, 0, 1);
    p->spread = 0.3f + 0.45f * En;
    p->lead = (adsr){0.002f + 0.12f * (1 - Sh) * (1 - Sh), 0.12f, 0.7f, 0.05f + 0.2f * (1 - Sh)};
    p->pad = (adsr){0.01f + 0.34f * (1 - Sh), 0.3f, 0.8f, 0.5f}; /* sharp: struck, not swelled */
    p->bass = (adsr){0.008f, 0.2f, 0.6f, 0.12f};
    p->En = En, p->W = W;
}

/* --- half a bar: pad, bass, percussion, melody ---------------------------- */

/* pad: the chord in the low-mid (its tones stacked in thirds from the root
 * near C4), spread wide; bass: the root under 150 Hz. */
static void play_chords(mix *m, const plan *p, const int *sc, double tb, double len,
                        const int *chord)
{
    int base = p->tonic;
    while (base > 60)
        base -= 12;
    while (base < 48)
        base += 12;
    for (int c = 0; c < p->voices; c++)
        note(m, tb, len * 0.95, base + degree_semis(sc, chord[c]), 0.05f * p->harsh, p->pad,
             p->g_pad * (modal_degree(chord[c]) ? p->third : 1), c % 2 ? 0.7f : -0.7f,
             (float)(c - 1) * 4.0f);
    if (p->g_clash > 0.002f) /* the cluster: the root's upper neighbour */
        note(m, tb, len * 0.95, base + degree_semis(sc, chord[0] + 1), 0.05f * p->harsh, p->pad,
             p->g_pad * p->g_clash, 0, 0);
    double bm = p->tonic + degree_semis(sc, chord[0]);
    while (bm > 40) /* E2: under the low-mid band */
        bm -= 12;
    while (bm < 28)
        bm += 12;
    int steps = p->En > 0.5f ? 2 : 1;
    for (int q = 0; q < steps; q++)
        note(m, tb + q * len / steps, len / steps * 0.85, bm, 0.15f * p->harsh, p->bass, p->g_bass,
             0, 0);
}

/* percussion: a kick with energy; hats at the melody's pulse and a snare
 * on the off-beats with sharpness */
static void play_drums(mix *m, const plan *p, double tb, uint64_t *st)
{
    float En = p->En;
    for (int q = 0; q < 2; q++) {
        /* the beat stronger than its subdivisions, so the pulse heard is
         * the tempo written: a kick on every beat when fast */
        if (En > 0.55f && (q == 0 || En > 0.75f)) kick(m, tb + q * p->beat, 0.5f * (En - 0.4f));
        for (int u = 0; u < p->sub; u++)
            hat(m, tb + (q + (double)u / p->sub) * p->beat, p->g_noise * (u == 0 ? 1.0f : 0.3f),
                (float)(urand(st) - 0.5), st);
        if (q == 1) hat(m, tb + q * p->beat, p->g_noise * 1.2f, 0, st);
    }
}

/* The chord tone nearest scale degree deg, in any of five octaves. */
static int nearest_chord_tone(const int *chord, int deg)
{
    int best = deg, bd = 99;
    for (int c = 0; c < 3; c++)
        for (int o = -14; o <= 14; o += 7) {
            int d = chord[c] + o;
            if (abs(d - deg) < bd) bd = abs(d - deg), best = d;
        }
    return best;
}

/* melody: a seeded walk on the scale, chord tones on the beats, legato so
 * that it carries the register; a sparkle doubles it two octaves up and a
 * detuned twin roughens it.  *deg is the melody's scale degree above the
 * tonic, carried from chord to chord. */
static void play_melody(mix *m, const plan *p, const int *sc, double tb, const int *chord, int *deg,
                        uint64_t *st)
{
    int sub = p->sub;
    double step_t = p->beat / sub;
    adsr env = p->lead; /* a fast run is articulated: each note speaks within its third */
    env.a = fminf(env.a, (float)step_t / 3);
    for (int q = 0; q < 2 * sub; q++) {
        double t = tb + q * step_t;
        int on_beat = q % sub == 0;
        if (!on_beat && urand(st) < p->rest_p) continue;
        double u = urand(st);
        int step = u < 0.3 ? -1 : u < 0.6 ? 1 : u < 0.72 ? -2 : u < 0.84 ? 2 : 0;
        if (*deg > 4) step = -abs(step);
        if (*deg < -2) step = abs(step);
        *deg += step;
        if (on_beat) *deg = nearest_chord_tone(chord, *deg);
        if (modal_degree(*deg) && urand(st) >= p->third) *deg -= 1; /* a second, or a fifth */
        float vel = on_beat ? 0.9f : (float)(0.6 + 0.2 * urand(st));
        double mid = p->tonic + degree_semis(sc, *deg);
        float pan = (float)(urand(st) * 2 - 1) * p->spread;
        int hold_steps = 1;
        while (q + hold_steps < 2 * sub && hold_steps < 2 && urand(st) < p->rest_p)
            hold_steps++;
        double hold = step_t * hold_steps * 0.95;
        note(m, t, hold, mid, p->harsh, env, p->g_lead * vel, pan, 0);
        if (p->detune > 1)
            note(m, t, hold, mid, p->harsh, env, 0.6f * p->g_lead * vel, -pan, p->detune);
        if (p->g_clash > 0.002f)
            note(m, t, hold, p->tonic + degree_semis(sc, *deg + 1), p->harsh, env,
                 p->g_clash * p->g_lead * vel, -pan, 0);
        if (p->g_grit > 0.002f) grit(m, t, hold, p->g_grit * p->g_lead * vel, pan, st);
        if (p->g_shim > 0.002f)
            note(m, t, hold, mid + 24, 0.2f * p->harsh, env, p->g_shim * vel, pan, 0);
        if (p->g_ice > 0.002f && on_beat)
            bell(m, t, hold, mid + 36, (adsr){0.002f, 0.3f, 0.2f, 0.3f}, p->g_ice * vel, -pan);
    }
}

/* --- the mix: echo, drive, fades, loudness --------------------------------- */

/* Ping-pong echo at a dotted eighth, warmth makes it wetter; done in
 * place, so each echo feeds the next (feedback = wet^2 per round). */
static void echo(mix *m, const plan *p)
{
    size_t dly = (size_t)(0.75 * p->beat * m->sr), n = m->frames;
    float wet = 0.1f + 0.2f * p->W;
    if (dly > 0 && dly < n)
        for (size_t i = dly; i < n; i++) {
            m->l[i] += wet * m->r[i - dly];
            m->r[i] += wet * m->l[i - dly];
        }
}

/* The drive's saturation: tanh's (3,2) Pade approximant, x (27 + x^2) /
 * (27 + 9 x^2), within 3 % of tanh, monotone, and flat
 * at +-1 from |x| = 3 on (its slope is 9 (x^2 - 9)^2 / (27 + 9 x^2)^2). */
static float soft_clip(float x)
{
    if (x >= 3) return 1;
    if (x <= -3) return -1;
    float x2 = x * x;
    return x * (27 + x2) / (27 + 9 * x2);
}

/* Drive (energy compresses), fades, then the level: the plan's loudness
 * in RMS, held under the -1 dBFS peak.  The mix into out[2 * frames],
 * interleaved. */
static void master(mix *m, const plan *p, float *out)
{
    size_t n = m->frames;
    /* the tilt: a one-pole split at 800 Hz, the highs scaled by p->tilt */
    float a = 1 - expf(-2 * (float)M_PI * 800 / m->sr), lpl = 0, lpr = 0;
    for (size_t i = 0; i < n; i++) {
        lpl += a * (m->l[i] - lpl), lpr += a * (m->r[i] - lpr);
        m->l[i] = lpl + p->tilt * (m->l[i] - lpl);
        m->r[i] = lpr + p->tilt * (m->r[i] - lpr);
    }
    float peak = 0;
    for (size_t i = 0; i < n; i++)
        peak = fmaxf(peak, fmaxf(fabsf(m->l[i]), fabsf(m->r[i])));
    float g = 1 + 2.5f * p->En, norm = peak > 0 ? 1 / peak : 0, tg = soft_clip(g);
    size_t fade_in = (size_t)(0.005 * m->sr), fade_out = (size_t)(0.3 * m->sr);
    double sumsq = 0;
    float peak2 = 0;
    for (size_t i = 0; i < n; i++) {
        float f = 1;
        if (i < fade_in) f = (float)i / fade_in;
        if (n - i < fade_out) f = fminf(f, (float)(n - i) / fade_out);
        out[2 * i] = soft_clip(g * m->l[i] * norm) / tg * f;
        out[2 * i + 1] = soft_clip(g * m->r[i] * norm) / tg * f;
        peak2 = fmaxf(peak2, fmaxf(fabsf(out[2 * i]), fabsf(out[2 * i + 1])));
        float mono = 0.5f * (out[2 * i] + out[2 * i + 1]);
        sumsq += (double)mono * mono;
    }
    double rms = sqrt(sumsq / (double)n);
    if (!(rms > 0) || !(peak2 > 0)) return;
    double gain = pow(10, p->rms_db / 20) / rms;
    if (gain * peak2 > MUS_PEAK) gain = MUS_PEAK / peak2;
    for (size_t i = 0; i < 2 * n; i++)
        out[i] = (float)(out[i] * gain);
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
    double half = p.bar / 2;
    int nhalves = (int)ceil(duration / half);
    for (int b = 0; b < nhalves; b++) {
        double tb = b * half;
        /* the last chord of the piece is the tonic, so every phrase closes */
        int root = b == nhalves - 1 ? 0 : cadence[b % 4];
        /* a triad, its root and third doubled an octave up when dense: a
         * seventh or ninth would hold the relative key's triad (C Eb G Bb
         * holds Eb G Bb) and blur the mode */
        int chord[5] = {root, root + 2, root + 4, root + 7, root + 9};
        /* in minor, the dominant is major: its third is the leading tone
         * (harmonic minor), the pull home that tells the minor key from
         * its relative major */
        const int *sc = !p.major && root == 4 ? scale_harmonic : p.sc;
        play_chords(&m, &p, sc, tb, half, chord);
        play_drums(&m, &p, tb, &st);
        play_melody(&m, &p, sc, tb, chord, &deg, &st);
    }
    echo(&m, &p);
    master(&m, &p, out);
    free(m.l), free(m.r), free(m.tmp);
    *pcm = out;
    *frames = n;
    return 0;
}
