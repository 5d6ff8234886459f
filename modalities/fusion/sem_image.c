/* sem_image.c -- the semantic axes of a picture.
 *
 * Accepts: w*h*3 floats in [0,1] (gamma-encoded sRGB, row 0 on top), any
 * size from 1x1; pictures over SEM_SIDE pixels on the longer side are
 * area-averaged down first, so the cost is bounded and the edge statistics
 * do not depend on the upload's resolution.  Fills *s (every axis with a
 * reason holding the measured figures); s->hash is left 0 for the caller,
 * which hashes the input bytes.  Allocates only scratch, freed before
 * returning; on allocation failure *s is neutral with that reason.
 *
 * Layout: the picture's figures are measured into a sem_feat (moments of
 * lightness and colour, gradients, angularity, regions: one function
 * each), then one axis_*() function per axis maps them to the axis, its
 * evidence and its reason, with its grounding beside it.
 *
 * Each axis and its grounding (see syn/semantic.h):
 *   brightness  mean Rec. 709 luma                (pitch/loudness <-> lightness)
 *   elevation   vertical centre of mass of luma   (pitch <-> elevation)
 *   energy      mean chroma and luma contrast     (loudness <-> saturation)
 *   sharpness   edge density and angularity       (bouba/kiki)
 *   warmth      warm vs cool hue, chroma-weighted
 *   valence     0.69 L + 0.22 S of the salient colours (Valdez & Mehrabian 1994)
 *   density     edge fraction and coarse region count (clutter)
 *   hue         peak of the chroma-weighted hue histogram */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "syn/fusion.h"
#include "syn/semantic.h"
#include "internal.h"

/* 256 px on the longer side keeps a 3-pixel structure window meaningful
 * (a shape of a tenth of the picture spans 25 px) at ~65k pixels of work. */
#define SEM_SIDE 256
/* Regions are counted on a coarse 64-px picture: finer counts texture,
 * not objects. */
#define SEM_REGION_SIDE 64
/* Luma step per pixel (Sobel / 8) that counts as an edge: 4 % of full
 * scale is visible on any screen and above JPEG noise. */
#define SEM_EDGE 0.04f
/* Window radius of the gradient-coherence (angularity) measure, px: 5 px
 * at 256 separates a rounded corner from a circle's steady bend. */
#define SEM_WIN 5
/* Shapes are judged on a 96-px picture (area-averaged, then blurred by
 * 1 px: about 1 % of the picture's side): a shape of a tenth of the
 * picture still spans 10 px, while fur, grass, film grain and print
 * (1-3 px at 256) average away. */
#define SEM_SHAPE_SIDE 96
/* Coherence window at the shape scale: 5 px of 96 spans a corner's arms
 * but not the far side of a shape. */
#define SEM_SHAPE_WIN 2
/* An outline at the shape scale: a step of 0.2 in luma after the blur
 * (texture that survives the blur is far fainter). */
#define SEM_SHAPE_EDGE 0.08f
#define SEM_HUE_BINS 36 /* 10 degrees: finer than colour names */
/* HSV chroma of a fully saturated colour as photographs hold it (a vivid
 * red is ~0.6 after the camera's gamut and gamma). */
#define SEM_FULL_CHROMA 0.6
/* The salience of a grey pixel in the valence: a colour of chroma 0.2
 * already counts twice as much, a vivid one (0.6) ten times. */
#define SEM_GREY_SALIENCE 0.04

/* HSV hue as a turn (0 red, 1/3 green, 2/3 blue) and chroma max - min. */
static void hue_chroma(float r, float g, float b, float *hue, float *chroma)
{
    float mx = fmaxf(r, fmaxf(g, b)), mn = fminf(r, fminf(g, b)), c = mx - mn;
    float h = 0;
    if (c > 1e-6f) {
        if (mx == r)
            h = fmodf((g - b) / c + 6.0f, 6.0f);
        else if (mx == g)
            h = (b - r) / c + 2.0f;
        else
            h = (r - g) / c + 4.0f;
        h /= 6.0f;
    }
    *hue = h;
    *chroma = c;
}

