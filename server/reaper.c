/* reaper.c -- slow and half-closed connections.
 *
 * MHD_OPTION_CONNECTION_TIMEOUT is an inactivity timeout only, so every
 * connection is also tracked here, with its phase and the time the phase
 * began: http.c reports a connection's life (srv_conn_open at NOTIFY
 * _CONNECTION, srv_conn_phase as its requests go through the lifecycle,
 * srv_conn_close before libmicrohttpd closes the socket), and a reaper
 * thread shuts down the socket of a connection whose header takes longer
 * than header_timeout_sec (an idle keep-alive connection counts as a header
 * in progress), whose body averages less than min_body_rate after
 * header_timeout_sec, or whose client half-closed in the header or body
 * phase (0.9.75 leaves those in CLOSE-WAIT until the idle timeout).  Above
 * 3/4 of max_connections, header-phase connections older than 1 s go first.
 *
 * A shut-down socket is seen by libmicrohttpd as an error: it closes the
 * connection and frees it, so this file never touches libmicrohttpd.  Each
 * reap is counted in /metrics (srv_metrics_reaped). */
#define _GNU_SOURCE /* POLLRDHUP */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include "server.h"

/* The reaper's period: slow clients are cut within 150 ms of their
 * deadline, and a pass over 512 connections costs a few microseconds. */
#define REAP_PERIOD_MS 150
/* Under pressure a header still unfinished after 1 s is not a real client
 * on any network this demo serves (one round trip sends it). */
#define PRESSURE_HEADER_MS 1000

/* One tracked connection (http.c keeps it as the socket_context of
 * NOTIFY_CONNECTION).  The phase fields are written by the MHD thread that
 * owns the connection and read by the reaper; the list links and `hup`
 * belong to the table mutex. */
struct srv_conn {
    struct srv_conn *prev, *next;
    int fd;                     /* -1: unknown, never reaped               */
    _Atomic int phase;          /* srv_conn_phase                          */
    _Atomic long long since_ms; /* CLOCK_MONOTONIC ms when the phase began */
    _Atomic size_t body_bytes;  /* body bytes received in the body phase   */
    int hup;                    /* half-close seen on the previous pass    */
    int reaped;                 /* shut down already; MHD closes it soon   */
};

static pthread_mutex_t track_mu = PTHREAD_MUTEX_INITIALIZER;
static srv_conn *track_head;
static int track_n;
static const syn_limits *limits_;
static pthread_t reaper_tid;
static int reaper_started;
static atomic_int reaper_stop_;

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void srv_conn_set_phase(srv_conn *t, srv_conn_phase phase)
{
    if (!t) return;
    atomic_store(&t->since_ms, now_ms());
    atomic_store(&t->body_bytes, 0);
    atomic_store(&t->phase, (int)phase);
}

void srv_conn_body(srv_conn *t, size_t n)
{
    if (t) atomic_fetch_add(&t->body_bytes, n);
}

srv_conn *srv_conn_open(int fd)
{
    srv_conn *t = calloc(1, sizeof *t);
    if (!t) return NULL; /* untracked: only the idle timeout applies */
    t->fd = fd;
    srv_conn_set_phase(t, SRV_PH_HEADER);
    pthread_mutex_lock(&track_mu);
    t->next = track_head;
    if (track_head) track_head->prev = t;
    track_head = t;
    track_n++;
    pthread_mutex_unlock(&track_mu);
    return t;
}

void srv_conn_close(srv_conn *t)
{
    if (!t) return;
    /* Unlinked under the mutex before MHD closes the fd: the reaper never
     * shuts down a number that the kernel has already given to another. */
    pthread_mutex_lock(&track_mu);
    if (t->prev)
        t->prev->next = t->next;
    else
        track_head = t->next;
    if (t->next) t->next->prev = t->prev;
    track_n--;
    pthread_mutex_unlock(&track_mu);
    free(t);
}

