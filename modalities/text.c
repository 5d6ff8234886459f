/* text.c -- the text modality: UTF-8 text in, a description out.
 *
 * Accepts: text/plain, UTF-8, English and Chinese alike, up to
 * TXT_MAX_BYTES.  Invalid UTF-8 (overlongs, surrogates, beyond U+10FFFF),
 * NUL and control characters other than tab, CR and LF are refused with
 * SYN_E_INVALID; a leading byte-order mark is skipped.  Text has no magic
 * bytes (text_like): convert.c trusts a text claim and this decoder
 * validates it.
 *
 * Decoding keeps the text and its language ("zh" when it has Han
 * characters, else "en"), and, when asked:
 *  - the semantic axes (want_sem), read against the lexicon in
 *    lexicon.def: English by lower-cased words with light suffix
 *    stripping, Chinese by greedy longest match.  Negators flip the next
 *    hit around 0.5 (weaker), intensifiers scale its distance from 0.5.
 *    Words outside the lexicon still move sharpness a little through sound
 *    symbolism (Ramachandran & Hubbard 2001: k t p z i e sharp, b m l o u
 *    round).  Axes the text does not touch keep v = 0.5 with weight 0.
 *  - a grid (want_grid in spectral mode): the text drawn white on black,
 *    one line, with stb_truetype and Debian's DejaVu Sans and WenQuanYi
 *    Micro Hei (for Han characters), so that the words can be read in the
 *    spectrogram of the sound made from it.
 * Encoding (text as the target) writes the latent's description
 * (syn_latent_describe: the lang option, else the input's language, else
 * English) as text/plain UTF-8.
 *
 * The fonts are read once by txt_init (before any thread) and freed by
 * txt_fini; the lexicon index is built there too.  Per request, only
 * re-entrant stb_truetype calls run on the shared, read-only font data.
 *
 * Ownership: decode fills *out (syn_latent_free frees text and grid);
 * encode fills *out (syn_blob_free). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "syn/error.h"
#include "syn/fusion.h"
#include "syn/latent.h"
#include "syn/limits.h"
#include "syn/modality.h"
#include "syn/options.h"
#include "syn/semantic.h"

/* --- stb_truetype, compiled in this file only ---------------------------- */
#define STB_TRUETYPE_IMPLEMENTATION
#define STBTT_STATIC /* private to this file: no clash with another user */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmisleading-indentation"
#include <stb/stb_truetype.h>
#pragma GCC diagnostic pop

/* 4096 bytes: a prompt or a paragraph, not a book.  The lexicon walk is
 * linear and cheap, but the drawn line grows with the text: 4096 bytes of
 * Latin text at the full glyph size would be ~100k columns, far beyond the
 * widest spectrogram (limits->max_out_side) anyone can read. */
#define TXT_MAX_BYTES 4096

/* Debian's fonts-dejavu-core and fonts-wqy-microhei (Makefile BUILD_PKGS). */
#define TXT_FONT_LATIN "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define TXT_FONT_HAN "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
/* Larger than either font file (DejaVu 0.7 MB, Micro Hei 5 MB): a sanity
 * bound on what init reads into memory. */
#define TXT_FONT_MAX_BYTES (32L << 20)

/* The drawn line: 128 rows, the picture -> sound band count (options.c),
 * with 48 px glyphs (ascent + descent) centred in them.  At the default
 * 100..8000 Hz linear axis that is a ~3 kHz tall band of letters in the
 * middle of the spectrum, where any speaker plays it. */
#define TXT_ROWS 128
#define TXT_GLYPH_PX 48.0f
/* Below 16 px the strokes blur into one band after STFT and back. */
#define TXT_GLYPH_MIN_PX 16.0f
/* Margins keep the first and last letters off the sound's edges, where
 * the STFT frames are half empty. */
#define TXT_MARGIN 16
/* Columns per second of the drawn sound: the STFT hop at 22.05 kHz is
 * ~86 frames/s, so 80 columns/s keeps about one frame per column and the
 * strokes stay sharp when the sound is drawn back.  The default duration
 * (5 s) is kept when the line is shorter than that. */
#define TXT_COLS_PER_SEC 80.0

/* --- the lexicon ----------------------------------------------------------- */

typedef enum txt_kind { TXT_LEX, TXT_NEG, TXT_INT, TXT_STOP, TXT_BREAK } txt_kind;

typedef struct txt_row {
    const char *word;
    txt_kind kind;
    syn_axis axis;
    float v;        /* LEX: the axis value; INT: the gain                 */
    float strength; /* LEX: 1 for a word that sets the axis, 0.4 a nudge  */
} txt_row;

