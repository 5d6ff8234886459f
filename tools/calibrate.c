/* calibrate.c -- `make calibrate`: measures the generators' calibration
 * tables (modalities/fusion/calibrate.c) and writes them as the C include
 * file that ships them, modalities/fusion/calibration.def.
 *
 * Usage: calibrate OUT.def
 * Deterministic: the same code writes the same file, so the unit tests can
 * tell when the checked-in tables no longer match the generators. */
#include <stdio.h>
#include <stdlib.h>

#include "syn/fusion.h"
#include "syn/semantic.h"

static const char *const gen_enum[SYN_GEN_COUNT] = {"SYN_GEN_PAINT", "SYN_GEN_MUSIC"};
static const char *const axis_enum[SYN_AX_COUNT] = {
    "SYN_AX_BRIGHTNESS", "SYN_AX_ELEVATION", "SYN_AX_ENERGY",  "SYN_AX_SHARPNESS",
    "SYN_AX_WARMTH",     "SYN_AX_VALENCE",   "SYN_AX_DENSITY", "SYN_AX_HUE",
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT.def\n", argv[0]);
        return 2;
    }
    if (syn_fusion_init() < 0) {
        fprintf(stderr, "calibrate: the fusion core did not start\n");
        return 1;
    }
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fprintf(f, "/* calibration.def -- written by `make calibrate` (tools/calibrate.c); do not\n"
               " * edit.  CAL(generator, axis, what its output reads back at a drive of\n"
               " * 0, 0.1, ..., 1): see modalities/fusion/calibrate.c. */\n");
    for (int g = 0; g < SYN_GEN_COUNT; g++) {
        syn_cal c;
        syn_err e = {0};
        if (syn_calibrate((syn_generator)g, &c, &e) < 0) {
            fprintf(stderr, "calibrate %s: %s\n", syn_generator_name((syn_generator)g), e.message);
            fclose(f);
            return 1;
        }
        for (int a = 0; a < SYN_AX_COUNT; a++) {
            if (a == SYN_AX_HUE) continue;
            fprintf(f, "CAL(%s, %s", gen_enum[g], axis_enum[a]);
            for (int k = 0; k < SYN_CAL_POINTS; k++)
                fprintf(f, ", %.3ff", c.m[a][k]);
            fprintf(f, ")\n");
        }
    }
    if (fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
