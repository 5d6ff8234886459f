/* describe.c -- text out: a short paragraph about any latent, in English
 * or Chinese.
 *
 * Accepts the semantic axes (with their evidence weights) and, when there
 * is one, the grid.  Axes with no evidence (w == 0) are not mentioned;
 * the others are named strongest first, with graded wording (0.9 "very
 * bright", 0.65 "fairly bright", 0.2 "dark"; 很明亮 / 比较亮 / 昏暗).  The
 * grid adds where the energy sits (the row centre of mass: high, middle or
 * low register), whether it rises, falls, swells or fades over time (the
 * slopes of the per-column centre of mass and loudness), and how busy it
 * is (the mean change from one column to the next).  The opening words
 * vary with the latent's hash, so that no fixed template speaks for every
 * input.
 *
 * Output: 2-4 sentences, UTF-8, NUL-terminated in buf (truncated on a
 * code point boundary if n is small); returns the length written.  The
 * caller owns buf.  No allocation; re-entrant. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "syn/latent.h"
#include "syn/semantic.h"

/* --- wording ---------------------------------------------------------------- */

/* Seven grades per axis: below 0.12, 0.3, 0.42, up to 0.58, 0.7, 0.87, above.
 * The middle band is wide (0.42..0.58) because a value near 0.5 is the
 * absence of a lean, not a quality worth a strong word. */
#define GRADES 7
static const float grade_edges[GRADES - 1] = {0.12f, 0.30f, 0.42f, 0.58f, 0.70f, 0.87f};

static const char *const words_en[SYN_AX_HUE][GRADES] = {
    [SYN_AX_BRIGHTNESS] = {"very dark", "dark", "somewhat dim", "moderately lit", "fairly bright",
                           "bright", "very bright"},
    [SYN_AX_ELEVATION] = {"very low-set", "low", "rather low", "centred in height", "rather high",
                          "high", "soaring high"},
    [SYN_AX_ENERGY] = {"very calm", "calm", "fairly gentle", "moderately lively", "fairly lively",
                       "energetic", "very intense"},
    [SYN_AX_SHARPNESS] = {"very soft and round", "rounded", "fairly smooth",
                          "neither sharp nor round", "fairly crisp", "sharp",
                          "very sharp and angular"},
    [SYN_AX_WARMTH] = {"icy cold", "cold", "cool", "neither warm nor cool", "mildly warm", "warm",
                       "hot"},
    [SYN_AX_VALENCE] = {"very sad", "sad", "a little melancholy", "emotionally neutral",
                        "fairly pleasant", "happy", "joyful"},
    [SYN_AX_DENSITY] = {"very sparse", "sparse", "fairly open", "moderately filled", "fairly busy",
                        "busy", "crowded"},
};

static const char *const words_zh[SYN_AX_HUE][GRADES] = {
    [SYN_AX_BRIGHTNESS] = {"非常黑暗", "昏暗", "有点暗", "明暗适中", "比较亮", "明亮", "很明亮"},
    [SYN_AX_ELEVATION] = {"非常低沉", "偏低", "稍低", "高度居中", "稍高", "偏高", "高高在上"},
    [SYN_AX_ENERGY] = {"非常平静", "平静", "比较柔和", "不温不火", "比较活泼", "充满活力",
                       "非常激烈"},
    [SYN_AX_SHARPNESS] = {"非常圆润", "圆润", "比较平滑", "不尖不圆", "有些棱角", "尖锐",
                          "非常尖锐"},
    [SYN_AX_WARMTH] = {"冰冷", "寒冷", "凉爽", "不冷不热", "微暖", "温暖", "炽热"},
    [SYN_AX_VALENCE] = {"非常悲伤", "悲伤", "有点忧郁", "情绪平和", "比较愉快", "快乐", "非常欢乐"},
    [SYN_AX_DENSITY] = {"非常稀疏", "稀疏", "比较空旷", "疏密适中", "比较繁忙", "繁忙", "非常拥挤"},
};