/* Strength of a row.  A nudge moves an axis less than a word that names it
 * ("fire" is mostly warm, a little energetic), 0.4 keeps it secondary in
 * the weighted mean when both appear. */
#define TXT_SET 1.0f
#define TXT_NUDGE 0.4f
#define AX_BRI SYN_AX_BRIGHTNESS
#define AX_ELE SYN_AX_ELEVATION
#define AX_ENE SYN_AX_ENERGY
#define AX_SHA SYN_AX_SHARPNESS
#define AX_WAR SYN_AX_WARMTH
#define AX_VAL SYN_AX_VALENCE
#define AX_DEN SYN_AX_DENSITY
#define AX_HUE SYN_AX_HUE

static const txt_row txt_rows[] = {
#define LEX(w, ax, val) {w, TXT_LEX, AX_##ax, (float)(val), TXT_SET},
#define NUDGE(w, ax, val) {w, TXT_LEX, AX_##ax, (float)(val), TXT_NUDGE},
#define NEG(w) {w, TXT_NEG, SYN_AX_COUNT, 0, 0},
#define INTENS(w, g) {w, TXT_INT, SYN_AX_COUNT, (float)(g), 0},
#define STOP(w) {w, TXT_STOP, SYN_AX_COUNT, 0, 0},
#define BREAK(w) {w, TXT_BREAK, SYN_AX_COUNT, 0, 0},
#include "lexicon.def"
#undef LEX
#undef NUDGE
#undef NEG
#undef INTENS
#undef STOP
#undef BREAK
};
#define TXT_NROWS (sizeof txt_rows / sizeof txt_rows[0])

/* Rows sorted by word (then by position, for determinism), built once. */
static const txt_row *txt_index[TXT_NROWS];
static size_t txt_han_max; /* longest entry that starts with a non-ASCII byte, bytes */
static int txt_ready;

static int row_cmp(const void *a, const void *b)
{
    const txt_row *x = *(const txt_row *const *)a, *y = *(const txt_row *const *)b;
    int c = strcmp(x->word, y->word);
    return c ? c : (x < y ? -1 : x > y);
}

/* Compare the n bytes at s with a NUL-terminated word. */
static int key_cmp(const char *s, size_t n, const char *word)
{
    size_t m = strlen(word);
    int c = memcmp(s, word, n < m ? n : m);
    return c ? c : (n < m ? -1 : n > m);
}

/* The rows of word s[0..n): *count of them from the returned first, or NULL. */
static const txt_row *const *lex_find(const char *s, size_t n, int *count)
{
    size_t lo = 0, hi = TXT_NROWS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (key_cmp(s, n, txt_index[mid]->word) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < TXT_NROWS && key_cmp(s, n, txt_index[end]->word) == 0)
        end++;
    *count = (int)(end - lo);
    return end > lo ? &txt_index[lo] : NULL;
}

/* --- UTF-8 ------------------------------------------------------------------ */

/* Decode one code point at p (n bytes left): its length, or -1 when the
 * bytes are not well-formed UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). */
static int utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    if (n == 0) return -1;
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int len;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0)
        len = 2, v = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        len = 3, v = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        len = 4, v = c & 0x07, min = 0x10000;
    else
        return -1;
    if ((size_t)len > n) return -1;
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return -1;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return -1;
    *cp = v;
    return len;
}

/* CJK Unified Ideographs, Extension A, compatibility ideographs, and the
 * supplementary ideographic planes (Extensions B..). */
static int is_han(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF);
}

/* Letters and digits of alphabetic scripts: ASCII alphanumerics and the
 * Latin, Greek and Cyrillic blocks (U+00C0..U+04FF, minus × and ÷). */
static int is_wordch(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c >= 0xC0 && c <= 0x4FF && c != 0xD7 && c != 0xF7);
}

static int is_apostrophe(uint32_t c)
{
    return c == '\'' || c == 0x2019;
}

/* Clause ends reset pending negation and intensity. */
static int is_clause_end(uint32_t c)
{
    switch (c) {
    case '.':
    case ',':
    case ';':
    case ':':
    case '!':
    case '?':
    case '\n':
    case 0x3002:
    case 0xFF0C:
    case 0x3001:
    case 0xFF1B:
    case 0xFF1A:
    case 0xFF01:
    case 0xFF1F:
    case 0x2026:
    case 0xFF0E:
        return 1;
    default:
        return 0;
    }
}

/* --- semantic analysis ---------------------------------------------------- */

/* Evidence of one hit of strength s: w = 1 - prod(1 - 0.7 s).  One word
 * that names an axis gives 0.7, two give 0.91; a nudge alone 0.28. */
