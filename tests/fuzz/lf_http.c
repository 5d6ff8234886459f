/* lf_http.c -- libFuzzer harness: the server's input paths, end to end.
 *
 * LLVMFuzzerInitialize starts the real daemon in-process through the public
 * functions of server.h (srv_config_init/set/finish, srv_http_start) on
 * 127.0.0.1 and a free port, with small limits.  Each input is one POST
 * over a fresh loopback connection (Connection: close); the answer is read
 * to its end with a 10 s bound.  The first byte picks the request line and
 * headers, the rest is the body (README.md, "lf_http"):
 *
 *   bits 0-2  route: /v1/generate/image, /v1/generate/audio,
 *             /v1/generate/text, /v1/embed, /v1/similarity,
 *             /v1/generate/audio with the body sent chunked, /v1/generate/image
 *             with the body sent chunked, /v1/embed chunked
 *   bits 3-5  Content-Type: multipart/form-data; boundary=XyZ,
 *             application/json, image/png, audio/wav, text/plain;
 *             charset=utf-8, application/octet-stream,
 *             multipart/form-data; boundary="XyZ", application/x-www-form-urlencoded
 *   bits 6-7  query: small options (width, height, duration, sample_rate),
 *             none, mode=semantic with small sizes, format=flac
 *
 * An answer must be an HTTP/1.1 status line with one of the statuses the
 * API documents (DESIGN.md section 4), never 500; no answer within 10 s is a
 * hang.  Both abort.  A crash of the server is a crash of this process. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lf_common.h"
#include "server.h"

#define ANSWER_MS 10000 /* a conversion under the small limits takes < 1 s */

static srv_config cfg;
static int port;

static void set(const char *name, const char *value)
{
    syn_err e;
    lf_poison(&e);
    if (srv_config_set(&cfg, name, value, &e) != 1) lf_die(name, &e);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    syn_err e;
    lf_poison(&e);
    if (srv_config_init(&cfg, &e) < 0) lf_die("srv_config_init", &e);
    set("bind", "127.0.0.1");
    set("port", "0");
    set("threads", "2");
    set("max-jobs", "2");
    set("max-body", "1048576");
    set("max-pixels", "65536");
    set("max-audio-in", "2");
    set("max-audio-out", "0.5");
    set("max-out-side", "128");
    set("conn-timeout", "5");
    if (srv_config_finish(&cfg, &e) < 0) lf_die("srv_config_finish", &e);
    srv_metrics_init();
    lf_init_modalities();
    if (srv_http_start(&cfg, &e) < 0) lf_die("srv_http_start", &e);
    port = srv_http_port();
    if (port <= 0) lf_die("no port", NULL);
    return 0;
}

static const char *const paths[] = {
    "/v1/generate/image", "/v1/generate/audio", "/v1/generate/text",  "/v1/embed",
    "/v1/similarity",     "/v1/generate/audio", "/v1/generate/image", "/v1/embed"};
static const char *const ctypes[] = {"multipart/form-data; boundary=XyZ",
                                     "application/json",
                                     "image/png",
                                     "audio/wav",
                                     "text/plain; charset=utf-8",
                                     "application/octet-stream",
                                     "multipart/form-data; boundary=\"XyZ\"",
                                     "application/x-www-form-urlencoded"};
static const char *const queries[] = {"?width=32&height=24&duration=0.25&sample_rate=8000", "",
                                      "?mode=semantic&width=24&height=24&duration=0.2",
                                      "?format=flac&duration=0.1&sample_rate=11025"};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Send all of p (the server may close early after an error: that is fine). */
static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) continue;
            return;
        }
        c += w;
        n -= (size_t)w;
    }
}

static int status_ok(int st)
{
    static const int allowed[] = {200, 304, 400, 401, 404, 405, 411, 413, 415, 422, 429, 503};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (st == allowed[i]) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t sel = data[0];
    const uint8_t *body = data + 1;
    size_t n = size - 1;
    int chunked = (sel & 7) >= 5;

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) lf_die("socket", NULL);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) lf_die("connect", NULL);

    char head[512];
    int hn = snprintf(head, sizeof head,
                      "POST %s%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      "Content-Type: %s\r\n",
                      paths[sel & 7], queries[sel >> 6], ctypes[(sel >> 3) & 7]);
    if (chunked)
        hn += snprintf(head + hn, sizeof head - (size_t)hn, "Transfer-Encoding: chunked\r\n\r\n");
    else
        hn += snprintf(head + hn, sizeof head - (size_t)hn, "Content-Length: %zu\r\n\r\n", n);
    send_all(fd, head, (size_t)hn);
    if (chunked) { /* 1000-byte chunks, then the last, empty one */
        for (size_t off = 0; off < n; off += 1000) {
            size_t k = n - off < 1000 ? n - off : 1000;
            char ch[16];
            int cn = snprintf(ch, sizeof ch, "%zx\r\n", k);
            send_all(fd, ch, (size_t)cn);
            send_all(fd, body + off, k);
            send_all(fd, "\r\n", 2);
        }
        send_all(fd, "0\r\n\r\n", 5);
    } else {
        send_all(fd, body, n);
    }

    /* The answer, to EOF: keep the status line, drop the rest. */
    char first[64] = {0};
    size_t got = 0;
    double t0 = now_ms();
    for (;;) {
        double left = ANSWER_MS - (now_ms() - t0);
        if (left <= 0) {
            fprintf(stderr, "lf_http: no complete answer within %d ms (%zu bytes so far: %.40s)\n",
                    ANSWER_MS, got, first);
            abort();
        }
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int pr = poll(&pf, 1, (int)left + 1);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) continue; /* the deadline check above decides */
        char buf[16384];
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; /* EOF, or a reset after an early error */
        if (got < sizeof first - 1) {
            size_t k = (size_t)r < sizeof first - 1 - got ? (size_t)r : sizeof first - 1 - got;
            memcpy(first + got, buf, k);
        }
        got += (size_t)r;
    }
    close(fd);
    if (got > 0) {
        int st = 0;
        if (sscanf(first, "HTTP/1.1 %3d", &st) != 1 || !status_ok(st)) {
            fprintf(stderr, "lf_http: unexpected answer '%.60s'\n", first);
            abort();
        }
    }
    /* Let the worker finish its bookkeeping before the next input, so that
     * inputs do not overlap (and libFuzzer's per-input leak check sees a
     * quiet server). */
    t0 = now_ms();
    while (srv_http_jobs_in_flight() > 0 && now_ms() - t0 < ANSWER_MS)
        usleep(200);
    return 0;
}
