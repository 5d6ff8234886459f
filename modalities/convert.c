/* convert.c -- one conversion, the same for the server and the CLI:
 *
 *   parts -> each part's modality decode -> latents -> fuse -> target encode
 *
 * Fusion rules (README "Fusion"; GET /v1 prints them): the grid comes from
 * the part of lowest grid_rank that has one (image, then audio, then drawn
 * text); the semantic axes are blended by each part's weight_<name> times
 * each axis's evidence; the text to speak comes from the text part.  The
 * mode comes from the mode table (mode.c) and the target's fields: no
 * modality is known here by its name.
 *
 * Input bytes are not retained.  *res is owned by the caller
 * (syn_blob_free); *out of syn_understand by the caller (syn_latent_free). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syn/fusion.h"
#include "syn/modality.h"
#include "syn/semantic.h"

#define MAX_PARTS 8 /* image, audio, text and room to spare; more is a mistake */

static int check_format(const syn_modality *out, const syn_opts *o, syn_err *e)
{
    if (!o->format[0] || syn_format_find(out, o->format)) return 0;
    return syn_fail(e, SYN_E_BADREQ, "GET /v1 lists each modality's formats",
                    "format %s is not a %s format", o->format, out->name);
}

/* Which modality decodes these bytes: the claim, checked against the magic. */
static const syn_modality *part_modality(const syn_part *pt, syn_err *e)
{
    const syn_modality *in = pt->claimed;
    if (in && in->text_like) /* text has no magic: its decoder validates it */
        return in;
    /* Declared as one of ours but matching no magic: a damaged file of that
     * type (PngSuite's x*.png with broken signatures) is corrupt input, 422.
     * Undeclared and unknown: nothing we read, 415. */
    const syn_modality *sniffed = syn_modality_sniff(pt->p, pt->n);
    if (!sniffed && in) {
        syn_fail(e, SYN_E_INVALID, "check that the file is complete and not damaged",
                 "the input was declared as %s but its first bytes are not a valid %s "
                 "file signature",
                 in->name, in->name);
        return NULL;
    }
    if (!sniffed) {
        syn_fail(e, SYN_E_UNSUPPORTED,
                 "send a PNG, JPEG or BMP picture, a WAV, FLAC, OGG or MP3 sound, or "
                 "text/plain UTF-8 text",
                 "the input's first bytes match no supported format");
        return NULL;
    }
    if (in && in != sniffed) {
        syn_fail(e, SYN_E_UNSUPPORTED, "set Content-Type to match the file",
                 "the content type says %s but the bytes are %s", in->name, sniffed->name);
        return NULL;
    }
    return sniffed;
}

/* A picture or a sound among the inputs: a grid measured from a signal. */
static int has_signal(const syn_part *parts, int n)
{
    for (int i = 0; i < n; i++) {
        const syn_modality *m =
            parts[i].claimed ? parts[i].claimed : syn_modality_sniff(parts[i].p, parts[i].n);
        if (m && syn_grid_is_signal(m->grid)) return 1;
    }
    return 0;
}

/* Before any decoding: where the output's map will be made afresh at the
 * sample_rate option (given or default) rather than inherited from an input
 * -- semantic music and paintings, text alone, or a sample_rate given --
 * fmin and fmax can be checked against that rate now, with the defaults
 * filling what was not given.  An inherited map (a sound's own rate, a
 * picture's map) is checked once decoded. */
static int check_fresh_map(const syn_opts *o, const syn_part *parts, int n, syn_mode mode,
                           syn_err *e)
{
    int fresh = syn_modes[mode].fresh_map || !has_signal(parts, n);
    if (!fresh && !syn_opt_given(o, SYN_OPT_SAMPLE_RATE)) return 0;
    syn_map m;
    syn_map_default(&m, o->sample_rate);
    syn_map_apply_opts(&m, o);
    if (!fresh) {
        /* only the sample_rate and fmax options are known for sure: fmin's
         * fmax, and fmax itself if not given, may come from the input's map */
        if (!syn_opt_given(o, SYN_OPT_FMAX)) return 0;
        m.fmin = 0;
        m.scale = SYN_SCALE_LINEAR;
    }
    return syn_map_check(&m, e);
}

syn_mode syn_resolve_mode(const syn_opts *o, const syn_part *parts, int n, const syn_modality *out)
{
    if (o->mode != SYN_MODE_AUTO) return o->mode;
    int signal = has_signal(parts, n);
    for (int m = 0; m < SYN_MODE_COUNT; m++) {
        const syn_moderow *r = &syn_modes[m];
        int holds = r->auto_rule == SYN_AUTO_ALWAYS || (r->auto_rule == SYN_AUTO_SIGNAL && signal);
        if (holds && (!out || (out->modes & SYN_MODE_BIT(m)))) return (syn_mode)m;
    }
    return SYN_MODE_SEMANTIC; /* the table's fallback row serves every target */
}