#define TXT_HIT_EVIDENCE 0.7
/* A negated word is weaker than its antonym ("not bright" is dim, not
 * dark): the flipped distance from 0.5 is scaled by 0.6 and its strength
 * by 0.8. */
#define TXT_NEG_DIST 0.6
#define TXT_NEG_STRENGTH 0.8
/* A negator or intensifier waits this many plain words for its lexicon
 * word ("not at all bright", "不是很亮"), then lapses. */
#define TXT_MOD_REACH 4
/* Sound symbolism: the whole text's unknown words together act as one hit
 * of at most this strength on sharpness (evidence 0.21), and move the value
 * at most this far from 0.5: a hint, never a word's worth. */
#define TXT_PHON_STRENGTH 0.3
#define TXT_PHON_SPAN 0.4
/* Reasons: syn_sem_set prefixes "<axis> 0.00: " (up to 17 bytes) in a
 * SYN_REASON_LEN buffer; the word list stops short of it, on a phrase
 * boundary, so that UTF-8 is never cut. */
#define TXT_WHY_MAX (SYN_REASON_LEN - 24)
#define TXT_PHRASE_MAX 40
/* "sound of 'kiki', 'takete'": the unknown words named, in half a reason */
#define TXT_PH_WHY_MAX 64

typedef struct txt_acc {
    double sw, sv, sx, sy; /* strength sum, weighted value sum, hue vector */
    double keep;           /* prod(1 - 0.7 s): evidence is 1 - keep        */
    char why[TXT_WHY_MAX];
    size_t len;
    int full;
} txt_acc;

/* Per axis, words that name it (set) and words that only lean on it
 * (nudge): a nudge moves an axis only when no word names it, so that
 * "warm blue sea" stays warm; both add evidence. */
typedef struct txt_state {
    txt_acc ax[SYN_AX_COUNT], nudge[SYN_AX_COUNT];
    int neg;               /* a negator is pending                      */
    double gain;           /* product of pending intensifiers (1: none) */
    const char *mod_start; /* where the pending modifiers begin         */
    int since;             /* plain words since the last modifier       */
    double ph_sum, ph_n;   /* sound symbolism: sum of (S-R), of (S+R)   */
    char ph_why[TXT_PH_WHY_MAX];
    size_t ph_len;
    int ph_full;
} txt_state;

static void mods_reset(txt_state *st)
{
    st->neg = 0;
    st->gain = 1;
    st->mod_start = NULL;
    st->since = 0;
}

/* Append one phrase to a reason list ("'a', 'b', ...") of cap bytes,
 * never splitting UTF-8 and never overflowing: when a phrase no longer
 * fits, ", ..." closes the list. */
static void why_add(char *why, size_t cap, size_t *len, int *full, const char *ph)
{
    if (*full || (*len && strstr(why, ph))) /* the same phrase once is enough */
        return;
    const char *sep = *len ? ", " : "";
    const char *more = *len ? ", ..." : "...";
    size_t need = strlen(sep) + strlen(ph);
    if (*len + need + strlen(more) + 1 > cap) {
        if (*len + strlen(more) + 1 <= cap) {
            memcpy(why + *len, more, strlen(more) + 1);
            *len += strlen(more);
        }
        *full = 1;
        return;
    }
    memcpy(why + *len, sep, strlen(sep));
    memcpy(why + *len + strlen(sep), ph, strlen(ph) + 1);
    *len += need;
}

/* The phrase s[0..n) for a reason: whitespace runs become one space, ASCII
 * is lower-cased, English is quoted and Chinese is not, at most
 * TXT_PHRASE_MAX bytes cut on a code point boundary. */
static void phrase(const char *s, size_t n, char *out, size_t cap)
{
    int quote = n && (unsigned char)s[0] < 0x80;
    size_t k = 0, lim = cap - (quote ? 3 : 1);
    if (lim > TXT_PHRASE_MAX) lim = TXT_PHRASE_MAX;
    if (quote) out[k++] = '\'';
    int space = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = 1;
            i++;
            continue;
        }
        size_t cl = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (k + space + cl > lim + (quote ? 1 : 0)) break;
        if (space) out[k++] = ' ';
        space = 0;
        for (size_t j = 0; j < cl && i + j < n; j++)
            out[k++] = (char)(cl == 1 && c >= 'A' && c <= 'Z' ? c + 32 : s[i + j]);
        i += cl;
    }
    if (quote) out[k++] = '\'';
    out[k] = '\0';
}

