/* understand.c -- the endpoints that answer with the latent as JSON:
 *
 *   POST /v1/generate/text  any input(s) -> {"text", "lang", "semantics"}
 *   POST /v1/embed          any input(s) -> {"semantics", "grid", "vector", "modalities"}
 *   POST /v1/similarity     parts a and b -> {"score", "grid_agreement", "axes"}
 *
 * Inputs are gathered as for /v1/generate (inputs.c: raw body, multipart
 * parts, JSON) and fused by syn_understand (convert.c's rules); nothing is
 * encoded.  The text is syn_latent_describe's, as the text modality writes.  "semantics" is {axis:
 * {"value", "weight", "reason"}} for the eight axes of syn/semantic.h.  The similarity score is
 * syn_similarity's: the axes' evidence-weighted agreement, and the agreement of the two 8x8 grid
 * summaries when both inputs have a grid, counted as far as their layouts correlate.  Runs on a
 * worker thread (SRV_R_JOB); every reply owns its JSON tree. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "server.h"
#include "syn/semantic.h"

/* JSON numbers with 4 decimals: the axes are perceptual estimates, and
 * float noise in the 8th digit only makes replies harder to read. */
static json_t *num(double v)
{
    return json_real(round(v * 1e4) / 1e4);
}

static json_t *semantics_json(const syn_semantics *s)
{
    json_t *o = json_object();
    for (int a = 0; a < SYN_AX_COUNT; a++)
        json_object_set_new(o, syn_axis_name((syn_axis)a),
                            json_pack("{s:o,s:o,s:s}", "value", num(s->v[a]), "weight",
                                      num(s->w[a]), "reason", s->reason[a]));
    return o;
}

/* The modality each input was read as: its claim, else its magic bytes. */
static int part_modalities(const srv_inputs *in, const syn_modality **mods)
{
    for (int i = 0; i < in->n; i++)
        mods[i] = in->part[i].claimed ? in->part[i].claimed
                                      : syn_modality_sniff(in->part[i].p, in->part[i].n);
    return in->n;
}

void *srv_embed_json(const syn_latent *l, const syn_modality *const *mods, int n)
{
    float vec[SYN_EMBED_DIM];
    syn_semantics neutral;
    const syn_semantics *s = &l->sem;
    if (!l->has_sem) {
        syn_sem_neutral(&neutral);
        s = &neutral;
    }
    int dim = syn_embed_vector(s, &l->grid, vec);
    json_t *vector = json_array();
    for (int i = 0; i < dim; i++)
        json_array_append_new(vector, num(vec[i]));
    json_t *grid = json_null();
    if (l->grid.rows > 0) {
        float sum[SYN_SUMMARY_SIDE * SYN_SUMMARY_SIDE];
        syn_grid_summary(&l->grid, sum);
        json_t *a = json_array();
        for (int i = 0; i < SYN_SUMMARY_SIDE * SYN_SUMMARY_SIDE; i++)
            json_array_append_new(a, num(sum[i]));
        grid = json_pack("{s:i,s:i,s:i,s:o}", "rows", l->grid.rows, "cols", l->grid.cols,
                         "summary_side", SYN_SUMMARY_SIDE, "summary", a);
    }
    json_t *names = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(names, json_string(mods[i] ? mods[i]->name : "unknown"));
    return json_pack("{s:o,s:o,s:o,s:o}", "semantics", semantics_json(s), "grid", grid, "vector",
                     vector, "modalities", names);
}

/* Gather and understand every input of the request into *lat. */
static int understand(srv_request *rq, syn_opts *o, srv_inputs *in, syn_latent *lat, syn_err *e)
{
    memset(lat, 0, sizeof *lat);
    syn_opts_default(o);
    if (srv_gather(rq, o, in, e) < 0) return -1;
    return syn_understand(in->part, in->n, o, &rq->cfg->limits, lat, e);
}

static void reply_json_or_500(srv_reply *rp, json_t *root)
{
    if (!root)
        srv_reply_error(rp, 500, "internal", "retry later", "cannot build the JSON reply");
    else
        srv_reply_json(rp, 200, root);
}

