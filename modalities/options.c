/* options.c -- the option table, parsing, and the grid-size policies.
 *
 * One table serves the query string, form fields, JSON, the CLI and
 * GET /v1.  Each default carries its reason in its help line. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syn/options.h"
#include "syn/fusion.h"

static const char *const modes[] = {"auto", "spectral", "semantic", "speech", NULL};
static const char *const langs[] = {"auto", "en", "zh", NULL};
static const char *const scales[] = {"linear", "mel", "log", NULL};
static const char *const colormaps[] = {"ember", "gray", "ice", NULL};
static const char *const formats[] = {"auto", "png", "wav", "wav-float", "flac", "ogg", NULL};
static const char *const syntheses[] = {"auto", "sine", "noise", "griffinlim", NULL};

#define NUMOPT(n, id, t, d, lo, hi, h) [id] = {n, id, t, d, lo, hi, NULL, h}
#define ENUMOPT(n, id, d, ch, h) [id] = {n, id, SYN_OT_ENUM, d, 0, 0, ch, h}

const syn_optdef syn_optdefs[SYN_OPT_COUNT] = {
    ENUMOPT("mode", SYN_OPT_MODE, "auto", modes,
            "spectral: a picture is read as a spectrogram and a sound drawn as one, faithful "
            "and invertible; semantic: music or a painting from the perceptual axes; speech: "
            "espeak-ng speaks the text or the description; auto: spectral when a picture or "
            "sound is among the inputs, semantic for text alone"),
    NUMOPT("seed", SYN_OPT_SEED, SYN_OT_INT, "0", 0, 4294967295.0,
           "seeds partial phases and noise; same input, options and seed give the same bytes"),
    NUMOPT("duration", SYN_OPT_DURATION, SYN_OT_NUM, "5", 0.1, 3600,
           "seconds of sound made from a picture; 5 s gives a 128-column picture 39 ms per "
           "column, slow enough to hear shapes, long enough for the round trip to stay sharp"),
    NUMOPT("sample_rate", SYN_OPT_SAMPLE_RATE, SYN_OT_INT, "22050", 8000, 192000,
           "Hz of generated sound; 22050 carries the default 8 kHz top band with half the "
           "bytes of 44100"),
    NUMOPT("fmin", SYN_OPT_FMIN, SYN_OT_NUM, "100", 0, 96000,
           "Hz at the bottom row; 100 Hz is the lowest most laptop speakers play"),
    NUMOPT("fmax", SYN_OPT_FMAX, SYN_OT_NUM, "8000", 1, 96000,
           "Hz at the top row, at most sample_rate / 2 (Nyquist; 400 above); the default "
           "8 kHz (or 0.45 x sample_rate if lower) holds speech and stays pleasant"),
    ENUMOPT("scale", SYN_OPT_SCALE, "linear", scales,
            "frequency axis; linear keeps every row resolvable, so the round trip is sharp; "
            "log and mel follow pitch perception but blur the low rows"),
    NUMOPT("width", SYN_OPT_WIDTH, SYN_OT_INT, "auto", 8, 4096,
           "columns: of the picture drawn from a sound (auto: 2 x height, or the aspect "
           "of the picture the sound was made from), or of the band grid a picture is read "
           "into (auto: the picture's aspect)"),
    NUMOPT("height", SYN_OPT_HEIGHT, SYN_OT_INT, "auto", 8, 4096,
           "rows: 512 for a picture drawn from a sound; 128 frequency bands for a sound made "
           "from a picture, the most a 5 s sound keeps apart"),
    ENUMOPT("colormap", SYN_OPT_COLORMAP, "ember", colormaps,
            "colour map of spectrograms; ember and ice are perceptually ordered and their "
            "luma rises linearly, so the picture plays back; gray is plain"),
    ENUMOPT("format", SYN_OPT_FORMAT, "auto", formats,
            "output format; auto is png for images and 16-bit wav for audio, the most "
            "widely playable"),
    NUMOPT("stereo", SYN_OPT_STEREO, SYN_OT_BOOL, "0", 0, 1,
           "1: red is the left channel and green the right (Coagula, MetaSynth); a stereo "
           "sound draws red/green"),
    ENUMOPT("synthesis", SYN_OPT_SYNTHESIS, "auto", syntheses,
            "auto: sine partials for pictures, Griffin-Lim phase rebuilding for "
            "spectrograms synesthd drew; noise: noise bands as in ARSS"),
    NUMOPT("db_range", SYN_OPT_DB_RANGE, SYN_OT_NUM, "50", 10, 120,
           "dB from black to white; 50 dB shows speech and music without the noise floor"),
    ENUMOPT("lang", SYN_OPT_LANG, "auto", langs,
            "language of descriptions; auto follows the input text (Chinese if it has Han "
            "characters), English otherwise"),
    ENUMOPT("voice", SYN_OPT_VOICE, "auto", langs,
            "espeak-ng voice for mode=speech: en or zh (Mandarin); auto follows lang"),
    NUMOPT("weight_image", SYN_OPT_WEIGHT_IMAGE, SYN_OT_NUM, "1", 0, 100,
           "weight of the image part when several inputs are fused"),
    NUMOPT("weight_audio", SYN_OPT_WEIGHT_AUDIO, SYN_OT_NUM, "1", 0, 100,
           "weight of the audio part when several inputs are fused"),
    NUMOPT("weight_text", SYN_OPT_WEIGHT_TEXT, SYN_OT_NUM, "1", 0, 100,
           "weight of the text part when several inputs are fused"),
};

void syn_opts_default(syn_opts *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->mode, sizeof o->mode, "auto");
    o->weight_image = o->weight_audio = o->weight_text = 1;
    o->duration = 5;
    o->sample_rate = 22050;
    o->fmin = 100;
    o->fmax = 8000;
    o->scale = SYN_SCALE_LINEAR;
    snprintf(o->colormap, sizeof o->colormap, "ember");
    o->synthesis = SYN_SYNTH_AUTO;
    o->db_range = 50;
}

double syn_optdef_max(const syn_optdef *d, const syn_limits *lim)
{
    switch (d->id) {
    case SYN_OPT_DURATION:
        return fmin(d->max, lim->max_audio_out_sec);
    case SYN_OPT_SAMPLE_RATE:
        return fmin(d->max, lim->max_sample_rate);
    case SYN_OPT_WIDTH:
    case SYN_OPT_HEIGHT:
        return fmin(d->max, lim->max_out_side);
    default:
        return d->max;
    }
}

static double optdef_min(const syn_optdef *d, const syn_limits *lim)
{
    if (d->id == SYN_OPT_SAMPLE_RATE) return fmax(d->min, lim->min_sample_rate);
    return d->min;
}

static int choice_index(const char *const *ch, const char *v)
{
    for (int i = 0; ch[i]; i++)
        if (!strcmp(ch[i], v)) return i;
    return -1;
}

static int bad_choice(syn_err *e, const syn_optdef *d, const char *v)
{
    char list[160] = "";
    for (int i = 0; d->choices[i]; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, d->choices[i], sizeof list - strlen(list) - 1);
    }
    return syn_fail(e, SYN_E_BADREQ, "", "option %s must be one of: %s (got \"%.40s\")", d->name,
                    list, v);
}

/* A plain decimal: [-] digits [. digits] [e [+-] digits], at least one
 * digit before the exponent, nothing else.  strtod alone would also take
 * hex (0x10), inf, nan, leading white space and a locale's own forms, so
 * the grammar is checked first and strtod only converts what passed.
 * A '-' is allowed so that the range check can say what is wrong with a
 * negative value; no option's range takes one today.  whole: no fraction
 * and no exponent (seed=1e3 is a number, but not the way to write 1000). */