/* Hue names around the wheel (0 red, 1/3 green, 2/3 blue), nearest wins. */
static const struct {
    float at;
    const char *en, *zh;
} hues[] = {
    {0.00f, "red", "红"},    {0.08f, "orange", "橙"},     {0.16f, "yellow", "黄"},
    {0.25f, "lime", "黄绿"}, {0.33f, "green", "绿"},      {0.44f, "teal", "青绿"},
    {0.50f, "cyan", "青"},   {0.58f, "sky blue", "天蓝"}, {0.64f, "blue", "蓝"},
    {0.76f, "purple", "紫"}, {0.85f, "magenta", "品红"},  {0.92f, "pink", "粉红"},
    {1.00f, "red", "红"},
};

static int grade(float v)
{
    int g = 0;
    while (g < GRADES - 1 && v >= grade_edges[g])
        g++;
    return g;
}

static int hue_index(float v)
{
    int best = 0;
    for (size_t i = 1; i < sizeof hues / sizeof hues[0]; i++)
        if (fabsf(hues[i].at - v) < fabsf(hues[best].at - v)) best = (int)i;
    return best;
}

/* --- a bounded UTF-8 string builder --------------------------------------- */

typedef struct sb {
    char *buf;
    size_t n, len;
    int full;
} sb;

static void sb_add(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sb *b, const char *fmt, ...)
{
    if (b->full || b->n == 0) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->buf + b->len, b->n - b->len, fmt, ap);
    va_end(ap);
    if (k < 0) {
        b->buf[b->len] = '\0';
        b->full = 1;
        return;
    }
    if ((size_t)k >= b->n - b->len) { /* truncated: drop a cut last code point */
        size_t end = b->n - 1, lead = end;
        while (lead > b->len && ((unsigned char)b->buf[lead - 1] & 0xC0) == 0x80)
            lead--;
        if (lead > b->len) {
            unsigned char c = (unsigned char)b->buf[lead - 1];
            size_t cl = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (lead - 1 + cl > end) end = lead - 1;
        }
        b->buf[end] = '\0';
        b->len = end;
        b->full = 1;
        return;
    }
    b->len += (size_t)k;
}

/* --- the grid's structure --------------------------------------------------- */

typedef struct shape {
    int has;      /* a grid with some energy                          */
    int empty;    /* a grid, but (nearly) silent or black             */
    float height; /* 1 - row centre of mass / rows: 1 = top, high pitch */
    float rise;   /* slope of the per-column height over the duration */
    float swell;  /* slope of the per-column loudness, relative       */
    float flux;   /* mean column-to-column change, relative           */
} shape;

/* Below this mean cell value a grid is silence (a sound more than ~40 dB
 * down over the map's 50 dB range) or a black picture. */
#define SHAPE_FLOOR 1e-3

static void grid_shape(const syn_grid *g, shape *sh)
{
    memset(sh, 0, sizeof *sh);
    if (!g || !g->v || g->rows < 1 || g->cols < 1) return;
    sh->has = 1;
    int R = g->rows, C = g->cols;
    double total = 0, rsum = 0;
    double st = 0, sm = 0, stt = 0, stm = 0, n = 0; /* loudness regression */
    double wt = 0, wsh = 0, wstt = 0, wst = 0, wsth = 0, prev = -1, flux = 0;
    double maxcol = 0;
    for (int c = 0; c < C; c++) {
        double s = 0;
        for (int r = 0; r < R; r++)
            s += g->v[(size_t)r * C + c];
        maxcol = fmax(maxcol, s / R);
    }
    for (int c = 0; c < C; c++) {
        double s = 0, sr = 0;
        for (int r = 0; r < R; r++) {
            double v = g->v[(size_t)r * C + c];
            s += v;
            sr += v * (r + 0.5);
        }
        total += s;
        rsum += sr;
        double m = s / R, t = C > 1 ? (double)c / (C - 1) : 0.5;
        st += t, sm += m, stt += t * t, stm += t * m, n += 1;
        if (prev >= 0) flux += fabs(m - prev);
        prev = m;
        /* the height of a column counts when the column is audible/visible:
         * a tenth of the loudest column's mean */
        if (s > 0 && m >= 0.1 * maxcol) {
            double h = 1 - sr / s / R;
            wt += m, wst += m * t, wstt += m * t * t, wsh += m * h, wsth += m * t * h;
        }
    }
    double mean = total / ((double)R * C);
    if (mean < SHAPE_FLOOR) {
        sh->empty = 1;
        return;
    }
    sh->height = (float)(1 - rsum / total / R);
    double colmean = sm / n;
    double den = n * stt - st * st;
    sh->swell = den > 0 ? (float)((n * stm - st * sm) / den / colmean) : 0;
    double wden = wt * wstt - wst * wst;
    sh->rise = wden > 1e-12 ? (float)((wt * wsth - wst * wsh) / wden) : 0;
    sh->flux = C > 1 ? (float)(flux / (C - 1) / colmean) : 0;
}

