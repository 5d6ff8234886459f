/* selfdoc.c -- GET /v1: the server describes itself.
 *
 * Everything is read from the tables it describes, so it cannot drift:
 * endpoints from srv_routes[], modalities from the registry, options from
 * the option rows (with maxima under the running limits), limits from
 * srv_cfgdefs[] with their current values, the grid sizes from the same
 * policy functions the conversions call (options.h), "modes" from the mode
 * table and syn_resolve_mode itself (what auto picks for each source ->
 * target pair), "fusion" from the modalities' grid ranks and weight
 * options, and "errors" from the error table.  Returns one JSON object;
 * the reply owns it. */
#include <string.h>
#include <jansson.h>
#include "server.h"

static const char *opttype_name(syn_opttype t)
{
    switch (t) {
    case SYN_OT_INT:
        return "int";
    case SYN_OT_NUM:
        return "number";
    case SYN_OT_ENUM:
        return "enum";
    case SYN_OT_BOOL:
        return "bool";
    }
    return "string";
}

static json_t *string_list(const char *const *v)
{
    json_t *a = json_array();
    for (; v && *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

static json_t *endpoints(void)
{
    json_t *a = json_array();
    for (const srv_route *r = srv_routes; r->path; r++) {
        char allow[64], types[512];
        srv_route_allow(r, allow, sizeof allow);
        srv_route_types_text(r, types, sizeof types);
        json_t *accepts = json_array();
        for (char *t = types, *next; *t; t = next) {
            next = strstr(t, ", ");
            if (next) {
                *next = 0;
                next += 2;
            } else
                next = t + strlen(t);
            json_array_append_new(accepts, json_string(t));
        }
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:o}", "method", allow, "path", r->path,
                                           "description", r->description, "accepts", accepts));
    }
    return a;
}

static json_t *modalities(void)
{
    json_t *a = json_array();
    for (const syn_modality *const *m = syn_modalities(); *m; m++) {
        json_t *formats = json_array();
        for (const syn_format *f = (*m)->formats; f && f->name; f++)
            json_array_append_new(formats,
                                  json_pack("{s:s,s:s}", "format", f->name, "mime", f->mime));
        json_array_append_new(a,
                              json_pack("{s:s,s:o,s:o}", "name", (*m)->name, "mime_types",
                                        string_list((*m)->mime_types), "output_formats", formats));
    }
    return a;
}

static json_t *options(const syn_limits *lim)
{
    json_t *a = json_array();
    const syn_optdef *d;
    for (int i = 0; (d = syn_optdef_at(i)); i++) {
        json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "name", d->name, "type", opttype_name(d->type),
                              "default", d->def, "help", d->help);
        if (d->type == SYN_OT_INT) {
            json_object_set_new(o, "min", json_integer((json_int_t)d->min));
            json_object_set_new(o, "max", json_integer((json_int_t)syn_optdef_max(d, lim)));
        } else if (d->type == SYN_OT_NUM) {
            json_object_set_new(o, "min", json_real(d->min));
            json_object_set_new(o, "max", json_real(syn_optdef_max(d, lim)));
        }
        if (d->type == SYN_OT_ENUM) {
            json_t *choices = json_array();
            const char *c;
            for (int k = 0; (c = syn_optdef_choice(d, k)); k++)
                json_array_append_new(choices, json_string(c));
            json_object_set_new(o, "choices", choices);
        }
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *limits(const srv_config *cfg)
{
    json_t *a = json_array();
    for (const srv_cfgdef *d = srv_cfgdefs; d->flag; d++) {
        if (!d->is_limit) continue;
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", d->flag);
        double v = srv_config_number(cfg, d);
        json_array_append_new(
            a, json_pack("{s:s,s:o,s:s,s:s,s:s}", "name", d->flag, "value",
                         d->type == SRV_CT_DBL ? json_real(v) : json_integer((json_int_t)v), "flag",
                         flag, "env", d->env, "help", d->help));
    }
    return a;
}

/* Sizes from the policy functions themselves, for a square picture and for
 * a sound that carries no grid of its own. */
static json_t *grid(const srv_config *cfg)
{
    syn_opts o;
    syn_map m;
    int brows, bcols, prows, pcols;
    syn_opts_default(&o);
    memset(&m, 0, sizeof m);
    syn_band_grid_size(&o, &cfg->limits, 1, 1, &brows, &bcols);
    syn_picture_size(&o, &cfg->limits, &m, &prows, &pcols);
    return json_pack("{s:i,s:s,s:i,s:i,s:s,s:s}", "image_to_audio_rows", brows,
                     "image_to_audio_cols", "rows x the picture's aspect (width / height)",
                     "audio_to_image_rows", prows, "audio_to_image_cols", pcols,
                     "audio_to_image_cols_note",
                     "the aspect of the grid the sound was made from, when it carries one", "mode",
                     syn_optdef_at(SYN_OPT_MODE)->def);
}

/* What mode=auto picks for each source -> target pair, asked of
 * syn_resolve_mode itself with one part claimed as the source; targets that
 * describe (text) are "any->text"; then each mode's own note. */
static json_t *modes(void)
{
    json_t *o = json_object();
    syn_opts opts;
    syn_opts_default(&opts);
    for (const syn_modality *const *src = syn_modalities(); *src; src++)
        for (const syn_modality *const *dst = syn_modalities(); *dst; dst++) {
            if ((*dst)->text_like) continue; /* "any->text" below */
            syn_part part = {.claimed = *src};
            char key[80];
            snprintf(key, sizeof key, "%s->%s", (*src)->name, (*dst)->name);
            json_object_set_new(
                o, key, json_string(syn_modes[syn_resolve_mode(&opts, &part, 1, *dst)].name));
        }
    for (const syn_modality *const *dst = syn_modalities(); *dst; dst++)
        if ((*dst)->text_like) {
            char key[80];
            snprintf(key, sizeof key, "any->%s", (*dst)->name);
            json_object_set_new(o, key, json_string("description"));
        }
    for (int m = SYN_MODE_SEMANTIC; m < SYN_MODE_COUNT; m++)
        json_object_set_new(o, syn_modes[m].name, json_string(syn_modes[m].help));
    return o;
}

/* The mode table itself: each row's needs, auto rule and targets. */
static json_t *mode_table(void)
{
    static const char *const rules[] = {[SYN_AUTO_NEVER] = "never",
                                        [SYN_AUTO_SIGNAL] =
                                            "a picture or a sound is among the inputs",
                                        [SYN_AUTO_ALWAYS] = "otherwise"};
    json_t *a = json_array();
    for (int m = SYN_MODE_SPECTRAL; m < SYN_MODE_COUNT; m++) {
        const syn_moderow *r = &syn_modes[m];
        json_t *needs = json_array(), *targets = json_array();
        if (r->needs & SYN_NEED_GRID) json_array_append_new(needs, json_string("grid"));
        if (r->needs & SYN_NEED_SEM) json_array_append_new(needs, json_string("semantics"));
        if (r->needs & SYN_NEED_WORDS) json_array_append_new(needs, json_string("words"));
        for (const syn_modality *const *t = syn_modalities(); *t; t++)
            if ((*t)->modes & SYN_MODE_BIT(m))
                json_array_append_new(targets, json_string((*t)->name));
        json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:s,s:s,s:s}", "name", r->name, "needs",
                                           needs, "targets", targets, "auto", rules[r->auto_rule],
                                           "makes", r->makes, "help", r->help));
    }
    return a;
}

