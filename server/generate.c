/* generate.c -- POST /v1/generate/{modality}: any input(s) -> the target
 * modality's bytes (every registered modality but text, which answers
 * with JSON in understand.c).
 *
 * The inputs and options are gathered by srv_gather (inputs.c).  Several
 * inputs are fused by syn_convert_parts (convert.c holds the rules and the
 * checks of bytes against claims).  The output's map line goes out as
 * X-Synesthd-* headers too.  Runs on a worker thread (SRV_R_JOB): only
 * re-entrant calls here.  The reply owns the output blob and frees it with
 * syn_blob_free() once libmicrohttpd has sent it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "server.h"

/* --- the reply ------------------------------------------------------------ */

static void blob_release(void *cls)
{
    syn_blob *b = cls;
    syn_blob_free(b);
    free(b);
}

/* "synesthd/1 sr=22050 dur=5" -> X-Synesthd-Sr: 22050, X-Synesthd-Dur: 5;
 * key n_fft -> X-Synesthd-N-Fft. */
static void map_headers(srv_reply *rp, const char *map)
{
    srv_reply_header(rp, "X-Synesthd-Map", "%s", map);
    const char *s = strchr(map, ' ');
    while (s && *s) {
        while (*s == ' ')
            s++;
        size_t tl = strcspn(s, " ");
        const char *eq = memchr(s, '=', tl);
        if (eq && eq > s && eq - s < 32) { /* 32: longer keys are not ours */
            char name[48] = "X-Synesthd-";
            size_t k = strlen(name);
            int up = 1, ok = 1;
            for (const char *c = s; c < eq; c++) {
                char ch = *c;
                if (ch == '_' || ch == '-') {
                    name[k++] = '-';
                    up = 1;
                    continue;
                }
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9'))) {
                    ok = 0;
                    break;
                }
                name[k++] = up && ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
                up = 0;
            }
            name[k] = 0;
            if (ok) srv_reply_header(rp, name, "%.*s", (int)(tl - (size_t)(eq + 1 - s)), eq + 1);
        }
        s += tl;
    }
}

/* The closed loop's report (syn/semantic.h): X-Synesthd-Asked and
 * X-Synesthd-Made list "axis=value" for every axis the inputs speak to
 * (asked weight > 0), in the latent's order, the made values read back
 * from the output's own signal; X-Synesthd-Fidelity is 1 - the
 * asked-weighted mean error; X-Synesthd-Rounds how often it was made. */
static void report_headers(srv_reply *rp, const syn_report *r)
{
    char asked[512], made[512];
    size_t ka = 0, km = 0;
    asked[0] = made[0] = 0;
    for (int a = 0; a < SYN_AX_COUNT; a++) {
        if (r->asked.w[a] <= 0) continue;
        const char *sep = ka ? ", " : "";
        int n = snprintf(asked + ka, sizeof asked - ka, "%s%s=%.2f", sep, syn_axis_name(a),
                         r->asked.v[a]);
        int m =
            snprintf(made + km, sizeof made - km, "%s%s=%.2f", sep, syn_axis_name(a), r->made.v[a]);
        if (n < 0 || m < 0 || (size_t)n >= sizeof asked - ka || (size_t)m >= sizeof made - km)
            break;
        ka += (size_t)n, km += (size_t)m;
    }
    srv_reply_header(rp, "X-Synesthd-Asked", "%s", asked);
    srv_reply_header(rp, "X-Synesthd-Made", "%s", made);
    srv_reply_header(rp, "X-Synesthd-Fidelity", "%.3f", r->fidelity);
    srv_reply_header(rp, "X-Synesthd-Rounds", "%d", r->rounds);
}

void srv_generate_handler(srv_request *rq, srv_reply *rp, const char *target)
{
    const syn_limits *lim = &rq->cfg->limits;
    const syn_modality *out = syn_modality_by_name(target);
    syn_opts o;
    syn_err e = {0};
    srv_inputs in;
    syn_blob blob = {0};
    syn_opts_default(&o);
    if (!out) {
        srv_reply_error(rp, 500, "internal", "", "no modality '%s' is registered", target);
        return;
    }
    /* syn_convert_parts checks each part's bytes against its claim (422 for
     * a declared type with a broken signature, 415 for a mismatch) and
     * fuses several parts by the weight_* options. */
    if (srv_gather(rq, &o, &in, &e) < 0 ||
        syn_convert_parts(in.part, in.n, out, &o, lim, &blob, &e) < 0) {
        srv_inputs_free(&in);
        srv_reply_syn_error(rp, &e);
        return;
    }
    srv_inputs_free(&in);
    syn_blob *keep = malloc(sizeof *keep);
    if (!keep) {
        syn_blob_free(&blob);
        srv_reply_error(rp, 500, "internal", "retry later", "out of memory");
        return;
    }
    *keep = blob;
    srv_reply_bytes(rp, 200, keep->mime, NULL, 0);
    rp->body = keep->data;
    rp->len = keep->len;
    rp->free_fn = blob_release;
    rp->free_cls = keep;
    srv_reply_header(rp, "Content-Disposition", "inline; filename=\"synesthd.%s\"", keep->ext);
    if (keep->map[0]) map_headers(rp, keep->map);
    if (keep->has_report) report_headers(rp, &keep->report);
}