/* Thresholds: the height moves by a sixth of the range over the duration
 * (about an octave on the default 100..8000 Hz axis) to "rise"; the
 * loudness changes by half its mean to "swell" or "fade"; a column differs
 * from the last by a quarter of the mean to be "busy", under 8% "even". */
#define SHAPE_RISE 0.16f
#define SHAPE_SWELL 0.5f
#define SHAPE_BUSY 0.25f
#define SHAPE_EVEN 0.08f

static void describe_grid(const shape *sh, int zh, sb *b)
{
    if (sh->empty) {
        sb_add(b, zh ? "几乎没有任何能量，一片寂静或漆黑。"
                     : "There is almost no energy anywhere: "
                       "it is silent or black throughout.");
        return;
    }
    int reg = sh->height > 0.6f ? 0 : sh->height < 0.4f ? 2 : 1;
    int trend = sh->rise > SHAPE_RISE      ? 0
                : sh->rise < -SHAPE_RISE   ? 1
                : sh->swell > SHAPE_SWELL  ? 2
                : sh->swell < -SHAPE_SWELL ? 3
                                           : 4;
    int tex = sh->flux > SHAPE_BUSY ? 0 : sh->flux < SHAPE_EVEN ? 2 : 1;
    if (zh) {
        static const char *const r[] = {"高", "中", "低"};
        static const char *const t[] = {"逐渐升高", "逐渐降低", "逐渐增强", "逐渐减弱", "保持平稳"};
        static const char *const x[] = {"繁忙多变", "有些起伏", "平滑均匀"};
        sb_add(b, "大部分能量集中在%s音区，并随时间%s，整体质感%s。", r[reg], t[trend], x[tex]);
    } else {
        static const char *const r[] = {"high", "middle", "low"};
        static const char *const t[] = {"rises", "falls", "grows stronger", "fades",
                                        "holds steady"};
        static const char *const x[] = {"busy and restless", "moderately varied",
                                        "smooth and even"};
        sb_add(b,
               "Most of the energy sits in the %s register and %s over time; the texture is "
               "%s.",
               r[reg], t[trend], x[tex]);
    }
}

/* --- the paragraph ------------------------------------------------------- */

/* Axes with at least this much evidence are stated; weaker ones are
 * hedged ("may also be", "也可能"). */
#define FIRM 0.35f

typedef struct cue {
    int axis;
    float v, w, salience;
} cue;

static const char *axis_word(const cue *c, int zh)
{
    int g = grade(c->v);
    return zh ? words_zh[c->axis][g] : words_en[c->axis][g];
}

/* "a", "a and b", "a, b and c"; Chinese "甲、乙，而且丙". */
static void join(sb *b, const cue *c, int n, int zh)
{
    for (int i = 0; i < n; i++) {
        const char *sep = "";
        if (i > 0) sep = zh ? (i == n - 1 ? "，而且" : "、") : (i == n - 1 ? " and " : ", ");
        sb_add(b, "%s%s", sep, axis_word(&c[i], zh));
    }
}

/* The axes that carry evidence, split into firm and weak ones. */
typedef struct cues {
    cue firm[SYN_AX_COUNT], weak[SYN_AX_COUNT];
    int nf, nw;
} cues;

/* insertion sort, most salient first; stable: ties keep axis order */
static void sort_by_salience(cue *c, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && c[j].salience > c[j - 1].salience; j--) {
            cue t = c[j];
            c[j] = c[j - 1], c[j - 1] = t;
        }
}