/* Box sums of radius r over a plane (via a summed-area table). */
static void box_sum(const float *src, int w, int h, int r, double *sat, float *dst)
{
    for (int y = 0; y <= h; y++)
        for (int x = 0; x <= w; x++) {
            if (!x || !y) {
                sat[(size_t)y * (w + 1) + x] = 0;
                continue;
            }
            sat[(size_t)y * (w + 1) + x] =
                src[(size_t)(y - 1) * w + x - 1] + sat[(size_t)(y - 1) * (w + 1) + x] +
                sat[(size_t)y * (w + 1) + x - 1] - sat[(size_t)(y - 1) * (w + 1) + x - 1];
        }
    for (int y = 0; y < h; y++) {
        int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
        for (int x = 0; x < w; x++) {
            int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
            dst[(size_t)y * w + x] =
                (float)(sat[(size_t)y1 * (w + 1) + x1] - sat[(size_t)y0 * (w + 1) + x1] -
                        sat[(size_t)y1 * (w + 1) + x0] + sat[(size_t)y0 * (w + 1) + x0]);
        }
    }
}

/* Connected regions (4-neighbour) of equal label with at least min_px
 * pixels.  stack: w*h ints of scratch; lab is overwritten. */
static int count_regions(int *lab, int w, int h, int min_px, int *stack)
{
    int regions = 0;
    for (int i = 0; i < w * h; i++) {
        if (lab[i] < 0) continue;
        int want = lab[i], top = 0, size = 0;
        stack[top++] = i;
        lab[i] = -1;
        while (top) {
            int p = stack[--top], x = p % w, y = p / w;
            size++;
            const int nb[4] = {x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1,
                               y < h - 1 ? p + w : -1};
            for (int k = 0; k < 4; k++)
                if (nb[k] >= 0 && lab[nb[k]] == want) {
                    lab[nb[k]] = -1;
                    stack[top++] = nb[k];
                }
        }
        regions += size >= min_px;
    }
    return regions;
}

/* ------------------------------------------------ the measured figures */

/* w x h scaled to fit side x side, aspect kept; unchanged when it fits. */
static void fit_side(int w, int h, int side, int *W, int *H)
{
    *W = w, *H = h;
    if (w > side || h > side) {
        double k = (double)side / (w > h ? w : h);
        *W = (int)fmax(1, lround(w * k));
        *H = (int)fmax(1, lround(h * k));
    }
}

/* One scale's gradient planes, each W*H, and the summed-area table for
 * their box sums. */
typedef struct sem_planes {
    int W, H;
    float *L;       /* luma                  */
    float *gx, *gy; /* Sobel gradient        */
    float *mag;     /* its magnitude         */
    float *bx, *by; /* box sums of gx, gy    */
    float *bmag;    /* box sums of mag       */
    double *sat;    /* (W+1)*(H+1)           */
} sem_planes;

/* Scratch, one buffer per purpose, all freed by scratch_free. */
typedef struct sem_scratch {
    int W, H, RW, RH; /* the working picture, and the coarse one for regions */
    size_t np;        /* W * H                                              */
    float *work;      /* W*H*3: the picture shrunk to W x H (NULL: rgb fits) */
    sem_planes fine;  /* W x H: texture and edges                           */
    sem_planes shape; /* SEM_SHAPE_SIDE: the outlines of shapes             */
    float *small;     /* RW*RH*3: the coarse picture                        */
    int *lab;         /* RW*RH: its lightness levels, then region marks      */
    int *stack;       /* RW*RH: the region fill's stack                     */
} sem_scratch;

/* What the gradients of one scale say. */
typedef struct sem_edges {
    double ang;       /* angularity (RMS gradient incoherence)          */
    size_t edges;     /* edge pixels                                    */
    double edge_frac; /* their share                                    */
} sem_edges;

/* Everything the axes are computed from. */
typedef struct sem_feat {
    double sumL, sumC; /* sums of luma and chroma                        */
    double meanL, meanC, stdL;
    double yc;                 /* luma's vertical centre of mass, 0 = top        */
    double warm;               /* chroma-weighted cos of the hue to orange       */
    double pleasure, salience; /* sum of s_i * V&M pleasure, sum of s_i (valence) */
    double hist[SEM_HUE_BINS]; /* chroma-weighted hue histogram              */
    sem_edges fine;            /* pixel scale: texture, grain, fur, print        */
    sem_edges shape;           /* shape scale: the outlines' corners             */
    int regions;               /* coarse regions of equal lightness level        */
} sem_feat;

static void planes_free(sem_planes *pl)
{
    free(pl->L), free(pl->gx), free(pl->gy), free(pl->mag), free(pl->bx), free(pl->by);
    free(pl->bmag), free(pl->sat);
}

