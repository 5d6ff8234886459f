/* health.c -- GET /healthz: liveness, version and uptime.
 *
 * The hot path of load balancers and of wrk: one small jansson object, no
 * locks.  Returns {"status":"ok","version":"...","uptime_s":N}. */
#include <jansson.h>
#include "server.h"

void srv_health_handler(srv_request *rq, srv_reply *rp, const char *arg)
{
    (void)rq;
    (void)arg;
    srv_reply_json(rp, 200,
                   json_pack("{s:s,s:s,s:f}", "status", "ok", "version", SYNESTHD_VERSION,
                             "uptime_s", srv_uptime_sec()));
}