/* One lexicon word at s[0..n) with its rows: apply pending modifiers. */
static void apply_hit(txt_state *st, const char *s, size_t n, const txt_row *const *rows, int nrows)
{
    const char *from = st->mod_start ? st->mod_start : s;
    char ph[TXT_PHRASE_MAX + 4];
    phrase(from, (size_t)(s + n - from), ph, sizeof ph);
    for (int i = 0; i < nrows; i++) {
        const txt_row *r = rows[i];
        txt_acc *a = r->strength == TXT_SET ? &st->ax[r->axis] : &st->nudge[r->axis];
        double v = r->v, s_ = r->strength;
        if (r->axis == SYN_AX_HUE) {
            if (st->neg) /* "not red" names no colour: drop it */
                continue;
            a->sx += s_ * cos(2 * M_PI * v);
            a->sy += s_ * sin(2 * M_PI * v);
        } else {
            double d = v - 0.5;
            if (st->gain != 1) {
                /* scale in atanh space: "very" moves 0.85 to 0.93 and
                 * "extremely" to 0.96, never past 1, ladders stay ordered */
                double x = fmax(-0.98, fmin(0.98, 2 * d));
                d = 0.5 * tanh(st->gain * atanh(x));
            }
            if (st->neg) {
                d = -d * TXT_NEG_DIST;
                s_ *= TXT_NEG_STRENGTH;
            }
            v = 0.5 + d;
        }
        a->sw += s_;
        a->sv += s_ * v;
        a->keep *= 1 - TXT_HIT_EVIDENCE * s_;
        why_add(a->why, sizeof a->why, &a->len, &a->full, ph);
    }
    mods_reset(st);
}

/* Sound symbolism of an unknown English word (lower-case ASCII letters
 * counted; others ignored). */
static void phonemes(txt_state *st, const char *w, size_t n)
{
    int sharp = 0, round = 0;
    for (size_t i = 0; i < n; i++)
        switch (w[i]) {
        case 'k':
        case 't':
        case 'p':
        case 'z':
        case 'i':
        case 'e':
            sharp++;
            break;
        case 'b':
        case 'm':
        case 'l':
        case 'o':
        case 'u':
            round++;
            break;
        default:
            break;
        }
    if (sharp + round == 0) return;
    st->ph_sum += sharp - round;
    st->ph_n += sharp + round;
    char ph[TXT_PHRASE_MAX + 4];
    phrase(w, n, ph, sizeof ph);
    why_add(st->ph_why, sizeof st->ph_why, &st->ph_len, &st->ph_full, ph);
}

/* Look an English word up as written, then with common suffixes taken off
 * (brighter, brightest, brightly, darkness, skies, shining, hotter ...). */
static const txt_row *const *lex_english(const char *w, size_t n, int *count)
{
    const txt_row *const *r = lex_find(w, n, count);
    if (r) return r;
    static const struct {
        const char *suf, *rep;
    } rules[] = {
        {"'s", ""},   {"iness", "y"}, {"ness", ""}, {"iest", "y"}, {"ier", "y"},
        {"ily", "y"}, {"ies", "y"},   {"ied", "y"}, {"est", ""},   {"er", ""},
        {"ly", ""},   {"ly", "le"},   {"ing", ""},  {"ing", "e"},  {"ed", ""},
        {"ed", "e"},  {"es", ""},     {"s", ""},    {"y", ""},
    };
    char buf[48];
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        size_t sl = strlen(rules[i].suf), rl = strlen(rules[i].rep);
        if (n <= sl + 1 || n - sl + rl >= sizeof buf || memcmp(w + n - sl, rules[i].suf, sl))
            continue;
        size_t m = n - sl;
        memcpy(buf, w, m);
        memcpy(buf + m, rules[i].rep, rl);
        if ((r = lex_find(buf, m + rl, count))) return r;
        /* hotter -> hott -> hot, running -> runn -> run */
        if (!rl && m >= 3 && buf[m - 1] == buf[m - 2] && (r = lex_find(buf, m - 1, count)))
            return r;
    }
    return NULL;
}

/* Modifiers and function words; 1 if the word was one. */
static int modifier(txt_state *st, const char *s, const txt_row *r)
{
    switch (r->kind) {
    case TXT_NEG:
        st->neg = !st->neg;
        break;
    case TXT_INT:
        st->gain *= r->v;
        break;
    case TXT_BREAK:
        mods_reset(st);
        return 1;
    case TXT_STOP:
        return 0;
    case TXT_LEX:
        return 0;
    }
    if (!st->mod_start) st->mod_start = s;
    st->since = 0;
    return 1;
}

/* A plain word passed: pending modifiers lapse after TXT_MOD_REACH. */
static void plain_word(txt_state *st)
{
    if (st->mod_start && ++st->since > TXT_MOD_REACH) mods_reset(st);
}