static int planes_alloc(sem_planes *pl, int W, int H)
{
    size_t np = (size_t)W * H;
    pl->W = W, pl->H = H;
    float **planes[] = {&pl->L, &pl->gx, &pl->gy, &pl->mag, &pl->bx, &pl->by, &pl->bmag};
    int ok = 1;
    for (size_t i = 0; i < sizeof planes / sizeof *planes; i++)
        ok &= (*planes[i] = malloc(sizeof(float) * np)) != NULL;
    pl->sat = malloc(sizeof(double) * (size_t)(W + 1) * (H + 1));
    return ok && pl->sat ? 0 : -1;
}

static void scratch_free(sem_scratch *sc)
{
    free(sc->work), free(sc->small), free(sc->lab), free(sc->stack);
    planes_free(&sc->fine), planes_free(&sc->shape);
}

static int scratch_alloc(sem_scratch *sc, int w, int h)
{
    memset(sc, 0, sizeof *sc);
    fit_side(w, h, SEM_SIDE, &sc->W, &sc->H);
    fit_side(sc->W, sc->H, SEM_REGION_SIDE, &sc->RW, &sc->RH);
    int SW, SH;
    fit_side(sc->W, sc->H, SEM_SHAPE_SIDE, &SW, &SH);
    size_t np = sc->np = (size_t)sc->W * sc->H, nr = (size_t)sc->RW * sc->RH;
    int shrink = sc->W != w || sc->H != h;
    if (shrink) sc->work = malloc(sizeof(float) * 3 * np);
    int ok = (!shrink || sc->work) && planes_alloc(&sc->fine, sc->W, sc->H) == 0 &&
             planes_alloc(&sc->shape, SW, SH) == 0;
    sc->small = malloc(sizeof(float) * 3 * nr);
    sc->lab = malloc(sizeof(int) * nr);
    sc->stack = malloc(sizeof(int) * nr);
    if (ok && sc->small && sc->lab && sc->stack) return 0;
    scratch_free(sc);
    return -1;
}

/* Lightness, colour and their moments: luma into sc->fine.L. */
static void light_and_colour(const float *px, const sem_scratch *sc, sem_feat *ft)
{
    int W = sc->W, H = sc->H;
    double sumL2 = 0, ycom = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            size_t i = (size_t)y * W + x;
            float r = clamp01(px[3 * i]), g = clamp01(px[3 * i + 1]), b = clamp01(px[3 * i + 2]);
            float l = 0.2126f * r + 0.7152f * g + 0.0722f * b; /* Rec. 709 */
            float hue, c;
            hue_chroma(r, g, b, &hue, &c);
            sc->fine.L[i] = l;
            ft->sumL += l;
            sumL2 += (double)l * l;
            ft->sumC += c;
            ycom += l * ((y + 0.5) / H);
            /* Warm peaks at orange (30 deg) and cool at its opposite,
             * cyan-blue (210 deg): the warm/cool split of colour
             * psychology, reds to yellows against cyans to blues. */
            ft->warm += c * cos(2 * M_PI * (hue - 1.0 / 12));
            int bin = (int)(hue * SEM_HUE_BINS) % SEM_HUE_BINS;
            ft->hist[bin] += c;
            /* the pleasure of this colour, counted by how much it stands
             * out (see axis_valence) */
            double sal = (double)c * c + SEM_GREY_SALIENCE;
            ft->pleasure += sal * (0.69 * l + 0.22 * fmin(1, c / SEM_FULL_CHROMA)) / 0.91;
            ft->salience += sal;
        }
    size_t np = sc->np;
    ft->meanL = ft->sumL / np, ft->meanC = ft->sumC / np;
    ft->stdL = sqrt(fmax(0, sumL2 / np - ft->meanL * ft->meanL));
    ft->yc = ft->sumL > 1e-9 ? ycom / ft->sumL : 0.5;
}

/* Gradients of the luma (Sobel, /8 so a hard 0->1 step reads 0.5). */
static void gradients(const sem_planes *pl)
{
    int W = pl->W, H = pl->H;
    const float *L = pl->L;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int xm = x > 0 ? x - 1 : 0, xp = x < W - 1 ? x + 1 : W - 1;
            int ym = y > 0 ? y - 1 : 0, yp = y < H - 1 ? y + 1 : H - 1;
#define P(xx, yy) L[(size_t)(yy)*W + (xx)]
            float dx =
                (P(xp, ym) + 2 * P(xp, y) + P(xp, yp) - P(xm, ym) - 2 * P(xm, y) - P(xm, yp)) / 8;
            float dy =
                (P(xm, yp) + 2 * P(x, yp) + P(xp, yp) - P(xm, ym) - 2 * P(x, ym) - P(xp, ym)) / 8;
#undef P
            size_t i = (size_t)y * W + x;
            pl->gx[i] = dx;
            pl->gy[i] = dy;
            pl->mag[i] = sqrtf(dx * dx + dy * dy);
        }
}

