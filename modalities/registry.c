/* registry.c -- the table of modalities (STYLE.md §4).
 *
 * To add a modality: write modalities/NAME.c defining
 *     const syn_modality syn_NAME_modality = { .name = "NAME", ... };
 * and add one SYN_MODALITY(NAME) line to the list below.  Lookups by name,
 * MIME type, magic bytes and output format all walk this one table. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "syn/modality.h"
#include "syn/fusion.h"
#include "syn/speech.h"

#define SYN_MODALITY_LIST                                                                          \
    SYN_MODALITY(image)                                                                            \
    SYN_MODALITY(audio)                                                                            \
    SYN_MODALITY(text)

#define SYN_MODALITY(n) extern const syn_modality syn_##n##_modality;
SYN_MODALITY_LIST
#undef SYN_MODALITY

#define SYN_MODALITY(n) &syn_##n##_modality,
static const syn_modality *const table[] = {SYN_MODALITY_LIST NULL};
#undef SYN_MODALITY

#define NMOD (sizeof table / sizeof table[0] - 1)
static int inited[NMOD];

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

const syn_modality *syn_modality_for_format(const char *format)
{
    for (size_t i = 0; format && i < NMOD; i++)
        for (const char *const *f = table[i]->formats; f && *f; f++)
            if (!strcasecmp(*f, format)) return table[i];
    return NULL;
}

const char *syn_format_mime(const char *format)
{
    static const struct {
        const char *format, *mime;
    } mimes[] = {{"png", "image/png"},
                 {"wav", "audio/wav"},
                 {"wav-float", "audio/wav"},
                 {"flac", "audio/flac"},
                 {"ogg", "audio/ogg"},
                 {"json", "application/json"},
                 {"txt", "text/plain; charset=utf-8"}};
    for (size_t i = 0; format && i < sizeof mimes / sizeof mimes[0]; i++)
        if (!strcasecmp(mimes[i].format, format)) return mimes[i].mime;
    return NULL;
}