void srv_describe_text_handler(srv_request *rq, srv_reply *rp, const char *arg)
{
    (void)arg;
    syn_opts o;
    srv_inputs in;
    syn_latent lat;
    syn_err e = {0};
    if (understand(rq, &o, &in, &lat, &e) < 0) {
        srv_inputs_free(&in);
        srv_reply_syn_error(rp, &e);
        return;
    }
    srv_inputs_free(&in);
    syn_description d = {0}; /* cppcheck cannot see syn_latent_describe only writes it */
    syn_semantics neutral;
    if (!lat.has_sem) syn_sem_neutral(&neutral);
    if (syn_latent_describe(&lat, &o, &d, &e) < 0) {
        syn_latent_free(&lat);
        srv_reply_syn_error(rp, &e);
        return;
    }
    json_t *root = json_pack("{s:s,s:s,s:o}", "text", d.text, "lang", d.lang, "semantics",
                             semantics_json(lat.has_sem ? &lat.sem : &neutral));
    syn_latent_free(&lat);
    reply_json_or_500(rp, root);
}

void srv_embed_handler(srv_request *rq, srv_reply *rp, const char *arg)
{
    (void)arg;
    syn_opts o;
    srv_inputs in;
    syn_latent lat;
    syn_err e = {0};
    const syn_modality *mods[SRV_MAX_INPUTS];
    if (understand(rq, &o, &in, &lat, &e) < 0) {
        srv_inputs_free(&in);
        srv_reply_syn_error(rp, &e);
        return;
    }
    int n = part_modalities(&in, mods);
    srv_inputs_free(&in);
    json_t *root = srv_embed_json(&lat, mods, n);
    syn_latent_free(&lat);
    reply_json_or_500(rp, root);
}

void srv_similarity_handler(srv_request *rq, srv_reply *rp, const char *arg)
{
    (void)arg;
    syn_opts o;
    srv_inputs in;
    syn_err e = {0};
    syn_latent la = {0}, lb = {0};
    int ia = -1, ib = -1;
    syn_opts_default(&o);
    if (srv_gather(rq, &o, &in, &e) < 0) goto fail;
    for (int i = 0; i < in.n; i++) {
        int *slot = !strcmp(in.name[i], "a") ? &ia : !strcmp(in.name[i], "b") ? &ib : NULL;
        if (!slot || *slot >= 0) {
            syn_fail(&e, SYN_E_BADREQ,
                     "send exactly two inputs: -F a=@cat.png -F b='a calm sea', or JSON "
                     "{\"a\": \"...\", \"b\": \"...\"}",
                     "similarity compares parts named a and b; got %s'%.20s'",
                     slot ? "a second " : "an input named ", in.name[i]);
            goto fail;
        }
        *slot = i;
    }
    if (ia < 0 || ib < 0) {
        syn_fail(&e, SYN_E_EMPTY,
                 "send -F a=@cat.png -F b='a calm sea', or JSON {\"a\": \"...\", \"b\": \"...\"}",
                 "similarity needs two inputs, parts a and b; part %s is missing",
                 ia < 0 ? "a" : "b");
        goto fail;
    }
    if (syn_understand(&in.part[ia], 1, &o, &rq->cfg->limits, &la, &e) < 0 ||
        syn_understand(&in.part[ib], 1, &o, &rq->cfg->limits, &lb, &e) < 0)
        goto fail;
    srv_inputs_free(&in);
    float agree[SYN_AX_COUNT];
    double grid_agreement;
    double score = syn_similarity(&la.sem, &la.grid, &lb.sem, &lb.grid, agree, &grid_agreement);
    json_t *axes = json_object();
    for (int x = 0; x < SYN_AX_COUNT; x++)
        json_object_set_new(axes, syn_axis_name((syn_axis)x),
                            json_pack("{s:o,s:o,s:o}", "a", num(la.sem.v[x]), "b", num(lb.sem.v[x]),
                                      "agreement", num(agree[x])));
    json_t *root = json_pack("{s:o,s:o,s:o}", "score", num(score), "grid_agreement",
                             grid_agreement < 0 ? json_null() : num(grid_agreement), "axes", axes);
    syn_latent_free(&la);
    syn_latent_free(&lb);
    reply_json_or_500(rp, root);
    return;
fail:
    srv_inputs_free(&in);
    syn_latent_free(&la);
    syn_latent_free(&lb);
    srv_reply_syn_error(rp, &e);
}