/* Angularity: in a window of radius win around each edge pixel (gradient
 * magnitude >= edge), how much the gradient vectors disagree,
 * 1 - |sum g| / sum |g|.  A straight edge or a gentle curve scores ~0, a
 * 90-degree corner 0.29, a 60-degree one 0.5, a star's 36-degree tip 0.69.
 * Its root mean square over the edge pixels (weighted by edge strength)
 * lets a few sharp corners count for more than a long, slightly bent
 * outline.  Also counts the edge pixels. */
static void angularity(const sem_planes *pl, int win, float edge, sem_edges *out)
{
    int W = pl->W, H = pl->H;
    size_t np = (size_t)W * H;
    gradients(pl);
    for (size_t i = 0; i < np; i++) /* only edges vote: not the faint texture between */
        if (pl->mag[i] < edge) pl->gx[i] = pl->gy[i] = 0;
    box_sum(pl->gx, W, H, win, pl->sat, pl->bx);
    box_sum(pl->gy, W, H, win, pl->sat, pl->by);
    for (size_t i = 0; i < np; i++)
        pl->bmag[i] = hypotf(pl->gx[i], pl->gy[i]);
    box_sum(pl->bmag, W, H, win, pl->sat, pl->bmag);
    double ang_num = 0, ang_den = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < np; i++) {
        if (pl->mag[i] < edge) continue;
        out->edges++;
        double coh = pl->bmag[i] > 1e-9 ? hypot(pl->bx[i], pl->by[i]) / pl->bmag[i] : 1;
        double inc = 1 - fmin(1, coh);
        ang_num += pl->mag[i] * inc * inc;
        ang_den += pl->mag[i];
    }
    out->ang = ang_den > 0 ? sqrt(ang_num / ang_den) : 0;
    out->edge_frac = (double)out->edges / np;
}

/* One pass of the [1 4 6 4 1]/16 kernel along x (horizontal) or y, the
 * edges clamped: src to dst, both W x H. */
static void blur5_pass(const float *src, float *dst, int W, int H, int horizontal)
{
    static const float k[5] = {1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f};
    int n = horizontal ? W : H;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int at = horizontal ? x : y;
            float a = 0;
            for (int d = -2; d <= 2; d++) {
                int j = at + d < 0 ? 0 : at + d >= n ? n - 1 : at + d;
                a += k[d + 2] * src[horizontal ? (size_t)y * W + j : (size_t)j * W + x];
            }
            dst[(size_t)y * W + x] = a;
        }
}

/* Separable [1 4 6 4 1]/16 blur (sigma 1 px) of pl->L in place, via pl->bx. */
static void blur5(const sem_planes *pl)
{
    blur5_pass(pl->L, pl->bx, pl->W, pl->H, 1);
    blur5_pass(pl->bx, pl->L, pl->W, pl->H, 0);
}

/* Clutter: regions of the picture quantised to 4 lightness levels on a
 * coarse grid (bigger than 3 px, so speckle does not count). */
static int clutter_regions(const float *px, const sem_scratch *sc)
{
    int RW = sc->RW, RH = sc->RH;
    syn_area_average(px, sc->W, sc->H, 3, sc->small, RW, RH);
    for (int i = 0; i < RW * RH; i++) {
        const float *p = sc->small + 3 * i;
        float l = 0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2];
        int q = (int)(clamp01(l) * 4);
        sc->lab[i] = q > 3 ? 3 : q;
    }
    return count_regions(sc->lab, RW, RH, 4, sc->stack);
}

/* ------------------------------------------------------------ the axes */

/* brightness: mean Rec. 709 luma, lightness <-> pitch and loudness. */
static void axis_brightness(syn_semantics *s, const sem_feat *ft)
{
    syn_sem_set(s, SYN_AX_BRIGHTNESS, (float)ft->meanL, 1.0f, "mean lightness %.2f", ft->meanL);
}

/* elevation: centre of mass of lightness, 0 = top, pitch <-> elevation; a
 * uniform picture sits at 0.5.  The correspondence is relative (Spence
 * 2019): light whose centre sits a fifth of the height above the middle
 * (a bright sky over a dark ground) is already high, so the offset counts
 * SEM_ELEV_GAIN times.  Its evidence is how far the mass leans off the
 * middle. */
