/* sandbox_bench.c -- the cost of decoding in a sandboxed worker, measured
 * against decoding in-process on the same inputs in the same run.
 *
 *   sandbox_bench SERVER_BIN FILE...   (make bench; prints one line a file)
 *
 * For each file: the modality's whole decode (pre-checks, the library in
 * the worker or in-process, the planes back, our grid) N times each way,
 * in-process calls on both sides of the sandboxed ones so that a drift
 * in the machine's load hits both; the median per
 * call of each, and the difference, which is the sandbox's overhead.
 * Prints: file, bytes, in-process ms, sandboxed ms, overhead ms, calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "syn/modality.h"
#include "syn/sandbox.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double one(const syn_modality *m, const uint8_t *p, size_t n, const syn_decode_ctx *ctx)
{
    syn_latent l;
    syn_err e;
    double t0 = now_us();
    int rc = m->decode(p, n, ctx, &l, &e);
    double t1 = now_us();
    if (rc < 0) {
        fprintf(stderr, "sandbox_bench: decode failed: %s\n", e.message);
        exit(1);
    }
    syn_latent_free(&l);
    return t1 - t0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sandbox_bench SERVER_BIN FILE...\n");
        return 2;
    }
    if (syn_modalities_init() < 0 || syn_modalities_warm() < 0) return 1;
    syn_limits lim;
    syn_limits_default(&lim);
    lim.decoders = 1;
    lim.decoder_memory = lim.max_request_memory + (256u << 20);
    syn_opts o;
    syn_opts_default(&o);
    o.mode = SYN_MODE_SPECTRAL;
    syn_decode_ctx ctx = {
        .opts = &o, .limits = &lim, .target = NULL, .want_grid = 1, .want_sem = 0};
    for (int f = 2; f < argc; f++) {
        FILE *fp = fopen(argv[f], "rb");
        if (!fp) return 1;
        fseek(fp, 0, SEEK_END);
        long n = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        uint8_t *p = malloc((size_t)n);
        if (!p || fread(p, 1, (size_t)n, fp) != (size_t)n) return 1;
        fclose(fp);
        const syn_modality *m = syn_modality_sniff(p, (size_t)n);
        if (!m) return 1;
        ctx.target = syn_modality_by_name(m == syn_modality_by_name("image") ? "audio" : "image");
        /* ~2 s per file and way, at least 5 and at most 2000 calls */
        double probe = one(m, p, (size_t)n, &ctx);
        int reps = probe > 0 ? (int)(1e6 / probe) : 2000;
        if (reps < 5) reps = 5;
        if (reps > 2000) reps = 2000;
        double *in = malloc(sizeof(double) * reps), *sb = malloc(sizeof(double) * reps);
        int ni = 0, ns = 0;
        syn_err e;
        /* in-process, then the same calls through one warm worker (as in the
         * server, where a worker serves decoder_max_decodes inputs), then
         * in-process again: half the in-process calls on each side */
        for (int i = 0; i < reps / 2; i++)
            in[ni++] = one(m, p, (size_t)n, &ctx);
        if (syn_sandbox_start(argv[1], &lim, &e) < 0) {
            fprintf(stderr, "sandbox_bench: %s\n", e.message);
            return 1;
        }
        for (int i = 0; i < 3; i++) /* the worker's heap and libraries warm up */
            one(m, p, (size_t)n, &ctx);
        for (int i = 0; i < reps; i++)
            sb[ns++] = one(m, p, (size_t)n, &ctx);
        syn_sandbox_stop();
        while (ni < reps)
            in[ni++] = one(m, p, (size_t)n, &ctx);
        qsort(in, ni, sizeof *in, cmp);
        qsort(sb, ns, sizeof *sb, cmp);
        double mi = in[ni / 2], ms = sb[ns / 2];
        const char *name = strrchr(argv[f], '/') ? strrchr(argv[f], '/') + 1 : argv[f];
        printf("%s\t%ld\t%.3f\t%.3f\t%.3f\t%d\n", name, n, mi / 1e3, ms / 1e3, (ms - mi) / 1e3, ns);
        free(in);
        free(sb);
        free(p);
    }
    syn_modalities_fini();
    return 0;
}