static void english_word(txt_state *st, const char *s, size_t n)
{
    char w[48];
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof w - 1;) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
            (unsigned char)s[i + 2] == 0x99) { /* U+2019 as an apostrophe */
            w[k++] = '\'';
            i += 3;
            continue;
        }
        w[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        i++;
    }
    w[k] = '\0';
    /* isn't, don't, can't, won't ... */
    if (k > 3 && !strcmp(w + k - 3, "n't")) {
        st->neg = !st->neg;
        if (!st->mod_start) st->mod_start = s;
        st->since = 0;
        return;
    }
    int count = 0;
    const txt_row *const *rows = lex_english(w, k, &count);
    if (rows && modifier(st, s, rows[0])) return;
    if (rows && rows[0]->kind == TXT_LEX) {
        apply_hit(st, s, n, rows, count);
        return;
    }
    if (!rows && k >= 2) phonemes(st, w, k);
    plain_word(st);
}

/* A run of Han characters s[0..n): greedy longest match. */
static void han_run(txt_state *st, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t best = 0;
        const txt_row *const *rows = NULL;
        int count = 0;
        /* candidate ends on code point boundaries, longest first */
        size_t ends[16];
        int ne = 0;
        for (size_t j = i; j < n && ne < 16;) {
            uint32_t cp;
            int l = utf8_next((const unsigned char *)s + j, n - j, &cp);
            if (l < 0 || j + l - i > txt_han_max) break;
            j += (size_t)l;
            ends[ne++] = j;
        }
        for (int e = ne - 1; e >= 0 && !rows; e--) {
            rows = lex_find(s + i, ends[e] - i, &count);
            if (rows) best = ends[e] - i;
        }
        if (!rows) { /* an unknown character: a plain word */
            plain_word(st);
            i = ne ? ends[0] : n;
            continue;
        }
        if (!modifier(st, s + i, rows[0])) {
            if (rows[0]->kind == TXT_LEX)
                apply_hit(st, s + i, best, rows, count);
            else
                plain_word(st);
        }
        i += best;
    }
}

/* Walk the (validated) text once, token by token. */
static void analyse(const char *text, size_t n, syn_semantics *sem)
{
    txt_state st;
    memset(&st, 0, sizeof st);
    for (int a = 0; a < SYN_AX_COUNT; a++)
        st.ax[a].keep = st.nudge[a].keep = 1;
    mods_reset(&st);
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        uint32_t c;
        int l = utf8_next(p + i, n - i, &c);
        if (l < 0) /* cannot happen after validation; stop safely */
            break;
        if (is_han(c)) {
            size_t j = i;
            while (j < n) {
                uint32_t d;
                int m = utf8_next(p + j, n - j, &d);
                if (m < 0 || !is_han(d)) break;
                j += (size_t)m;
            }
            han_run(&st, text + i, j - i);
            i = j;
        } else if (is_wordch(c)) {
            size_t j = i;
            while (j < n) {
                uint32_t d;
                int m = utf8_next(p + j, n - j, &d);
                if (m < 0) break;
                if (is_wordch(d)) {
                    j += (size_t)m;
                    continue;
                }
                /* an apostrophe inside a word: isn't, sun's */
                uint32_t e;
                if (is_apostrophe(d) && j + m < n && utf8_next(p + j + m, n - j - m, &e) > 0 &&
                    is_wordch(e)) {
                    j += (size_t)m;
                    continue;
                }
                break;
            }
            english_word(&st, text + i, j - i);
            i = j;
        } else {
            if (is_clause_end(c)) mods_reset(&st);
            i += (size_t)l;
        }
    }

    /* sound symbolism as one small hit on sharpness */
    if (st.ph_n > 0) {
        txt_acc *a = &st.ax[SYN_AX_SHARPNESS];
        double v = 0.5 + TXT_PHON_SPAN * st.ph_sum / st.ph_n;
        double s = TXT_PHON_STRENGTH * fmin(1.0, st.ph_n / 8.0); /* 8 letters: full */
        a->sw += s;
        a->sv += s * v;
        a->keep *= 1 - TXT_HIT_EVIDENCE * s;
        char ph[TXT_PH_WHY_MAX + 16];
        snprintf(ph, sizeof ph, "sound of %s", st.ph_why);
        why_add(a->why, sizeof a->why, &a->len, &a->full, ph);
    }

    syn_sem_neutral(sem);
    for (int x = 0; x < SYN_AX_COUNT; x++) {
        txt_acc *a = st.ax[x].sw > 0 ? &st.ax[x] : &st.nudge[x];
        if (a->sw <= 0) {
            syn_sem_set(sem, (syn_axis)x, 0.5f, 0, "not mentioned");
            continue;
        }
        float v =
            x == SYN_AX_HUE ? (float)(atan2(a->sy, a->sx) / (2 * M_PI)) : (float)(a->sv / a->sw);
        float w = (float)(1 - st.ax[x].keep * st.nudge[x].keep);
        syn_sem_set(sem, (syn_axis)x, v, w, "%s", a->why);
    }
    sem->hash = syn_hash_bytes(text, n);
}