#define SEM_ELEV_GAIN 2.5
static void axis_elevation(syn_semantics *s, const sem_feat *ft)
{
    double yc = ft->yc;
    syn_sem_set(s, SYN_AX_ELEVATION, (float)(0.5 + SEM_ELEV_GAIN * (0.5 - yc)),
                (float)fmin(1, 0.4 + 2 * fabs(0.5 - yc)), "lightness centred %.0f%% from the top",
                100 * yc);
}

/* energy: saturation and contrast, loudness <-> saturation.  A luma std
 * of 0.3 is a hard black-and-white picture. */
static void axis_energy(syn_semantics *s, const sem_feat *ft)
{
    double con = fmin(1, ft->stdL / 0.3);
    double energy = 0.55 * fmin(1, ft->meanC / SEM_FULL_CHROMA) + 0.45 * con;
    syn_sem_set(s, SYN_AX_ENERGY, (float)energy, 1.0f, "saturation %.2f, contrast (luma std) %.2f",
                ft->meanC, ft->stdL);
}

/* sharpness: the angularity of outlines at the scale of shapes, bouba/kiki
 * (Ramachandran & Hubbard 2001): corners against smooth curves.  Pixel-
 * scale texture (fur, grass, grain, print) is density, not angularity, so
 * it is measured on the blurred 96-px picture where texture has averaged
 * away.  Measured on white shapes: circle 0.001, rounded square 0.006,
 * square 0.035, triangle 0.07, five-point star 0.14; photographs: the cat
 * (chelsea) 0.06, blurred 0.02; the camera man 0.16; a rocket 0.27.
 * 0.28 is the kiki end.  Its evidence is how much outline there is: 3 %
 * of the pixels is one mid-sized shape; a picture of pure texture (a
 * brick wall, a page of print seen from afar) has no outlines to judge,
 * while one with neither outlines nor texture is soft all over. */
#define SEM_SHAPE_EVIDENCE 0.03
#define SEM_SOFT_EVIDENCE 0.6
#define SEM_TEXTURE_FULL 0.15 /* fine-scale edge share of a textured picture */
static void axis_sharpness(syn_semantics *s, const sem_feat *ft)
{
    double sharp = fmin(1, ft->shape.ang / 0.28);
    /* no outline and no texture either: a soft, blurred picture, which
     * people call soft, so its roundness is fair evidence */
    double ev = fmax(fmin(1, ft->shape.edge_frac / SEM_SHAPE_EVIDENCE),
                     SEM_SOFT_EVIDENCE * fmax(0, 1 - ft->fine.edge_frac / SEM_TEXTURE_FULL));
    syn_sem_set(s, SYN_AX_SHARPNESS, (float)sharp, (float)ev,
                "outline angularity %.3f, outline pixels %.1f%%, texture %.3f", ft->shape.ang,
                100 * ft->shape.edge_frac, ft->fine.ang);
}

/* A picture whose mean chroma is under 3.5 % of full scale is grey to the
 * eye (a grey photograph's JPEG noise and a faint cast stay below it):
 * its warmth and hue carry no evidence and stay out of similarity. */
#define SEM_GREY_CHROMA 0.035

/* warmth: warm vs cool hue, chroma-weighted (see light_and_colour); no
 * evidence in a grey picture. */
static void axis_warmth(syn_semantics *s, const sem_feat *ft)
{
    double wsum = ft->meanC > 1e-6 ? ft->warm / ft->sumC : 0;
    double ev = ft->meanC < SEM_GREY_CHROMA ? 0 : fmin(1, ft->meanC / 0.25);
    syn_sem_set(s, SYN_AX_WARMTH, (float)(0.5 + 0.5 * wsum), (float)ev,
                "%s hues (warm-cool %+.2f) at saturation %.2f",
                wsum > 0.2    ? "warm"
                : wsum < -0.2 ? "cool"
                              : "mixed",
                wsum, ft->meanC);
}

/* valence: Valdez & Mehrabian (1994): the pleasure of a colour is .69 its
 * brightness + .22 its saturation (divided by their sum, so that white at
 * full saturation is 1).  A picture's mood is the pleasure of the colours
 * that stand out, not of its mean grey: lanterns in a night sky or a red
 * flower on dark leaves are cheerful, though the picture is dark.  So each
 * pixel's pleasure is weighted by its salience, chroma squared plus a
 * floor; in a grey picture every pixel weighs the same and the valence is
 * the formula on the mean lightness. */
