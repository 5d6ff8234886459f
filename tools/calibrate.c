/* calibrate.c -- `make calibrate`: measures the generators' calibration
 * tables and atlas (modalities/fusion/calibrate.c) and writes them as the
 * C include files that ship them, modalities/fusion/calibration.def and
 * atlas.def.  The atlas's entries are made by one thread per core.
 *
 * Usage: calibrate TABLES.def ATLAS.def
 * Deterministic: the same code writes the same file, so the unit tests can
 * tell when the checked-in tables no longer match the generators. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "syn/fusion.h"
#include "syn/semantic.h"

static const char *const gen_enum[SYN_GEN_COUNT] = {"SYN_GEN_PAINT", "SYN_GEN_MUSIC"};
static const char *const axis_enum[SYN_AX_COUNT] = {
    "SYN_AX_BRIGHTNESS", "SYN_AX_ELEVATION", "SYN_AX_ENERGY",  "SYN_AX_SHARPNESS",
    "SYN_AX_WARMTH",     "SYN_AX_VALENCE",   "SYN_AX_DENSITY", "SYN_AX_HUE",
};

/* The atlas: entries k, k + stride, ... of every generator, per thread. */
typedef struct atlas_job {
    int first, stride, failed;
    float (*made)[SYN_ATLAS_N][SYN_AX_COUNT];
    char why[256];
} atlas_job;

static void *atlas_worker(void *arg)
{
    atlas_job *j = arg;
    for (int g = 0; g < SYN_GEN_COUNT && !j->failed; g++)
        for (int i = j->first; i < SYN_ATLAS_N; i += j->stride) {
            syn_err e = {0};
            if (syn_atlas_measure((syn_generator)g, i, j->made[g][i], &e) < 0) {
                snprintf(j->why, sizeof j->why, "atlas %s entry %d: %s",
                         syn_generator_name((syn_generator)g), i, e.message);
                j->failed = 1;
                break;
            }
        }
    return NULL;
}

static int write_atlas(const char *path)
{
    static float made[SYN_GEN_COUNT][SYN_ATLAS_N][SYN_AX_COUNT];
    enum { MAXT = 16 };
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int nt = cores < 1 ? 1 : cores > MAXT ? MAXT : (int)cores;
    atlas_job jobs[MAXT];
    pthread_t tid[MAXT];
    for (int t = 0; t < nt; t++) {
        jobs[t] = (atlas_job){.first = t, .stride = nt, .made = made};
        if (pthread_create(&tid[t], NULL, atlas_worker, &jobs[t]) != 0) {
            fprintf(stderr, "calibrate: no thread for the atlas\n");
            return -1;
        }
    }
    int failed = 0;
    for (int t = 0; t < nt; t++) {
        pthread_join(tid[t], NULL);
        if (jobs[t].failed) fprintf(stderr, "calibrate: %s\n", jobs[t].why), failed = 1;
    }
    if (failed) return -1;
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    fprintf(f,
            "/* atlas.def -- written by `make calibrate` (tools/calibrate.c); do not edit.\n"
            " * PAINT(...) and MUSIC(...): what the entry's output reads back on each\n"
            " * axis, x 255, for the entries 0 .. %d in order (their drives:\n"
            " * syn_atlas_drive in modalities/fusion/calibrate.c). */\n",
            SYN_ATLAS_N - 1);
    static const char *const macro[SYN_GEN_COUNT] = {"PAINT", "MUSIC"};
    for (int g = 0; g < SYN_GEN_COUNT; g++)
        for (int i = 0; i < SYN_ATLAS_N; i++) {
            fprintf(f, "%s(", macro[g]);
            for (int a = 0; a < SYN_AX_COUNT; a++) {
                float v = made[g][i][a];
                fprintf(f, "%s%d", a ? "," : "", v <= 0 ? 0 : v >= 1 ? 255 : (int)(v * 255 + 0.5f));
            }
            fprintf(f, ")\n");
        }
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TABLES.def ATLAS.def\n", argv[0]);
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
    return write_atlas(argv[2]) < 0 ? 1 : 0;
}