/* --- fonts and drawing ---------------------------------------------------- */

typedef struct txt_font {
    unsigned char *data; /* the font file, mapped read-only */
    size_t len;
    stbtt_fontinfo info;
    float ascent; /* ascent per pixel of (ascent - descent)            */
} txt_font;

static txt_font txt_fonts[2]; /* 0: DejaVu Sans; 1: WenQuanYi Micro Hei */

static void font_free(txt_font *f)
{
    if (f->data) munmap(f->data, f->len);
    f->data = NULL;
}

static int font_load(txt_font *f, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr,
                "synesthd: text: cannot open font %s: %s (install fonts-dejavu-core "
                "and fonts-wqy-microhei)\n",
                path, strerror(errno));
        return -1;
    }
    long len = -1;
    if (fseek(fp, 0, SEEK_END) == 0) len = ftell(fp);
    if (len <= 0 || len > TXT_FONT_MAX_BYTES || fseek(fp, 0, SEEK_SET) != 0) {
        fclose(fp);
        fprintf(stderr, "synesthd: text: font %s has an unusable size\n", path);
        return -1;
    }
    /* Mapped, not read: the CJK font is 5 MB, and only the pages of the
     * glyphs a request draws ever become resident (idle RSS stays small). */
    void *map = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
    fclose(fp);
    f->data = map == MAP_FAILED ? NULL : map;
    f->len = (size_t)len;
    int off = f->data ? stbtt_GetFontOffsetForIndex(f->data, 0) : -1;
    if (off < 0 || !stbtt_InitFont(&f->info, f->data, off)) {
        fprintf(stderr, "synesthd: text: cannot read font %s\n", path);
        font_free(f);
        return -1;
    }
    int asc, desc, gap;
    stbtt_GetFontVMetrics(&f->info, &asc, &desc, &gap);
    f->ascent = asc - desc > 0 ? (float)asc / (float)(asc - desc) : 0.8f;
    return 0;
}

/* One placed glyph of the line. */
typedef struct txt_glyph {
    int font, index;
    float x; /* pen position, px */
} txt_glyph;

/* Lay the code points out at px pixels; returns the line's width. */
static float layout(const uint32_t *cps, int n, float px, txt_glyph *out)
{
    float pen = 0;
    int prev_font = -1, prev = 0;
    for (int i = 0; i < n; i++) {
        uint32_t c = cps[i] < 0x20 ? ' ' : cps[i]; /* tab and line breaks: one line */
        int f = 0, g = stbtt_FindGlyphIndex(&txt_fonts[0].info, (int)c);
        if (is_han(c) || !g) {
            f = 1;
            g = stbtt_FindGlyphIndex(&txt_fonts[1].info, (int)c); /* 0: the .notdef box */
        }
        const stbtt_fontinfo *fi = &txt_fonts[f].info;
        float sc = stbtt_ScaleForPixelHeight(fi, px);
        if (f == prev_font) pen += sc * (float)stbtt_GetGlyphKernAdvance(fi, prev, g);
        int adv, lsb;
        stbtt_GetGlyphHMetrics(fi, g, &adv, &lsb);
        out[i] = (txt_glyph){f, g, pen};
        pen += sc * (float)adv;
        prev_font = f;
        prev = g;
    }
    return pen;
}