static void axis_valence(syn_semantics *s, const sem_feat *ft)
{
    double val = ft->salience > 0 ? ft->pleasure / ft->salience : 0.5;
    syn_sem_set(s, SYN_AX_VALENCE, (float)val, 0.8f,
                "pleasure of the salient colours (0.69 L + 0.22 S); mean lightness %.2f, "
                "saturation %.2f",
                ft->meanL, ft->meanC);
}

/* density: clutter.  40 regions is a crowded picture; 25 % edge pixels a
 * cluttered one. */
static void axis_density(syn_semantics *s, const sem_feat *ft)
{
    double dens = 0.5 * fmin(1, ft->fine.edge_frac / 0.25) +
                  0.5 * fmin(1, log1p(ft->regions - 1.0) / log(40));
    syn_sem_set(s, SYN_AX_DENSITY, (float)dens, 1.0f, "%d regions, edge pixels %.1f%%", ft->regions,
                100 * ft->fine.edge_frac);
}

/* hue: the peak of the chroma-weighted histogram (smoothed over
 * neighbours), refined by the circular mean around the peak; dominant hue
 * <-> dominant pitch class. */
static void axis_hue(syn_semantics *s, const sem_feat *ft)
{
    const double *hist = ft->hist;
    int best = 0;
    double bestv = -1;
    for (int b = 0; b < SEM_HUE_BINS; b++) {
        double v = hist[b] + 0.5 * (hist[(b + 1) % SEM_HUE_BINS] +
                                    hist[(b + SEM_HUE_BINS - 1) % SEM_HUE_BINS]);
        if (v > bestv) bestv = v, best = b;
    }
    double cx = 0, cy = 0;
    for (int d = -1; d <= 1; d++) {
        int b = (best + d + SEM_HUE_BINS) % SEM_HUE_BINS;
        double a = 2 * M_PI * (b + 0.5) / SEM_HUE_BINS;
        cx += hist[b] * cos(a);
        cy += hist[b] * sin(a);
    }
    double hue = ft->meanC > 1e-6 ? atan2(cy, cx) / (2 * M_PI) : 0;
    if (hue < 0) hue += 1;
    static const char *const hue_names[12] = {"red",   "orange",       "yellow",  "chartreuse",
                                              "green", "spring green", "cyan",    "azure",
                                              "blue",  "violet",       "magenta", "rose"};
    double ev = ft->meanC < SEM_GREY_CHROMA ? 0 : fmin(1, ft->meanC / 0.3);
    syn_sem_set(s, SYN_AX_HUE, (float)hue, (float)ev, "dominant hue %.0f deg (%s), saturation %.2f",
                360 * hue, hue_names[(int)lround(hue * 12) % 12], ft->meanC);
}

/* The axes in the order syn_semantics lists them; each function above is one
 * axis and carries its grounding. */
static void (*const axes[])(syn_semantics *, const sem_feat *) = {
    axis_brightness, axis_elevation, axis_energy,  axis_sharpness,
    axis_warmth,     axis_valence,   axis_density, axis_hue,
};

void syn_sem_from_rgb(const float *rgb, int w, int h, syn_semantics *s)
{
    syn_sem_neutral(s);
    if (!rgb || w < 1 || h < 1) return;
    sem_scratch sc;
    if (scratch_alloc(&sc, w, h) < 0) {
        for (int a = 0; a < SYN_AX_COUNT; a++)
            syn_sem_set(s, (syn_axis)a, 0.5f, 0, "not measured (out of memory)");
        return;
    }
    const float *px = rgb;
    if (sc.work) {
        syn_area_average(rgb, w, h, 3, sc.work, sc.W, sc.H);
        px = sc.work;
    }
    sem_feat ft;
    memset(&ft, 0, sizeof ft);
    light_and_colour(px, &sc, &ft);
    angularity(&sc.fine, SEM_WIN, SEM_EDGE, &ft.fine);
    syn_area_average(sc.fine.L, sc.W, sc.H, 1, sc.shape.L, sc.shape.W, sc.shape.H);
    blur5(&sc.shape);
    angularity(&sc.shape, SEM_SHAPE_WIN, SEM_SHAPE_EDGE, &ft.shape);
    ft.regions = clutter_regions(px, &sc);

    for (size_t i = 0; i < sizeof axes / sizeof axes[0]; i++)
        axes[i](s, &ft);
    scratch_free(&sc);
}
