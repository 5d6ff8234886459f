/* main.c -- entry point: serve, or convert once from the command line.
 *
 *   synesthd [--flag value ...]                      serve (see --help)
 *   synesthd convert INPUT -o OUTPUT [--opt value]   see cli.c
 *
 * Start-up order matters: the modalities (FFTW plans, tables) are set up
 * once, before any thread exists; SIGTERM and SIGINT are blocked before the
 * daemon starts its threads, so that only the main thread receives them in
 * sigwait().  Prints exactly one line on stderr once listening:
 *     synesthd <version>: listening on http://ADDR:PORT
 * (tests parse the real port when --port 0 is used).  On SIGTERM/SIGINT:
 * stop accepting, give in-flight requests shutdown_grace_sec, stop, exit 0. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "server.h"
#include "syn/sandbox.h"

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not kill the server */
    /* A sandboxed decoder (sandbox.h), spawned by the server from this binary. */
    if (argc > 1 && strcmp(argv[1], SYN_SANDBOX_WORKER_ARG) == 0)
        return syn_sandbox_worker_main(argc, argv);
    if (argc > 1 && strcmp(argv[1], "convert") == 0) {
        srv_config cfg;
        if (syn_modalities_init() < 0) {
            fprintf(stderr, "synesthd: cannot initialise the modalities\n");
            return 1;
        }
        int rc = srv_cli_convert(argc - 1, argv + 1, &cfg);
        syn_modalities_fini();
        return rc;
    }

    srv_config cfg;
    srv_config_parse_argv(&cfg, argc, argv); /* exits on --help, --version, errors */
    srv_metrics_init();
    /* every FFT plan now, before the first thread: no request ever plans */
    if (syn_modalities_init() < 0 || syn_modalities_warm() < 0) {
        fprintf(stderr, "synesthd: cannot initialise the modalities\n");
        return 1;
    }
    /* The decoder processes, before the first thread exists. */
    syn_err se = {0};
    if (syn_sandbox_start("/proc/self/exe", &cfg.limits, &se) < 0) {
        fprintf(stderr, "synesthd: %s (%s)\n", se.message, se.hint);
        return 1;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread from here on */

    syn_err e = {0};
    if (srv_http_start(&cfg, &e) < 0) {
        fprintf(stderr, "synesthd: %s (%s)\n", e.message, e.hint);
        syn_modalities_fini();
        return 1;
    }
    int v6 = strchr(cfg.bind, ':') != NULL;
    fprintf(stderr, "synesthd %s: listening on http://%s%s%s:%d\n", SYNESTHD_VERSION, v6 ? "[" : "",
            cfg.bind, v6 ? "]" : "", srv_http_port());

    /* wait for SIGTERM/SIGINT, flushing the access log while waiting */
    struct timespec tick = {0, LOG_FLUSH_MS * 1000000L};
    int sig;
    while ((sig = sigtimedwait(&set, NULL, &tick)) < 0)
        srv_log_flush();
    fprintf(stderr, "synesthd: %s, finishing in-flight requests (up to %d s)\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", cfg.limits.shutdown_grace_sec);
    srv_log_flush();
    int left = srv_http_shutdown(cfg.limits.shutdown_grace_sec);
    srv_log_flush();
    if (left > 0) {
        /* Workers still hold suspended connections: libmicrohttpd cannot be
         * stopped under them, and the modalities cannot be torn down while
         * they run.  The kernel closes the sockets. */
        fprintf(stderr, "synesthd: %d conversions still running after the grace period; exiting\n",
                left);
        fflush(stderr);
        _exit(0);
    }
    syn_sandbox_stop();
    syn_modalities_fini();
    return 0;
}