/* Draw the text into a TXT_ROWS x *w canvas (malloc'd, free()). */
static float *draw_line(const char *text, size_t n, int cap, int *w, syn_err *e)
{
    uint32_t *cps = malloc(sizeof *cps * (n + 1));
    txt_glyph *gl = malloc(sizeof *gl * (n + 1));
    float *canvas = NULL;
    if (!cps || !gl) goto oom;
    int nc = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        int l = utf8_next((const unsigned char *)text + i, n - i, &c);
        if (l < 0) break;
        if (c != 0xFEFF) cps[nc++] = c;
        i += (size_t)l;
    }
    float px = TXT_GLYPH_PX;
    float width = layout(cps, nc, px, gl);
    int avail = cap - 2 * TXT_MARGIN;
    if (width + px / 4 > avail && width > 0) { /* shrink to fit, down to the minimum */
        px = fmaxf(TXT_GLYPH_MIN_PX, px * (float)avail / (width + px / 4));
        width = layout(cps, nc, px, gl);
    }
    /* px/4 of slack for the last glyph's overhang past its advance */
    long wl = lroundf(width + px / 4) + 2 * TXT_MARGIN;
    *w = (int)(wl > cap ? cap : wl < 8 ? 8 : wl);
    canvas = calloc((size_t)TXT_ROWS * (size_t)*w, sizeof *canvas);
    if (!canvas) goto oom;
    float top = (TXT_ROWS - px) / 2;
    for (int i = 0; i < nc; i++) {
        const txt_font *f = &txt_fonts[gl[i].font];
        float sc = stbtt_ScaleForPixelHeight(&f->info, px);
        float x = TXT_MARGIN + gl[i].x;
        int base = (int)lroundf(top + txt_fonts[0].ascent * px); /* one baseline: Latin's */
        float fx = x - floorf(x);
        int x0, y0, x1, y1;
        stbtt_GetGlyphBitmapBoxSubpixel(&f->info, gl[i].index, sc, sc, fx, 0, &x0, &y0, &x1, &y1);
        int gw = x1 - x0, gh = y1 - y0;
        if (gw <= 0 || gh <= 0) continue;
        unsigned char *bm = malloc((size_t)gw * (size_t)gh);
        if (!bm) goto oom;
        stbtt_MakeGlyphBitmapSubpixel(&f->info, bm, gw, gh, gw, sc, sc, fx, 0, gl[i].index);
        int ox = (int)floorf(x) + x0, oy = base + y0;
        for (int yy = 0; yy < gh; yy++) {
            int r = oy + yy;
            if (r < 0 || r >= TXT_ROWS) continue;
            for (int xx = 0; xx < gw; xx++) {
                int c = ox + xx;
                if (c < 0 || c >= *w) /* past the widest line: clipped */
                    continue;
                float v = bm[yy * gw + xx] / 255.0f;
                float *d = &canvas[(size_t)r * *w + c];
                if (v > *d) *d = v;
            }
        }
        free(bm);
    }
    free(cps);
    free(gl);
    return canvas;
oom:
    free(cps);
    free(gl);
    free(canvas);
    syn_fail(e, SYN_E_NOMEM, NULL, "out of memory drawing the text");
    return NULL;
}

/* The text as a grid and its spectral map, for a sound (or a picture). */
static int render(const char *text, size_t n, const syn_decode_ctx *ctx, syn_latent *out,
                  syn_err *e)
{
    if (!txt_ready)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "the text modality was not initialised");
    int cap = ctx->limits->max_out_side > 64 ? ctx->limits->max_out_side : 4096;
    int w = 0;
    float *canvas = draw_line(text, n, cap, &w, e);
    if (!canvas) return -1;
    int rows, cols;
    syn_band_grid_size(ctx->opts, ctx->limits, w, TXT_ROWS, &rows, &cols);
    syn_map m;
    syn_map_default(&m, ctx->opts->sample_rate);
    m.source = SYN_SRC_IMAGE;
    m.rows = rows;
    m.cols = cols;
    double dur = cols / TXT_COLS_PER_SEC;
    if (dur > m.duration) m.duration = fmin(dur, ctx->limits->max_audio_out_sec);
    syn_map_apply_opts(&m, ctx->opts);
    if (syn_grid_alloc(&out->grid, rows, cols, m.stereo != 0) < 0) {
        free(canvas);
        return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for a %dx%d grid", rows, cols);
    }
    if (rows == TXT_ROWS && cols == w)
        memcpy(out->grid.v, canvas, sizeof(float) * (size_t)rows * (size_t)cols);
    else
        syn_resample(canvas, w, TXT_ROWS, out->grid.v, cols, rows);
    free(canvas);
    if (out->grid.left) { /* stereo asked for: the words in the centre */
        memcpy(out->grid.left, out->grid.v, sizeof(float) * (size_t)rows * (size_t)cols);
        memcpy(out->grid.right, out->grid.v, sizeof(float) * (size_t)rows * (size_t)cols);
    }
    out->map = m;
    out->has_map = 0;
    return 0;
}

/* --- the modality ---------------------------------------------------------- */

static const char *const txt_mimes[] = {"text/plain", NULL};
static const syn_format txt_formats[] = {{"txt", "text/plain; charset=utf-8", "txt"},
                                         {NULL, NULL, NULL}};