static int plain_decimal(const char *s, int whole, double *x)
{
    const char *p = s;
    int digits = 0;
    if (*p == '-') p++;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.' && !whole) {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (!digits) return -1;
    if ((*p == 'e' || *p == 'E') && !whole) {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p) return -1;
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    /* ERANGE on underflow (1e-400) is a tiny number the range refuses;
     * on overflow it is not finite */
    return end == p && isfinite(*x) ? 0 : -1;
}

int syn_opts_set(syn_opts *o, const char *name, const char *value, const syn_limits *lim,
                 syn_err *e)
{
    return syn_opts_setn(o, name, value, strlen(value), lim, e);
}

int syn_opts_setn(syn_opts *o, const char *name, const char *value, size_t len,
                  const syn_limits *lim, syn_err *e)
{
    const syn_optdef *d = NULL;
    for (int i = 0; i < SYN_OPT_COUNT; i++)
        if (!strcmp(syn_optdefs[i].name, name)) d = &syn_optdefs[i];
    if (!d)
        return syn_fail(e, SYN_E_BADREQ,
                        "options: mode seed duration sample_rate fmin fmax scale width height "
                        "colormap format stereo synthesis db_range lang voice weight_image "
                        "weight_audio weight_text (GET /v1 lists them)",
                        "unknown option \"%.40s\"", name);
    /* A form field or a JSON string carries a length; a NUL inside it would
     * end the C string early, and "3\0abc" would read as 3. */
    if (memchr(value, 0, len))
        return syn_fail(e, SYN_E_BADREQ, "send the value without NUL bytes (%00)",
                        "option %s holds a NUL byte (got \"%.40s\" and %zu more bytes)", d->name,
                        value, len - strlen(value));
    double x = 0;
    int idx = 0;
    if (d->type == SYN_OT_ENUM) {
        if (d->id == SYN_OPT_FORMAT && !strcmp(value, "auto")) {
            o->format[0] = 0;
            o->set |= 1u << d->id;
            return 0;
        }
        if ((idx = choice_index(d->choices, value)) < 0) return bad_choice(e, d, value);
    } else if (d->type == SYN_OT_BOOL) {
        if (!strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes"))
            x = 1;
        else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no"))
            x = 0;
        else
            return syn_fail(e, SYN_E_BADREQ, "use 0 or 1", "option %s must be 0 or 1", d->name);
    } else {
        double lo = optdef_min(d, lim), hi = syn_optdef_max(d, lim);
        if (plain_decimal(value, 0, &x) < 0)
            return syn_fail(e, SYN_E_BADREQ,
                            "write it as plain decimal digits, such as 2.5 or 1e3; no hex, inf "
                            "or nan, no spaces",
                            "option %s must be a decimal number (got \"%.40s\")", d->name, value);
        if (d->type == SYN_OT_INT && plain_decimal(value, 1, &x) < 0)
            return syn_fail(e, SYN_E_BADREQ, "write it as digits alone",
                            "option %s must be a whole number (got \"%.40s\")", d->name, value);
        if (x < lo || x > hi)
            return syn_fail(e, SYN_E_BADREQ, "GET /v1 lists every option's range",
                            "option %s must be between %g and %g (got %g)", d->name, lo, hi, x);
    }
    switch (d->id) {
    case SYN_OPT_MODE:
        snprintf(o->mode, sizeof o->mode, "%s", value);
        break;
    case SYN_OPT_SEED:
        o->seed = (uint32_t)x;
        break;
    case SYN_OPT_DURATION:
        o->duration = x;
        break;
    case SYN_OPT_SAMPLE_RATE:
        o->sample_rate = (int)x;
        break;
    case SYN_OPT_FMIN:
        o->fmin = x;
        break;
    case SYN_OPT_FMAX:
        o->fmax = x;
        break;
    case SYN_OPT_SCALE:
        o->scale = (syn_scale)idx;
        break;
    case SYN_OPT_WIDTH:
        o->width = (int)x;
        break;
    case SYN_OPT_HEIGHT:
        o->height = (int)x;
        break;
    case SYN_OPT_COLORMAP:
        snprintf(o->colormap, sizeof o->colormap, "%s", value);
        break;
    case SYN_OPT_FORMAT:
        snprintf(o->format, sizeof o->format, "%s", value);
        break;
    case SYN_OPT_STEREO:
        o->stereo = (int)x;
        break;
    case SYN_OPT_SYNTHESIS:
        o->synthesis = (syn_synth)idx;
        break;
    case SYN_OPT_DB_RANGE:
        o->db_range = x;
        break;
    case SYN_OPT_LANG:
        snprintf(o->lang, sizeof o->lang, "%s", idx ? value : "");
        break;
    case SYN_OPT_VOICE:
        snprintf(o->voice, sizeof o->voice, "%s", idx ? value : "");
        break;
    case SYN_OPT_WEIGHT_IMAGE:
        o->weight_image = x;
        break;
    case SYN_OPT_WEIGHT_AUDIO:
        o->weight_audio = x;
        break;
    case SYN_OPT_WEIGHT_TEXT:
        o->weight_text = x;
        break;
    case SYN_OPT_COUNT:
        break;
    }
    o->set |= 1u << d->id;
    return 0;
}

void syn_map_apply_opts(syn_map *m, const syn_opts *o)
{
    int sr_given = syn_opt_given(o, SYN_OPT_SAMPLE_RATE);
    if (sr_given) m->sample_rate = o->sample_rate;
    if (syn_opt_given(o, SYN_OPT_DURATION)) m->duration = o->duration;
    if (syn_opt_given(o, SYN_OPT_FMIN)) m->fmin = o->fmin;
    if (syn_opt_given(o, SYN_OPT_FMAX)) m->fmax = o->fmax;
    if (syn_opt_given(o, SYN_OPT_SCALE)) m->scale = o->scale;
    if (syn_opt_given(o, SYN_OPT_DB_RANGE)) m->db_range = o->db_range;
    if (syn_opt_given(o, SYN_OPT_SYNTHESIS)) m->synthesis = o->synthesis;
    if (syn_opt_given(o, SYN_OPT_STEREO)) m->stereo = o->stereo;
    if (syn_opt_given(o, SYN_OPT_SEED)) m->seed = o->seed;
    if (sr_given) m->n_fft = 0; /* re-derive the frame for the new rate */
    syn_map_fix(m);
}

static int clampi(long v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : (int)v;
}

/* 128 bands: at the default 100-8000 Hz linear axis they sit 62 Hz apart,
 * three STFT bins of the 46 ms analysis frame, so every band comes back
 * separate; 5 s / 128 columns = 39 ms, close to the frame's time blur. */
#define SYN_DEFAULT_BANDS 128
/* 512 rows: finer than the 21.5 Hz analysis bins up to 8 kHz, so a
 * sound's picture loses nothing to the picture's own resolution. */
#define SYN_DEFAULT_PICTURE_ROWS 512

void syn_band_grid_size(const syn_opts *o, const syn_limits *lim, int img_w, int img_h, int *rows,
                        int *cols)
{
    int side = lim->max_out_side > 8 ? lim->max_out_side : 4096;
    *rows = syn_opt_given(o, SYN_OPT_HEIGHT) ? o->height : SYN_DEFAULT_BANDS;
    if (syn_opt_given(o, SYN_OPT_WIDTH))
        *cols = o->width;
    else
        *cols = clampi(lround((double)*rows * img_w / (img_h > 0 ? img_h : 1)), 8, side);
}

void syn_picture_size(const syn_opts *o, const syn_limits *lim, const syn_map *m, int *rows,
                      int *cols)
{
    int side = lim->max_out_side > 8 ? lim->max_out_side : 4096;
    *rows = syn_opt_given(o, SYN_OPT_HEIGHT) ? o->height : SYN_DEFAULT_PICTURE_ROWS;
    if (syn_opt_given(o, SYN_OPT_WIDTH))
        *cols = o->width;
    else if (m && m->rows > 0 && m->cols > 0)
        *cols = clampi(lround((double)*rows * m->cols / m->rows), 8, side);
    else
        *cols = clampi(2L * *rows, 8, side);
}

double syn_opts_weight(const syn_opts *o, const char *modality)
{
    if (!modality) return 1;
    if (!strcmp(modality, "image")) return o->weight_image;
    if (!strcmp(modality, "audio")) return o->weight_audio;
    if (!strcmp(modality, "text")) return o->weight_text;
    return 1;
}