static void reap(srv_conn *t, srv_reap_reason why)
{
    shutdown(t->fd, SHUT_RDWR); /* MHD sees the error, closes and frees it */
    t->reaped = 1;
    srv_metrics_reaped(why);
}

static void reap_pass(struct pollfd **pf, srv_conn ***who, int *room)
{
    const syn_limits *l = limits_;
    long long now = now_ms(), header_ms = (long long)l->header_timeout_sec * 1000;
    pthread_mutex_lock(&track_mu);
    if (track_n > *room) {
        int nroom = track_n * 2;
        struct pollfd *np = realloc(*pf, sizeof **pf * (size_t)nroom);
        if (np) *pf = np;
        srv_conn **nw = realloc(*who, sizeof **who * (size_t)nroom);
        if (nw) *who = nw;
        if (np && nw) *room = nroom;
    }
    int pressure = track_n > l->max_connections / 4 * 3, n = 0;
    for (srv_conn *t = track_head; t; t = t->next) {
        if (t->reaped || t->fd < 0) continue;
        int ph = atomic_load(&t->phase);
        long long age = now - atomic_load(&t->since_ms);
        if (ph == SRV_PH_HEADER && age > header_ms) {
            reap(t, SRV_REAP_HEADER);
        } else if (ph == SRV_PH_HEADER && pressure && age > PRESSURE_HEADER_MS) {
            reap(t, SRV_REAP_PRESSURE);
        } else if (ph == SRV_PH_BODY && age > header_ms &&
                   (double)atomic_load(&t->body_bytes) < (double)l->min_body_rate * age / 1000.0) {
            reap(t, SRV_REAP_SLOW_BODY);
        } else if ((ph == SRV_PH_HEADER || ph == SRV_PH_BODY) && n < *room) {
            (*pf)[n] = (struct pollfd){.fd = t->fd, .events = POLLRDHUP};
            (*who)[n++] = t;
        }
    }
    if (n > 0 && poll(*pf, (nfds_t)n, 0) > 0) {
        for (int i = 0; i < n; i++) {
            srv_conn *t = (*who)[i];
            int hung = ((*pf)[i].revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
            int unread = 0;
            /* Bytes still unread: MHD has not seen the end of what the
             * client sent (a whole request followed by a FIN is legal); and
             * a FIN must be seen on two passes with the phase unchanged, so
             * a request MHD is about to hand to on_request is never cut. */
            if (hung && ioctl(t->fd, FIONREAD, &unread) == 0 && unread == 0) {
                if (t->hup)
                    reap(t, SRV_REAP_HALF_CLOSED);
                else
                    t->hup = 1;
            } else {
                t->hup = 0;
            }
        }
    } else {
        for (int i = 0; i < n; i++)
            (*who)[i]->hup = 0;
    }
    pthread_mutex_unlock(&track_mu);
}

static void *reaper_main(void *arg)
{
    (void)arg;
    struct pollfd *pf = NULL;
    srv_conn **who = NULL;
    int room = 0;
    struct timespec nap = {0, REAP_PERIOD_MS * 1000000L};
    while (!atomic_load(&reaper_stop_)) {
        nanosleep(&nap, NULL);
        reap_pass(&pf, &who, &room);
    }
    free(pf);
    free(who);
    return NULL;
}

int srv_reaper_start(const syn_limits *l, syn_err *e)
{
    limits_ = l;
    atomic_store(&reaper_stop_, 0);
    int err = pthread_create(&reaper_tid, NULL, reaper_main, NULL);
    if (err)
        return syn_fail(e, SYN_E_INTERNAL, "", "cannot start the reaper thread: %s", strerror(err));
    reaper_started = 1;
    return 0;
}

void srv_reaper_stop(void)
{
    if (!reaper_started) return;
    atomic_store(&reaper_stop_, 1);
    pthread_join(reaper_tid, NULL);
    reaper_started = 0;
}