static int txt_init(void)
{
    for (size_t i = 0; i < TXT_NROWS; i++) {
        txt_index[i] = &txt_rows[i];
        size_t len = strlen(txt_rows[i].word);
        if ((unsigned char)txt_rows[i].word[0] >= 0x80 && len > txt_han_max) txt_han_max = len;
    }
    qsort(txt_index, TXT_NROWS, sizeof txt_index[0], row_cmp);
    if (font_load(&txt_fonts[0], TXT_FONT_LATIN) < 0) return -1;
    if (font_load(&txt_fonts[1], TXT_FONT_HAN) < 0) {
        font_free(&txt_fonts[0]);
        return -1;
    }
    txt_ready = 1;
    return 0;
}

static void txt_fini(void)
{
    for (int i = 0; i < 2; i++)
        font_free(&txt_fonts[i]);
    txt_ready = 0;
}

/* Check the bytes: well-formed UTF-8, no NUL or control characters but
 * tab, CR and LF (nor DEL and the C1 controls).  Sets *han when a Han
 * character occurs and *blank when there is nothing but spaces. */
static int validate(const unsigned char *p, size_t n, int *han, int *blank, syn_err *e)
{
    *han = 0;
    *blank = 1;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        int l = utf8_next(p + i, n - i, &c);
        if (l < 0)
            return syn_fail(e, SYN_E_INVALID, "send the text encoded as UTF-8",
                            "the text is not valid UTF-8 (byte %zu)", i);
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F ||
            (c >= 0x80 && c <= 0x9F))
            return syn_fail(e, SYN_E_INVALID, "send plain text without control characters",
                            "the text holds control character U+%04X at byte %zu", (unsigned)c, i);
        if (is_han(c)) *han = 1;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != 0x3000 && c != 0xFEFF)
            *blank = 0;
        i += (size_t)l;
    }
    return 0;
}

static int txt_decode(const uint8_t *p, size_t n, const syn_decode_ctx *ctx, syn_latent *out,
                      syn_err *e)
{
    memset(out, 0, sizeof *out);
    if (n > TXT_MAX_BYTES)
        return syn_fail(e, SYN_E_LIMIT, "send at most 4096 bytes of text",
                        "the text is %zu bytes; the limit is %d", n, TXT_MAX_BYTES);
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) { /* byte-order mark */
        p += 3;
        n -= 3;
    }
    int han, blank;
    if (validate(p, n, &han, &blank, e) < 0) return -1;
    if (blank) return syn_fail(e, SYN_E_EMPTY, "send some words", "the text is empty");
    if (!(out->text = malloc(n + 1)))
        return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for the text");
    memcpy(out->text, p, n);
    out->text[n] = '\0';
    snprintf(out->lang, sizeof out->lang, "%s", han ? "zh" : "en");
    if (ctx->want_sem) {
        if (!txt_ready) {
            syn_latent_free(out);
            return syn_fail(e, SYN_E_INTERNAL, NULL, "the text modality was not initialised");
        }
        analyse(out->text, n, &out->sem);
        out->has_sem = 1;
    }
    if (ctx->want_grid && ctx->opts && syn_modes[ctx->opts->mode].grid_out &&
        render(out->text, n, ctx, out, e) < 0) {
        syn_latent_free(out);
        return -1;
    }
    return 0;
}

extern const syn_modality syn_text_modality;

static int txt_encode(syn_latent *in, const syn_opts *o, const syn_limits *lim, syn_blob *out,
                      syn_err *e)
{
    (void)lim;
    memset(out, 0, sizeof *out);
    const syn_format *f = syn_format_find(&syn_text_modality, o ? o->format : NULL);
    if (!f)
        return syn_fail(e, SYN_E_BADREQ, "use format=txt", "text has no format '%.15s'", o->format);
    syn_description d = {0}; /* cppcheck cannot see syn_latent_describe only writes it */
    if (syn_latent_describe(in, o, &d, e) < 0) return -1;
    if (!(out->data = malloc(d.len + 1)))
        return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for the description");
    memcpy(out->data, d.text, d.len + 1);
    out->len = d.len;
    out->mime = f->mime;
    out->ext = f->ext;
    return 0;
}

const syn_modality syn_text_modality = {
    .name = "text",
    .mime_types = txt_mimes,
    .formats = txt_formats,
    .grid = SYN_GRID_DRAWN,
    .grid_rank = 3,
    .text_like = 1,
    /* a description of whatever the mode decoded, which reads the grid and the axes */
    .modes = SYN_MODE_BIT(SYN_MODE_SPECTRAL) | SYN_MODE_BIT(SYN_MODE_SEMANTIC),
    .needs = SYN_NEED_GRID | SYN_NEED_SEM,
    .sniff = NULL, /* text has no magic bytes: a text claim is trusted */
    .decode = txt_decode,
    .encode = txt_encode,
    .init = txt_init,
    .fini = txt_fini,
};
