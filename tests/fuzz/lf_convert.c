/* lf_convert.c -- libFuzzer harness: a whole conversion, syn_convert_parts,
 * with the target and the options picked by the first 8 input bytes and
 * the rest as the input (README.md, "lf_convert"):
 *
 *   b0  bits 0-1 target (image, audio, text, image); bits 2-3 the claim
 *       (image, audio, text, none: sniffed); bit 4 a second, text part
 *       ("slow and sad") fused in; bit 5 weight_text=2; bits 6-7 lang
 *   b1  bits 0-1 mode (auto, spectral, semantic, speech); bits 2-4 format
 *       (none, png, wav, wav-float, flac, ogg, auto, "mp3": refused);
 *       bit 5 stereo; bits 6-7 synthesis (auto, sine, noise, griffinlim)
 *   b2  width: 0 not given, else 1..255 (above 128 is a limit)
 *   b3  height: the same
 *   b4  duration: 0 not given, else b4 * 2 ms (up to 0.51 s)
 *   b5  bits 0-2 sample_rate (none, 7999, 8000, 11025, 16000, 22050,
 *       48000, 192000); bits 3-4 colormap (none, ember, gray, "neon");
 *       bits 5-6 scale (none, linear, mel, log); bit 7 db_range=30
 *   b6  bits 0-3 fmin = 20 + 100 k Hz given when k > 0; bits 4-7 fmax =
 *       fmin + 400 j Hz given when j > 0 (j = 15: fmax below fmin)
 *   b7  seed
 *
 * The small limits (lf_common.h) clamp every cost.  A success must be a
 * non-empty blob that starts with its format's magic. */
#include "lf_common.h"

#define HDR 8

static const char *const target_names[] = {"image", "audio", "text", "image"};
static const char *const claim_names[] = {"image", "audio", "text", NULL};
static const char *const modes[] = {"auto", "spectral", "semantic", "speech"};
static const char *const formats[] = {NULL,   "png", "wav",  "wav-float",
                                      "flac", "ogg", "auto", "mp3"};
static const char *const syntheses[] = {"auto", "sine", "noise", "griffinlim"};
static const char *const rates[] = {NULL,    "7999",  "8000",  "11025",
                                    "16000", "22050", "48000", "192000"};
static const char *const colormaps[] = {NULL, "ember", "gray", "neon"};
static const char *const scales[] = {NULL, "linear", "mel", "log"};
static const char *const langs[] = {NULL, "en", "zh", "auto"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    lf_init_modalities();
    return 0;
}

/* One option; a refusal is a defined error (the request would be a 400). */
static int opt(syn_opts *o, const char *name, const char *value, const syn_limits *lim)
{
    if (!value) return 0;
    syn_err e;
    lf_poison(&e);
    int rc = syn_opts_set(o, name, value, lim, &e);
    lf_check_rc(rc, &e);
    return rc;
}

static void check_blob(const syn_blob *b, const char *target, const syn_opts *o)
{
    if (!b->data || b->len == 0 || !b->mime || !b->ext) lf_die("success without an output", NULL);
    if (!strcmp(target, "image")) {
        if (b->len < 8 || memcmp(b->data, "\x89PNG\r\n\x1a\n", 8))
            lf_die("image is not a PNG", NULL);
    } else if (!strcmp(target, "audio")) {
        const char *f = o->format[0] ? o->format : "wav";
        int ok = !strncmp(f, "wav", 3) ? b->len >= 12 && !memcmp(b->data, "RIFF", 4) &&
                                             !memcmp(b->data + 8, "WAVE", 4)
                 : !strcmp(f, "flac") ? b->len >= 4 && !memcmp(b->data, "fLaC", 4)
                 : !strcmp(f, "ogg")  ? b->len >= 4 && !memcmp(b->data, "OggS", 4)
                                      : 1;
        if (!ok) lf_die("audio output does not start with its format's magic", NULL);
    } else if (memchr(b->data, 0, b->len)) {
        lf_die("text output holds a NUL", NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HDR) return 0;
    const uint8_t *h = data;
    syn_limits lim;
    lf_small_limits(&lim);
    syn_opts o;
    syn_opts_default(&o);
    char num[32];
    const char *target = target_names[h[0] & 3];
    if (opt(&o, "lang", langs[h[0] >> 6], &lim) < 0) return 0;
    if (h[0] & 0x20 && opt(&o, "weight_text", "2", &lim) < 0) return 0;
    if (opt(&o, "mode", modes[h[1] & 3], &lim) < 0) return 0;
    if (opt(&o, "format", formats[(h[1] >> 2) & 7], &lim) < 0) return 0;
    if (h[1] & 0x20 && opt(&o, "stereo", "true", &lim) < 0) return 0;
    if (opt(&o, "synthesis", syntheses[h[1] >> 6], &lim) < 0) return 0;
    if (h[2]) {
        snprintf(num, sizeof num, "%d", h[2]);
        if (opt(&o, "width", num, &lim) < 0) return 0;
    }
    if (h[3]) {
        snprintf(num, sizeof num, "%d", h[3]);
        if (opt(&o, "height", num, &lim) < 0) return 0;
    }
    if (h[4]) {
        snprintf(num, sizeof num, "%.3f", h[4] * 0.002);
        if (opt(&o, "duration", num, &lim) < 0) return 0;
    }
    if (opt(&o, "sample_rate", rates[h[5] & 7], &lim) < 0) return 0;
    if (opt(&o, "colormap", colormaps[(h[5] >> 3) & 3], &lim) < 0) return 0;
    if (opt(&o, "scale", scales[(h[5] >> 5) & 3], &lim) < 0) return 0;
    if (h[5] & 0x80 && opt(&o, "db_range", "30", &lim) < 0) return 0;
    int fmin = 20 + 100 * (h[6] & 15), fj = h[6] >> 4;
    if (h[6] & 15) {
        snprintf(num, sizeof num, "%d", fmin);
        if (opt(&o, "fmin", num, &lim) < 0) return 0;
    }
    if (fj) {
        snprintf(num, sizeof num, "%d", fj == 15 ? fmin / 2 : fmin + 400 * fj);
        if (opt(&o, "fmax", num, &lim) < 0) return 0;
    }
    snprintf(num, sizeof num, "%u", h[7]);
    if (opt(&o, "seed", num, &lim) < 0) return 0;

    const char *claim = claim_names[(h[0] >> 2) & 3];
    syn_part parts[2] = {
        {.claimed = claim ? syn_modality_by_name(claim) : NULL, .p = data + HDR, .n = size - HDR},
        {.claimed = syn_modality_by_name("text"), .p = (const uint8_t *)"slow and sad", .n = 12}};
    int nparts = h[0] & 0x10 ? 2 : 1;
    syn_blob res;
    syn_err e;
    lf_poison(&e);
    syn_job job;
    lf_job_begin(&job, &lim);
    int rc = syn_convert_parts(parts, nparts, syn_modality_by_name(target), &o, &lim, &res, &e);
    syn_job_end();
    lf_check_rc(rc, &e);
    if (rc == 0) {
        check_blob(&res, target, &o);
        syn_blob_free(&res);
    }
    return 0;
}
