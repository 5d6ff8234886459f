/* colormap.c -- the project's own colour tables, computed at start-up.
 *
 * Each map is 256 RGB entries whose Rec. 709 luma (on the 8-bit,
 * gamma-encoded values) rises linearly from 0 to 1: entry i has luma
 * i/255 to within rounding.  So the lightness order is monotonic, equal
 * steps in value look like equal steps in lightness, and a spectrogram
 * picture reads back by its luma alone, whatever map drew it.
 *
 * Colour is added on top of the grey ramp along a hue path, in the
 * direction with zero luma (so it cannot disturb the ramp), as far as the
 * RGB cube allows: at black and white there is no room, in between the
 * chroma peaks. */
#include <math.h>
#include <string.h>

#include "syn/fusion.h"
#include "internal.h"

typedef struct {
    float t, r, g, b;
} key;

/* ember: deep violet -> magenta -> red -> orange -> amber, like fire. */
static const key ember[] = {{0.00f, 0.30f, 0.00f, 0.70f}, {0.30f, 0.75f, 0.00f, 0.65f},
                            {0.50f, 1.00f, 0.05f, 0.05f}, {0.72f, 1.00f, 0.50f, 0.00f},
                            {0.88f, 1.00f, 0.85f, 0.25f}, {1.00f, 1.00f, 1.00f, 0.80f}};
/* ice: navy -> blue -> cyan -> pale, for those who prefer cool colours. */
static const key ice[] = {{0.00f, 0.00f, 0.05f, 0.60f},
                          {0.40f, 0.05f, 0.35f, 1.00f},
                          {0.70f, 0.00f, 0.85f, 0.95f},
                          {1.00f, 0.80f, 1.00f, 1.00f}};

static const char *const names[] = {"ember", "gray", "ice", NULL};
static uint8_t tables[3][256 * 3];

static const double WR = 0.2126, WG = 0.7152, WB = 0.0722;

static void build(uint8_t *out, const key *k, int nk, double strength)
{
    for (int i = 0; i < 256; i++) {
        double t = i / 255.0, d[3] = {1, 1, 1};
        if (k) {
            int j = 0;
            while (j < nk - 2 && t > k[j + 1].t)
                j++;
            double f = (t - k[j].t) / (k[j + 1].t - k[j].t);
            f = clampd(f, 0, 1);
            d[0] = k[j].r + f * (k[j + 1].r - k[j].r);
            d[1] = k[j].g + f * (k[j + 1].g - k[j].g);
            d[2] = k[j].b + f * (k[j + 1].b - k[j].b);
        }
        double l = WR * d[0] + WG * d[1] + WB * d[2];
        const double c[3] = {d[0] - l, d[1] - l, d[2] - l}; /* zero-luma chroma */
        double room = 1e9;
        for (int ch = 0; ch < 3; ch++) {
            if (c[ch] > 1e-9)
                room = fmin(room, (1 - t) / c[ch]);
            else if (c[ch] < -1e-9)
                room = fmin(room, t / -c[ch]);
        }
        if (room > 1e8) room = 0;
        double s = strength * room;
        for (int ch = 0; ch < 3; ch++) {
            double v = t + s * c[ch];
            out[i * 3 + ch] = (uint8_t)lrint(255 * clampd(v, 0, 1));
        }
    }
}

int syn_colormap_init(void)
{
    /* 0.85 of the room the cube leaves: full saturation at the edge of
     * the cube clips after 8-bit rounding and bends the luma ramp. */
    build(tables[0], ember, sizeof ember / sizeof ember[0], 0.85);
    build(tables[1], NULL, 0, 0);
    build(tables[2], ice, sizeof ice / sizeof ice[0], 0.85);
    return 0;
}

int syn_colormap_find(const char *name)
{
    for (int i = 0; name && names[i]; i++)
        if (!strcmp(names[i], name)) return i;
    return -1;
}

const char *const *syn_colormap_names(void)
{
    return names;
}

const uint8_t *syn_colormap_table(int id)
{
    return id >= 0 && id < 3 ? tables[id] : NULL;
}
