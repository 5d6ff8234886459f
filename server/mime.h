/* mime.h -- MIME type by file extension, for static assets.
 *
 * Shared by the host tool tools/embed.c (which cannot link the server) and by
 * static.c (--static-dir).  Only the types the web demo uses: an unknown
 * extension is not served, rather than guessed. */
#ifndef SRV_MIME_H
#define SRV_MIME_H

#include <string.h>
#include <strings.h>

static const struct {
    const char *ext, *mime;
} srv_mime_table[] = {
    {"html", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"ico", "image/x-icon"},
    {"json", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
};

/* The MIME type for a file name or path by its extension, or NULL. */
static inline const char *srv_mime_for_name(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash : name, '.');
    if (!dot) return NULL;
    for (size_t i = 0; i < sizeof srv_mime_table / sizeof srv_mime_table[0]; i++)
        if (strcasecmp(dot + 1, srv_mime_table[i].ext) == 0) return srv_mime_table[i].mime;
    return NULL;
}

/* FNV-1a 64: a content hash for ETags (not security: a changed asset only
 * needs a changed tag). */
static inline unsigned long long srv_fnv1a64(const unsigned char *p, size_t n)
{
    unsigned long long h = 0xcbf29ce484222325ULL; /* FNV-1a 64 offset basis */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL; /* FNV-1a 64 prime */
    }
    return h;
}

#endif
