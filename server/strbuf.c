/* strbuf.c -- the server's one string builder, and one bounded list join.
 *
 * srv_strbuf grows on the heap (GET /metrics, documents of unknown size);
 * on an allocation failure it stops growing and remembers it, so that a
 * long run of srv_strbuf_printf() calls checks once, at srv_strbuf_take().
 * srv_join() appends to a caller's fixed buffer ("GET, HEAD", hint lists)
 * and never writes past it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "server.h"

int srv_strbuf_init(srv_strbuf *b, size_t cap)
{
    b->len = 0;
    b->cap = cap ? cap : 1;
    b->p = malloc(b->cap);
    b->bad = !b->p;
    if (b->p)
        b->p[0] = 0;
    else
        b->cap = 0;
    return b->bad ? -1 : 0;
}

void srv_strbuf_printf(srv_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    /* Two tries: the first finds the size when it does not fit. */
    for (int tries = 0; tries < 2 && !b->bad; tries++) {
        va_start(ap, fmt);
        int w = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->bad = 1;
            return;
        }
        if ((size_t)w < b->cap - b->len) {
            b->len += (size_t)w;
            return;
        }
        size_t ncap = (b->cap + (size_t)w + 1) * 2;
        char *np = realloc(b->p, ncap);
        if (!np) {
            b->bad = 1;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
}

char *srv_strbuf_take(srv_strbuf *b, size_t *len)
{
    char *p = b->bad ? NULL : b->p;
    if (!p) free(b->p);
    if (len) *len = p ? b->len : 0;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void srv_strbuf_free(srv_strbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int srv_join(char *buf, size_t n, size_t *used, const char *item)
{
    if (n == 0) return -1;
    if (*used >= n) return -1;
    int w = snprintf(buf + *used, n - *used, "%s%s", *used ? ", " : "", item);
    if (w < 0 || (size_t)w >= n - *used) return -1; /* buf keeps what fitted */
    *used += (size_t)w;
    return 0;
}
