/* registry.c -- the table of modalities (STYLE.md §4).
 *
 * To add a modality: write modalities/NAME.c defining
 *     const syn_modality syn_NAME_modality = { .name = "NAME", ... };
 * (modality.h says what each field means) and add one SYN_MODALITY(NAME)
 * line to the list below.  Lookups by name, MIME type, magic bytes and
 * output format all walk this one table, and the list also makes each
 * modality's weight_NAME option.  A modality's position in the list is its
 * index in syn_opts.weight. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "syn/modality.h"
#include "syn/fusion.h"
#include "syn/speech.h"

/* One line per modality, each ending in a backslash; the comment closes the list. */
#define SYN_MODALITY_LIST                                                                          \
    SYN_MODALITY(image)                                                                            \
    SYN_MODALITY(audio)                                                                            \
    SYN_MODALITY(text)                                                                             \
    /* end of the list */

#define SYN_MODALITY(n) extern const syn_modality syn_##n##_modality;
SYN_MODALITY_LIST
#undef SYN_MODALITY

#define SYN_MODALITY(n) &syn_##n##_modality,
static const syn_modality *const table[] = {SYN_MODALITY_LIST NULL};
#undef SYN_MODALITY

#define NMOD (sizeof table / sizeof table[0] - 1)
static int inited[NMOD];
_Static_assert(NMOD <= SYN_MAX_MODALITIES, "raise SYN_MAX_MODALITIES (options.h)");

/* weight_NAME: one option row per modality, in list order. */
#define SYN_MODALITY(n) MOD_##n,
enum { SYN_MODALITY_LIST MOD_COUNT };
#undef SYN_MODALITY
#define SYN_MODALITY(n)                                                                            \
    [MOD_##n] = {.name = "weight_" #n,                                                             \
                 .id = (syn_optid)(SYN_OPT_WEIGHT + MOD_##n),                                      \
                 .type = SYN_OT_NUM,                                                               \
                 .def = "1",                                                                       \
                 .min = 0,                                                                         \
                 .max = 100,                                                                       \
                 .help = "weight of the " #n " part when several inputs are fused",                \
                 .store = SYN_OS_DBL,                                                              \
                 .offset = offsetof(syn_opts, weight) + MOD_##n * sizeof(double)},
static const syn_optdef weights[] = {SYN_MODALITY_LIST};
#undef SYN_MODALITY

const syn_optdef *syn_weight_optdefs(int *n)
{
    *n = MOD_COUNT;
    return weights;
}

int syn_modality_index(const syn_modality *m)
{
    for (size_t i = 0; m && i < NMOD; i++)
        if (table[i] == m) return (int)i;
    return -1;
}

double syn_modality_weight(const syn_opts *o, const syn_modality *m)
{
    int i = syn_modality_index(m);
    return i < 0 ? 1 : o->weight[i];
}

const syn_modality *syn_modality_text(void)
{
    for (size_t i = 0; i < NMOD; i++)
        if (table[i]->text_like) return table[i];
    return NULL;
}

const char *syn_modality_names(syn_mode mode, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < NMOD; i++) {
        if (mode != SYN_MODE_AUTO && !(table[i]->modes & SYN_MODE_BIT(mode))) continue;
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", table[i]->name);
        if (w < 0 || (size_t)w >= n - used) break;
        used += (size_t)w;
    }
    return buf;
}

const syn_modality *const *syn_modalities(void)
{
    return table;
}

int syn_modalities_init(void)
{
    if (syn_fusion_init() < 0) return -1;
    for (size_t i = 0; i < NMOD; i++) {
        if (inited[i]) continue;
        if (table[i]->init && table[i]->init() < 0) {
            syn_modalities_fini();
            return -1;
        }
        inited[i] = 1;
    }
    return 0;
}

/* Everything a request could otherwise set up on first use: every FFT
 * plan, and espeak-ng with its English voice. */
int syn_modalities_warm(void)
{
    return syn_fusion_warm() < 0 || syn_speech_init() < 0 ? -1 : 0;
}

void syn_modalities_fini(void)
{
    for (size_t i = NMOD; i-- > 0;) {
        if (inited[i] && table[i]->fini) table[i]->fini();
        inited[i] = 0;
    }
    syn_speech_fini();
    syn_fusion_fini();
}

const syn_modality *syn_modality_by_name(const char *name)
{
    for (size_t i = 0; name && i < NMOD; i++)
        if (!strcmp(table[i]->name, name)) return table[i];
    return NULL;
}

/* "image/PNG; charset=x" matches "image/png": type and subtype are
 * case-insensitive (RFC 9110 §8.3.1) and parameters do not matter here. */
const syn_modality *syn_modality_by_mime(const char *mime)
{
    if (!mime) return NULL;
    while (*mime == ' ')
        mime++;
    size_t n = strcspn(mime, "; \t");
    for (size_t i = 0; i < NMOD; i++)
        for (const char *const *t = table[i]->mime_types; t && *t; t++)
            if (strlen(*t) == n && !strncasecmp(*t, mime, n)) return table[i];
    return NULL;
}

const syn_modality *syn_modality_sniff(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < NMOD; i++)
        if (table[i]->sniff && table[i]->sniff(p, n)) return table[i];
    return NULL;
}

const syn_format *syn_format_find(const syn_modality *m, const char *name)
{
    if (!m || !m->formats) return NULL;
    if (!name || !name[0]) return m->formats[0].name ? &m->formats[0] : NULL;
    for (const syn_format *f = m->formats; f->name; f++)
        if (!strcasecmp(f->name, name)) return f;
    return NULL;
}

const syn_modality *syn_modality_for_format(const char *format)
{
    for (size_t i = 0; format && i < NMOD; i++)
        if (syn_format_find(table[i], format)) return table[i];
    return NULL;
}

const char *syn_format_mime(const char *format)
{
    const syn_format *f = syn_format_find(syn_modality_for_format(format), format);
    return f ? f->mime : NULL;
}

const char *syn_format_at(int i)
{
    for (size_t k = 0; i >= 0 && k < NMOD; k++)
        for (const syn_format *f = table[k]->formats; f && f->name; f++)
            if (i-- == 0) return f->name;
    return NULL;
}