static void gather_cues(const syn_semantics *s, cues *cs)
{
    /* the axes that carry evidence, most salient first: evidence times
     * (a floor plus the distance from neutral), so a strong lean outranks a
     * well-attested middle value */
    cs->nf = cs->nw = 0;
    for (int a = 0; a < SYN_AX_HUE; a++) {
        if (!(s->w[a] > 0)) continue;
        cue c = {a, s->v[a], s->w[a], s->w[a] * (0.25f + 2 * fabsf(s->v[a] - 0.5f))};
        if (c.w >= FIRM) {
            cs->firm[cs->nf++] = c;
            continue;
        }
        /* a weak cue is worded softer, in proportion to its evidence, and
         * left out when that leaves nothing but the middle grade */
        c.v = 0.5f + (c.v - 0.5f) * c.w / FIRM;
        if (grade(c.v) != GRADES / 2) cs->weak[cs->nw++] = c;
    }
    sort_by_salience(cs->firm, cs->nf);
    sort_by_salience(cs->weak, cs->nw);
}

/* 1: the strongest impressions, with an opening chosen by the hash; when
 * only weak cues exist they are said here, and not again. */
static void say_opening(sb *b, const syn_semantics *s, cues *cs, int zh)
{
    static const char *const open_en[] = {"It feels ", "Overall it is ", "It comes across as ",
                                          "The impression is "};
    static const char *const open_zh[] = {"整体感觉", "总体上显得", "给人的印象是", "整体上"};
    unsigned pick = (unsigned)(s->hash % 4);
    if (cs->nf > 0) {
        sb_add(b, "%s", zh ? open_zh[pick] : open_en[pick]);
        int k = cs->nf < 3 ? cs->nf : 3;
        join(b, cs->firm, k, zh);
        sb_add(b, "%s", zh ? "。" : ".");
    } else if (cs->nw > 0) {
        sb_add(b, "%s", zh ? "隐约显得" : "It may be ");
        join(b, cs->weak, cs->nw < 3 ? cs->nw : 3, zh);
        sb_add(b, "%s", zh ? "。" : ".");
        cs->nw = 0;
    } else {
        sb_add(b, "%s",
               zh ? "没有明显的明暗、冷暖、能量或情绪线索。"
                  : "It gives no clear cue about brightness, warmth, energy or mood.");
    }
}

/* 2-4: the rest of the firm axes, the colour, the hedged axes, while
 * sentences stay under room; returns the new count of sentences. */
static int say_details(sb *b, const syn_semantics *s, const cues *cs, int zh, int sentences,
                       int room)
{
    float hw = s->w[SYN_AX_HUE];
    /* 2: the rest of the firm axes */
    if (cs->nf > 3 && sentences < room) {
        sb_add(b, "%s", zh ? "同时也" : " It is also ");
        join(b, cs->firm + 3, cs->nf - 3 < 3 ? cs->nf - 3 : 3, zh);
        sb_add(b, "%s", zh ? "。" : ".");
        sentences++;
    }
    /* 3: the colour */
    if (hw > 0 && sentences < room) {
        int h = hue_index(s->v[SYN_AX_HUE]);
        if (zh)
            sb_add(b, hw >= FIRM ? "主色调偏%s色。" : "隐约带一点%s色。", hues[h].zh);
        else
            sb_add(b, hw >= FIRM ? " The dominant colour is %s." : " There is a hint of %s.",
                   hues[h].en);
        sentences++;
    }
    /* 4: hedged axes */
    if (cs->nw > 0 && sentences < room) {
        sb_add(b, "%s", zh ? "也可能" : " It may also be ");
        join(b, cs->weak, cs->nw < 3 ? cs->nw : 3, zh);
        sb_add(b, "%s", zh ? "。" : ".");
        sentences++;
    }
    return sentences;
}

int syn_describe(const syn_semantics *s, const struct syn_grid *g, const char *lang, char *buf,
                 size_t n)
{
    if (!buf || n == 0) return 0;
    buf[0] = '\0';
    int zh = lang && !strcmp(lang, "zh");
    sb b = {buf, n, 0, 0};

    cues cs;
    gather_cues(s, &cs);
    shape sh;
    grid_shape(g, &sh);
    int sentences = 0;

    say_opening(&b, s, &cs, zh);
    sentences++;
    int room = sh.has ? 3 : 4; /* leave the last sentence for the grid */
    sentences = say_details(&b, s, &cs, zh, sentences, room);
    /* the grid's structure */
    if (sh.has) {
        if (!zh) sb_add(&b, " ");
        describe_grid(&sh, zh, &b);
        sentences++;
    }
    if (sentences < 2)
        sb_add(&b, "%s", zh ? "其他方面没有突出的特征。" : " Nothing else stands out.");
    return (int)b.len;
}