static int fuse(const syn_part *parts, int n, const syn_opts *o, const syn_limits *lim,
                const syn_modality *target, int want_grid, int want_sem, syn_latent *out,
                syn_err *e)
{
    memset(out, 0, sizeof *out);
    if (n < 1)
        return syn_fail(e, SYN_E_EMPTY, "send a file as the request body or a form part",
                        "there is no input");
    if (n > MAX_PARTS)
        return syn_fail(e, SYN_E_BADREQ, "send one image, one audio and one text part at most",
                        "too many inputs (%d)", n);
    syn_latent lat[MAX_PARTS];
    const syn_modality *mods[MAX_PARTS];
    memset(lat, 0, sizeof lat);
    int rc = -1;
    for (int i = 0; i < n; i++) {
        if (!parts[i].p || parts[i].n == 0) {
            syn_fail(e, SYN_E_EMPTY, "send the file as the request body or a form part",
                     "an input is empty");
            goto done;
        }
        if (!(mods[i] = part_modality(&parts[i], e))) goto done;
        syn_decode_ctx ctx = {.opts = o,
                              .limits = lim,
                              .target = target,
                              .want_grid = want_grid,
                              .want_sem = want_sem || n > 1};
        if (mods[i]->decode(parts[i].p, parts[i].n, &ctx, &lat[i], e) < 0) goto done;
    }
    /* the grid (and its map) from the best-ranked part that has one */
    int g = -1;
    for (int i = 0; i < n; i++)
        if (lat[i].grid.rows > 0 && (g < 0 || mods[i]->grid_rank < mods[g]->grid_rank)) g = i;
    if (g >= 0) {
        out->grid = lat[g].grid;
        out->map = lat[g].map;
        out->has_map = lat[g].has_map;
        memset(&lat[g].grid, 0, sizeof lat[g].grid);
    }
    /* the text to speak and its language from the text part */
    for (int i = 0; i < n; i++)
        if (lat[i].text && !out->text) {
            out->text = lat[i].text;
            lat[i].text = NULL;
            memcpy(out->lang, lat[i].lang, sizeof out->lang);
        }
    /* the axes, blended by weight */
    const syn_semantics *sems[MAX_PARTS];
    float weights[MAX_PARTS];
    int ns = 0;
    for (int i = 0; i < n; i++)
        if (lat[i].has_sem) {
            sems[ns] = &lat[i].sem;
            weights[ns++] = (float)syn_modality_weight(o, mods[i]);
        }
    if (ns == 1) {
        out->sem = *sems[0];
        out->has_sem = 1;
    } else if (ns > 1) {
        syn_sem_blend(sems, weights, ns, &out->sem);
        out->has_sem = 1;
    }
    if (o->lang[0]) memcpy(out->lang, o->lang, sizeof out->lang);
    rc = 0;
done:
    for (int i = 0; i < n; i++) /* zeroed latents free as no-ops */
        syn_latent_free(&lat[i]);
    if (rc < 0) syn_latent_free(out);
    return rc;
}

int syn_understand(const syn_part *parts, int n, const syn_opts *o, const syn_limits *lim,
                   syn_latent *out, syn_err *e)
{
    syn_opts ro = *o;
    ro.mode = syn_resolve_mode(o, parts, n, NULL);
    return fuse(parts, n, &ro, lim, NULL, 1, 1, out, e);
}

int syn_convert_parts(const syn_part *parts, int n, const syn_modality *out, const syn_opts *o,
                      const syn_limits *lim, syn_blob *res, syn_err *e)
{
    memset(res, 0, sizeof *res);
    if (!out) return syn_fail(e, SYN_E_BADREQ, "", "no target modality");
    if (check_format(out, o, e) < 0) return -1;
    if (syn_opt_given(o, SYN_OPT_FMIN) && syn_opt_given(o, SYN_OPT_FMAX) && o->fmin >= o->fmax)
        return syn_fail(e, SYN_E_BADREQ, "", "fmin (%g Hz) must be below fmax (%g Hz)", o->fmin,
                        o->fmax);
    syn_opts ro = *o;
    syn_mode mode = syn_resolve_mode(o, parts, n, out);
    if (check_fresh_map(o, parts, n, mode, e) < 0) return -1;
    ro.mode = mode;
    if (!(out->modes & SYN_MODE_BIT(mode))) {
        char names[128], hint[160];
        snprintf(hint, sizeof hint, "use /v1/generate/%s for %s",
                 syn_modality_names(mode, names, sizeof names), syn_modes[mode].name);
        return syn_fail(e, SYN_E_BADREQ, hint, "mode=%s makes %s, not %s", syn_modes[mode].name,
                        syn_modes[mode].makes, out->name);
    }
    unsigned needs = syn_modes[mode].needs | out->needs;
    int want_grid = (needs & SYN_NEED_GRID) != 0;
    int want_sem = (needs & SYN_NEED_SEM) != 0;

    syn_latent lat;
    if (fuse(parts, n, &ro, lim, out, want_grid, want_sem, &lat, e) < 0) return -1;
    /* The grid's map, with the options applied, is the map of the output
     * (the PNG or WAV map line): one it cannot honour is refused here, with
     * the rate that applies (the option, a sound's own, a picture's map). */
    if (lat.grid.rows > 0 && syn_grid_is_signal(out->grid) && syn_map_check(&lat.map, e) < 0) {
        syn_latent_free(&lat);
        return -1;
    }
    int rc = out->encode(&lat, &ro, lim, res, e);
    syn_latent_free(&lat);
    if (rc < 0) syn_blob_free(res);
    return rc;
}

int syn_convert(const syn_modality *in, const uint8_t *p, size_t n, const syn_modality *out,
                const syn_opts *o, const syn_limits *lim, syn_blob *res, syn_err *e)
{
    syn_part part = {.claimed = in, .p = p, .n = n}; /* fuse() refuses an empty one */
    return syn_convert_parts(&part, 1, out, o, lim, res, e);
}
