/* describe.c -- GET /v1: the server describes itself.
 *
 * Everything is read from the tables it describes, so it cannot drift:
 * endpoints from srv_routes[], modalities from the registry, options from
 * syn_optdefs[] (with maxima under the running limits), limits from
 * srv_cfgdefs[] with their current values, and the grid sizes from the
 * same policy functions the conversions call (options.h); "modes" gives
 * the default mode of each source -> target pair and "fusion" the rules
 * for several inputs.  Returns one JSON object; the reply owns it. */
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
        for (const char *const *f = (*m)->formats; f && *f; f++) {
            const char *mime = syn_format_mime(*f);
            json_array_append_new(formats, json_pack("{s:s,s:s?}", "format", *f, "mime", mime));
        }
        json_array_append_new(a,
                              json_pack("{s:s,s:o,s:o}", "name", (*m)->name, "mime_types",
                                        string_list((*m)->mime_types), "output_formats", formats));
    }
    return a;
}

static json_t *options(const syn_limits *lim)
{
    json_t *a = json_array();
    for (int i = 0; i < SYN_OPT_COUNT; i++) {
        const syn_optdef *d = &syn_optdefs[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "name", d->name, "type", opttype_name(d->type),
                              "default", d->def, "help", d->help);
        if (d->type == SYN_OT_INT) {
            json_object_set_new(o, "min", json_integer((json_int_t)d->min));
            json_object_set_new(o, "max", json_integer((json_int_t)syn_optdef_max(d, lim)));
        } else if (d->type == SYN_OT_NUM) {
            json_object_set_new(o, "min", json_real(d->min));
            json_object_set_new(o, "max", json_real(syn_optdef_max(d, lim)));
        }
        if (d->choices) json_object_set_new(o, "choices", string_list(d->choices));
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
                     syn_optdefs[SYN_OPT_MODE].def);
}

/* The mode mode=auto resolves to for each source -> target pair; it must
 * agree with syn_resolve_mode (convert.c): spectral whenever a picture or a
 * sound is among the inputs, semantic for text alone. */
static json_t *modes(void)
{
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "image->audio", "spectral", "audio->image",
        "spectral", "image->image", "spectral", "audio->audio", "spectral", "text->image",
        "semantic", "text->audio", "semantic", "any->text", "description", "speech",
        "mode=speech on /v1/generate/audio speaks the text part, or the description of a "
        "picture or a sound, with voice=en|zh (default: the language of the text)",
        "semantic",
        "mode=semantic on a picture or a sound paints or composes from its "
        "semantic axes instead of its spectrogram");
}

/* The fusion rules of syn_convert_parts (convert.c), one sentence each. */
static json_t *fusion(void)
{
    static const char *const rules[] = {
        "a request may carry one image, one audio and one text part (multipart form parts "
        "named image, audio, text, or JSON keys)",
        "the grid (for spectral mode) comes from the image part, else the audio part; text "
        "has none unless it is drawn",
        "each semantic axis is the mean of the parts' values weighted by weight_image, "
        "weight_audio or weight_text times that part's evidence for the axis",
        "hue is blended as a circular mean on the colour wheel",
        "the text to speak and its language come from the text part",
        NULL,
    };
    return string_list(rules);
}

void srv_describe_handler(srv_request *rq, srv_reply *rp, const char *arg)
{
    (void)arg;
    const srv_config *cfg = rq->cfg;
    json_t *root = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "name", "synesthd", "version",
                             SYNESTHD_VERSION, "endpoints", endpoints(), "modalities", modalities(),
                             "options", options(&cfg->limits), "limits", limits(cfg), "grid",
                             grid(cfg), "modes", modes(), "fusion", fusion());
    if (!root) {
        srv_reply_error(rp, 500, "internal", "", "cannot describe the server");
        return;
    }
    srv_reply_json(rp, 200, root);
}
