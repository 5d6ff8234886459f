/* lf_decode.h -- the decode harnesses' shared body (lf_image, lf_audio,
 * lf_text): one modality's decode through the registry, with the variant
 * picked by the first input byte:
 *
 *   bits 0-1  target: 0 image, 1 audio, 2 text, 3 none (understanding only)
 *   bit  2    want_grid        bit 3  want_sem
 *   bit  4    stereo=1 given   bit 5  width=48 height=40 given
 *   bit  6    the server's default limits instead of the small ones
 *             (lf_common.h); a job with the per-request budgets is always on
 *   bit  7    lang=zh given
 *
 * The rest of the input is the file.  A decoded grid must lie in [0,1]. */
#ifndef LF_DECODE_H
#define LF_DECODE_H

#include <math.h>
#include "lf_common.h"

static inline void lf_check_plane(const float *v, size_t n, const char *what)
{
    for (size_t i = 0; v && i < n; i++)
        if (!(v[i] >= -1e-5f && v[i] <= 1.0f + 1e-5f)) {
            fprintf(stderr, "lf: %s[%zu] = %g is outside [0,1]\n", what, i, (double)v[i]);
            abort();
        }
}

static inline int lf_decode_one(const char *modality, const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t sel = data[0];
    const syn_modality *m = syn_modality_by_name(modality);
    static const char *const targets[] = {"image", "audio", "text", NULL};
    const syn_modality *target = targets[sel & 3] ? syn_modality_by_name(targets[sel & 3]) : NULL;
    syn_limits lim;
    if (sel & 0x40)
        syn_limits_default(&lim);
    else
        lf_small_limits(&lim);
    syn_opts o;
    syn_opts_default(&o);
    syn_err e;
    lf_poison(&e);
    if (sel & 0x10 && syn_opts_set(&o, "stereo", "1", &lim, &e) < 0) lf_die("stereo option", &e);
    if (sel & 0x20 && (syn_opts_set(&o, "width", "48", &lim, &e) < 0 ||
                       syn_opts_set(&o, "height", "40", &lim, &e) < 0))
        lf_die("size options", &e);
    if (sel & 0x80 && syn_opts_set(&o, "lang", "zh", &lim, &e) < 0) lf_die("lang option", &e);
    /* the mode a converter would resolve: spectral for pictures and sounds */
    o.mode = strcmp(modality, "text") ? SYN_MODE_SPECTRAL : SYN_MODE_SEMANTIC;
    syn_decode_ctx ctx = {.opts = &o,
                          .limits = &lim,
                          .target = target,
                          .want_grid = (sel & 4) != 0,
                          .want_sem = (sel & 8) != 0};
    syn_job job;
    lf_job_begin(&job, &lim);
    syn_latent l;
    lf_poison(&e);
    int rc = m->decode(data + 1, size - 1, &ctx, &l, &e);
    syn_job_end();
    lf_check_rc(rc, &e);
    if (rc == 0) {
        const syn_grid *g = &l.grid;
        if (g->rows < 0 || g->cols < 0 || (g->rows > 0 && (!g->v || g->cols == 0)))
            lf_die("decoded grid has a bad shape", NULL);
        size_t np = (size_t)g->rows * (size_t)g->cols;
        lf_check_plane(g->v, np, "grid.v");
        lf_check_plane(g->left, np, "grid.left");
        lf_check_plane(g->right, np, "grid.right");
        if (l.has_sem)
            for (int a = 0; a < SYN_AX_COUNT; a++)
                if (!(l.sem.v[a] >= 0 && l.sem.v[a] <= 1))
                    lf_die("semantic axis outside [0,1]", NULL);
        syn_latent_free(&l);
    }
    return 0;
}

#endif