/* The fusion rules of syn_convert_parts (convert.c), one sentence each,
 * with the modalities and weight options of this registry. */
static json_t *fusion(void)
{
    char order[256] = "", weights[256] = "", all[256];
    const syn_modality *const *ms = syn_modalities();
    for (int rank = 1; rank <= 8; rank++) /* grid ranks are small: 1 image, 2 audio, 3 text */
        for (const syn_modality *const *m = ms; *m; m++)
            if ((*m)->grid != SYN_GRID_NONE && (*m)->grid_rank == rank) {
                strncat(order, *order ? ", else the " : "the ", sizeof order - strlen(order) - 1);
                strncat(order, (*m)->name, sizeof order - strlen(order) - 1);
                strncat(order, " part", sizeof order - strlen(order) - 1);
            }
    for (const syn_modality *const *m = ms; *m; m++) {
        strncat(weights,
                m == ms ? "weight_"
                : m[1]  ? ", weight_"
                        : " or weight_",
                sizeof weights - strlen(weights) - 1);
        strncat(weights, (*m)->name, sizeof weights - strlen(weights) - 1);
    }
    syn_modality_names(SYN_MODE_AUTO, all, sizeof all);
    const syn_modality *text = syn_modality_text();
    json_t *a = json_array();
    json_array_append_new(a, json_sprintf("a request may carry one part of each modality (%s: "
                                          "multipart form parts named after it, or JSON keys)",
                                          all));
    json_array_append_new(a, json_sprintf("the grid (for spectral mode) comes from %s; text "
                                          "has none unless it is drawn",
                                          order));
    json_array_append_new(a, json_sprintf("each semantic axis is the mean of the parts' values "
                                          "weighted by %s times that part's evidence for the axis",
                                          weights));
    json_array_append_new(a, json_string("hue is blended as a circular mean on the colour wheel"));
    json_array_append_new(a, json_sprintf("the text to speak and its language come from the %s "
                                          "part",
                                          text ? text->name : "text"));
    return a;
}

/* The error table: every code a client may see, with its status. */
static json_t *errors(void)
{
    json_t *a = json_array();
    for (const syn_errdef *d = syn_errdefs; d->code; d++)
        json_array_append_new(a, json_pack("{s:s,s:i,s:s}", "code", d->code, "status",
                                           srv_errkind_status(d->kind), "meaning", d->meaning));
    return a;
}

void srv_selfdoc_handler(srv_request *rq, srv_reply *rp, const char *arg)
{
    (void)arg;
    const srv_config *cfg = rq->cfg;
    json_t *root =
        json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "name", "synesthd", "version",
                  SYNESTHD_VERSION, "endpoints", endpoints(), "modalities", modalities(), "options",
                  options(&cfg->limits), "limits", limits(cfg), "grid", grid(cfg), "modes", modes(),
                  "mode_table", mode_table(), "fusion", fusion(), "errors", errors());
    if (!root) {
        srv_reply_error(rp, 500, "internal", "", "cannot describe the server");
        return;
    }
    srv_reply_json(rp, 200, root);
}
