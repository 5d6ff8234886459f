#!/usr/bin/env bash
# tests/docker/test_docker.sh -- the Docker showcase and scale-out, really built and run.
#
# No Docker engine here: podman runs the same Dockerfile and compose files.
#   1. base images without a registry: debian:bookworm-slim is debootstrapped
#      from the host's own apt mirror, slimmed like Debian's official slim
#      image and imported once; later runs reuse it (podman image exists);
#   2. podman build of docker/Dockerfile (and docker/nginx.Dockerfile);
#   3. podman run: /healthz, an image converted to a sound through the
#      published 127.0.0.1 port, non-root, HEALTHCHECK, graceful SIGTERM,
#      the image size against README.md's "Image size: N MB" (+-15%);
#   4. docker/compose.yaml with podman-compose: up, answers, read-only root,
#      limits, down;
#   5. docker/compose.scale.yaml with docker-compose against podman's Docker
#      API socket: 2 replicas behind nginx; requests reach both (their
#      /metrics counters); stopping one replica mid-run loses no request.
# Sandbox settings (ulimits, runtime, cgroups, network) come from
# tests/docker/containers.conf via CONTAINERS_CONF; they are not for users.
#
# Only 127.0.0.1 host ports (free ones, picked at run time).  Everything this
# suite starts -- containers, networks, the API service -- is removed on exit,
# failure or not; the base images and the built images stay as a cache.
# Skips (one "ok - ... # SKIP reason" line, lib.sh's skip; with CI set tests/run
# counts it as a failure) only where podman is installed but cannot run a
# container here; a missing tool is a failure naming make deps-test.
# Env: KEEP_TMP=1 keeps the temp dir; SYN_DOCKER_REBASE=1 rebuilds the base.

. "$(dirname "$0")/../lib.sh"

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export CONTAINERS_CONF="$HERE/containers.conf"
RUN_ID="synesthd-t$$"                 # prefix of every container/project name of this run
IMAGE=localhost/synesthd:test
BUILD_STAGE=localhost/synesthd-build:test   # tagged so that pruning keeps its apt layer cached
NGINX_IMAGE=localhost/synesthd-nginx:test
BASE_SLIM=localhost/debian:bookworm-slim
BASE_FULL=localhost/debian:bookworm
SIZE_TOLERANCE=15                     # percent: layer sizes move a little with Debian point releases
STEP_TIMEOUT=240                      # seconds for one build or debootstrap; a cold build is ~1 min
API_SOCK="$TMPD/podman.sock"
API_PID=""

# --- teardown ---------------------------------------------------------------
# Runs before lib.sh's own cleanup (which removes $TMPD and sets the status).
docker_cleanup() {
    local rc=$? ids p
    trap - EXIT
    # Background clients of this suite first (not the API service: compose
    # down below still needs it).
    for p in $(jobs -p); do
        [ "$p" = "$API_PID" ] || kill -TERM "$p" 2>/dev/null
    done
    if command -v podman >/dev/null 2>&1; then
        if [ -n "$API_PID" ] && command -v docker-compose >/dev/null 2>&1; then
            DOCKER_HOST="unix://$API_SOCK" timeout 60 docker-compose -p "$RUN_ID-scale" \
                -f "$ROOT/docker/compose.scale.yaml" down -t 2 >/dev/null 2>&1
        fi
        if command -v podman-compose >/dev/null 2>&1; then
            (cd "$ROOT/docker" && timeout 60 podman-compose -p "$RUN_ID-compose" \
                -f compose.yaml down -t 2) >/dev/null 2>&1
        fi
        # Whatever a compose tool left behind: containers, then networks.
        ids="$(podman ps -aq --filter "name=$RUN_ID" 2>/dev/null)"
        [ -n "$ids" ] && timeout 60 podman rm -f -t 2 $ids >/dev/null 2>&1
        for n in $(podman network ls -q --filter "name=$RUN_ID" 2>/dev/null); do
            timeout 30 podman network rm -f "$n" >/dev/null 2>&1
        done
        podman image prune -f >/dev/null 2>&1   # dangling layers of replaced builds
    fi
    if [ -n "$API_PID" ]; then
        kill -TERM "$API_PID" 2>/dev/null
        _wait_bounded "$API_PID" 10
    fi
    (exit "$rc")
    _lib_cleanup
}
trap docker_cleanup EXIT

# --- helpers ------------------------------------------------------------------
free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL SECS: 0 when URL answers 200 within SECS seconds.
wait_http() {
    local url=$1 secs=$2 i s
    for i in $(seq 1 $((secs * 4))); do   # 4 polls a second
        s="$(curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)"
        [ "$s" = 200 ] && return 0
        sleep 0.25
    done
    return 1
}

# in_container CID PATH: GET http://127.0.0.1:8080PATH from inside the
# container (the slim image has no curl: bash's /dev/tcp), body on stdout.
in_container() {
    timeout 20 podman exec "$1" /bin/bash -c \
        'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET %s HTTP/1.0\r\n\r\n" "$1" >&3 && cat <&3' _ "$2" \
        2>/dev/null | tr -d '\r' | sed '1,/^$/d'
}

# gen_count METRICS_TEXT: sum of synesthd_requests_total for the generate
# routes with status 200.
gen_count() {
    awk '/^synesthd_requests_total\{/ && /route="[^"]*generate[^"]*"/ && /status="200"/ { s += $NF }
         END { print s + 0 }'
}

# post_audio URL PNG OUT [QUERY]: one conversion; prints "STATUS KIND".
post_audio() {
    local s
    s="$(curl -sS --max-time "$CURL_MAX_TIME" -o "$3" -w '%{http_code}' \
        --data-binary @"$2" -H 'Content-Type: image/png' "$1/v1/generate/audio?${4:-}" 2>/dev/null)"
    printf '%s %s\n' "${s:-000}" "$(body_kind "$3")"
}

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# The first Debian mirror the host's apt sources name for bookworm.
host_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             /(^|\n)Suites:[^\n]*(^|[ \t])bookworm([ \t]|$|\n)/ && !/Enabled: *no/ {
                 for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { split($i, u, /[ \t]+/); print u[2]; exit }
             }' "$f"
    done
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk '$1 == "deb" { u = $2; if (u ~ /^\[/) u = $3; for (i = 2; i <= NF; i++) if ($i == "bookworm") { print u; break } }'
}

# --- 0. can podman run here? ---------------------------------------------------
missing=""
for tool in podman debootstrap podman-compose docker-compose curl; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
# /usr/sbin is not on every user's PATH; netavark finds iptables there.
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || missing="$missing iptables"
if [ -n "$missing" ]; then
    not_ok "container tools installed" "missing:$missing (make deps-test installs podman buildah fuse-overlayfs slirp4netns uidmap debootstrap crun runc netavark aardvark-dns iptables podman-compose docker-compose)"
    done_testing
fi
if ! podman_info="$(timeout 60 podman info 2>&1)"; then
    skip "docker suite" "podman cannot run here: $(printf '%s' "$podman_info" | tail -n 3 | tr '\n' ' ')"
    done_testing
fi
note "podman $(podman version --format '{{.Client.Version}}' 2>/dev/null), $(nproc) CPUs"

# --- 1. base images, once ------------------------------------------------------
if [ -n "${SYN_DOCKER_REBASE:-}" ]; then
    podman rmi -f "$BASE_SLIM" "$BASE_FULL" >/dev/null 2>&1
fi
if podman image exists "$BASE_SLIM"; then
    note "base image $BASE_SLIM cached"
else
    mirror="$(host_mirror | head -n 1)"
    if [ -z "$mirror" ]; then
        not_ok "base image from the host's mirror" "no bookworm mirror in /etc/apt/sources.list*"
        done_testing
    fi
    t0=$(date +%s.%N)
    root="$TMPD/rootfs"
    if ! timeout "$STEP_TIMEOUT" debootstrap --variant=minbase bookworm "$root" "$mirror" >"$TMPD/debootstrap.log" 2>&1; then
        not_ok "debootstrap bookworm from $mirror" "$(tail -n 5 "$TMPD/debootstrap.log" | tr '\n' '|')"
        done_testing
    fi
    # apt inside RUN must reach the same mirror, with the host's apt settings.
    rm -f "$root/etc/apt/sources.list"
    cp -a /etc/apt/sources.list.d/. "$root/etc/apt/sources.list.d/" 2>/dev/null
    [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/"
    cp -a /etc/apt/apt.conf.d/. "$root/etc/apt/apt.conf.d/" 2>/dev/null
    # "slim" as Debian's official image is slim: no docs, manuals or
    # translations, now or in later apt installs; no package caches.
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null
    rm -rf "$root"/usr/share/man/* "$root"/usr/share/groff/* "$root"/usr/share/info/* \
        "$root"/usr/share/lintian/* "$root"/usr/share/linda/* "$root"/usr/share/locale/* \
        "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
        "$root"/var/log/apt/* "$root"/var/log/dpkg.log "$root"/var/log/bootstrap.log
    if tar -C "$root" -c . | timeout "$STEP_TIMEOUT" podman import - "$BASE_SLIM" >"$TMPD/import.log" 2>&1 &&
        podman tag "$BASE_SLIM" "$BASE_FULL"; then
        ok "base image debootstrapped from $mirror and imported ($(elapsed "$t0")s)"
    else
        not_ok "base image imported" "$(tail -n 5 "$TMPD/import.log" | tr '\n' '|')"
        done_testing
    fi
    rm -rf "$root"
fi
podman image exists "$BASE_FULL" || podman tag "$BASE_SLIM" "$BASE_FULL"

# A trivial container proves the sandbox lets podman run at all.
if ! probe="$(timeout 60 podman run --rm --pull=never "$BASE_SLIM" true 2>&1)"; then
    skip "docker suite" "podman cannot run a container here: $(printf '%s' "$probe" | tail -n 3 | tr '\n' ' ')"
    done_testing
fi

# --- 2. build ----------------------------------------------------------------------
t0=$(date +%s.%N)
# --format docker: the OCI format has no HEALTHCHECK.  The build stage is
# built and tagged first; the second command reuses its layers.
if (cd "$ROOT" && timeout "$STEP_TIMEOUT" podman build --pull=never --format docker \
    -f docker/Dockerfile --target build -t "$BUILD_STAGE" . &&
    timeout "$STEP_TIMEOUT" podman build --pull=never --format docker \
    -f docker/Dockerfile -t "$IMAGE" .) >"$TMPD/build.log" 2>&1; then
    BUILD_SECS=$(elapsed "$t0")
    ok "docker/Dockerfile builds (${BUILD_SECS}s)"
else
    not_ok "docker/Dockerfile builds" "$(tail -n 15 "$TMPD/build.log" | tr '\n' '|')"
    done_testing
fi
t0=$(date +%s.%N)
if (cd "$ROOT/docker" && timeout "$STEP_TIMEOUT" podman build --pull=never --format docker \
    -f nginx.Dockerfile -t "$NGINX_IMAGE" .) >"$TMPD/build-nginx.log" 2>&1; then
    ok "docker/nginx.Dockerfile builds ($(elapsed "$t0")s)"
else
    not_ok "docker/nginx.Dockerfile builds" "$(tail -n 15 "$TMPD/build-nginx.log" | tr '\n' '|')"
fi

# --- 3. the image --------------------------------------------------------------------
size_bytes="$(podman image inspect --format '{{.Size}}' "$IMAGE" 2>/dev/null)"
size_mb=$(( (${size_bytes:-0} + 500000) / 1000000 ))   # MB as docker/podman print them (10^6)
note "image $IMAGE: $size_mb MB ($size_bytes bytes)"
readme_mb="$(sed -n 's/.*Image size: \([0-9][0-9]*\) MB.*/\1/p' "$ROOT/README.md" 2>/dev/null | head -n 1)"
if [ -z "$readme_mb" ]; then
    not_ok "image size matches README" "README.md has no 'Image size: N MB' line; measured $size_mb MB"
elif awk -v m="$size_mb" -v r="$readme_mb" -v t="$SIZE_TOLERANCE" \
    'BEGIN { d = m - r; if (d < 0) d = -d; exit !(d * 100 <= t * r) }'; then
    ok "image size $size_mb MB matches README's $readme_mb MB (+-$SIZE_TOLERANCE%)"
else
    not_ok "image size matches README" "measured $size_mb MB, README says $readme_mb MB (+-$SIZE_TOLERANCE%)"
fi

cfg_user="$(podman image inspect --format '{{.Config.User}}' "$IMAGE" 2>/dev/null)"
run_uid="$(timeout 60 podman run --rm --pull=never --entrypoint id "$IMAGE" -u 2>/dev/null)"
if [ -n "$cfg_user" ] && [ "${cfg_user%%:*}" != 0 ] && [ "${cfg_user%%:*}" != root ] &&
    [ -n "$run_uid" ] && [ "$run_uid" != 0 ]; then
    ok "image runs as non-root (USER $cfg_user, uid $run_uid)"
else
    not_ok "image runs as non-root" "USER '$cfg_user', id -u in the container '$run_uid'"
fi
hc="$(podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" 2>/dev/null)"
check "image has a HEALTHCHECK on /healthz" "Healthcheck: $hc" grep -q healthz <<<"$hc"
expose="$(podman image inspect --format '{{json .Config.ExposedPorts}}' "$IMAGE" 2>/dev/null)"
check "image exposes 8080" "ExposedPorts: $expose" grep -q '8080/tcp' <<<"$expose"

PNG="$TMPD/in.png"
make_png "$PNG" 96 64
port="$(free_port)"
cid="$(timeout 60 podman run -d --pull=never --name "$RUN_ID-run" -p "127.0.0.1:$port:8080" "$IMAGE" 2>"$TMPD/run.err")"
if [ -z "$cid" ]; then
    not_ok "podman run" "$(tail -n 5 "$TMPD/run.err" | tr '\n' '|')"
elif ! wait_http "http://127.0.0.1:$port/healthz" 20; then
    not_ok "container answers /healthz on 127.0.0.1:$port" "no 200 within 20 s; log: $(podman logs "$cid" 2>&1 | tail -n 5 | tr '\n' '|')"
else
    req GET "http://127.0.0.1:$port/healthz"
    if [ "$STATUS" = 200 ] && [ "$(ctype)" = application/json ]; then
        ok "container answers /healthz with JSON on 127.0.0.1:$port"
    else
        not_ok "container answers /healthz with JSON" "status $STATUS, type $(ctype)"
    fi
    check "server binds 0.0.0.0 inside the container" "log: $(podman logs "$cid" 2>&1 | head -n 3 | tr '\n' '|')" \
        bash -c "podman logs '$cid' 2>&1 | grep -q 'listening on http://0.0.0.0:8080'"
    req POST "http://127.0.0.1:$port/v1/generate/audio" --data-binary @"$PNG" -H 'Content-Type: image/png'
    if [ "$STATUS" = 200 ] && why="$(whole_200 wav)" && [ "$(ctype)" = audio/wav ]; then
        ok "container converts a PNG to a WAV through the published port ($(body_size) bytes)"
    else
        not_ok "container converts a PNG to a WAV" "status $STATUS, type $(ctype), ${why:-}: $(head -c 200 "$BODY" | tr '\n' ' ')"
    fi
    ps_user="$(podman top "$cid" user 2>/dev/null | sed -n 2p | tr -d ' ')"
    check "the running server is not root (podman top: $ps_user)" "user '$ps_user'" \
        test -n "$ps_user" -a "$ps_user" != root -a "$ps_user" != 0
    check "HEALTHCHECK command passes in the slim image" "podman healthcheck run failed" \
        timeout 20 podman healthcheck run "$cid"
    # Graceful stop: a request in flight when SIGTERM arrives still completes.
    # Its body is uploaded at 100 kB/s, so that it is surely in flight: the
    # 512x512 noise PNG (~260 kB) takes about 2.6 s to arrive.
    make_png "$TMPD/heavy.png" 512 512
    curl -sS --max-time 60 --limit-rate 100k -o "$TMPD/heavy.out" -w '%{http_code}' --data-binary @"$TMPD/heavy.png" \
        -H 'Content-Type: image/png' "http://127.0.0.1:$port/v1/generate/audio" >"$TMPD/heavy.status" 2>/dev/null &
    curl_pid=$!
    sleep 0.5   # the upload has begun
    t0=$(date +%s.%N)
    timeout 60 podman stop -t 15 "$cid" >/dev/null 2>&1
    stop_secs=$(elapsed "$t0")
    _wait_bounded "$curl_pid" 60
    stop_rc="$(podman inspect --format '{{.State.ExitCode}}' "$cid" 2>/dev/null)"
    hs="$(cat "$TMPD/heavy.status" 2>/dev/null)"
    if [ "$hs" = 200 ] && [ "$(body_kind "$TMPD/heavy.out")" = wav ] && [ "$stop_rc" = 0 ] &&
        podman logs "$cid" 2>&1 | grep -q 'SIGTERM'; then
        ok "podman stop: the in-flight upload completes (200 WAV), the server exits 0 after ${stop_secs}s"
    else
        not_ok "podman stop is graceful" "in-flight status '$hs' ($(body_kind "$TMPD/heavy.out")), exit code '$stop_rc'; log: $(podman logs "$cid" 2>&1 | tail -n 4 | tr '\n' '|')"
    fi
fi
[ -n "$cid" ] && timeout 60 podman rm -f -t 2 "$cid" >/dev/null 2>&1

# --- 4. compose.yaml (podman-compose) ----------------------------------------------
port="$(free_port)"
export SYNESTHD_IMAGE="$IMAGE" NGINX_IMAGE PUBLISH_ADDR=127.0.0.1 PUBLISH_PORT="$port"
if (cd "$ROOT/docker" && timeout 120 podman-compose -p "$RUN_ID-compose" -f compose.yaml up -d) \
    >"$TMPD/compose.log" 2>&1 && wait_http "http://127.0.0.1:$port/healthz" 20; then
    ok "compose.yaml comes up and answers /healthz on 127.0.0.1:$port"
    req POST "http://127.0.0.1:$port/v1/generate/audio" --data-binary @"$PNG" -H 'Content-Type: image/png'
    if [ "$STATUS" = 200 ] && why="$(whole_200 wav)"; then
        ok "compose.yaml service converts a PNG to a WAV"
    else
        not_ok "compose.yaml service converts a PNG to a WAV" "status $STATUS ${why:-}"
    fi
    ccid="$(podman ps -q --filter "name=$RUN_ID-compose" | head -n 1)"
    insp="$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}' "$ccid" 2>/dev/null)"
    read -r ro cpus mem restart <<<"$insp"
    check "compose.yaml: read-only root, CPU and memory limits, restart unless-stopped" \
        "ReadonlyRootfs/NanoCpus/Memory/Restart = $insp" \
        test "$ro" = true -a "${cpus:-0}" -gt 0 -a "${mem:-0}" -gt 0 -a "$restart" = unless-stopped
    env="$(podman inspect --format '{{join .Config.Env " "}}' "$ccid" 2>/dev/null)"
    check "compose.yaml passes the limits as SYNESTHD_* variables" "Env: $env" \
        grep -q 'SYNESTHD_MAX_BODY=32M' <<<"$env"
    jobs="$(in_container "$ccid" /v1 | "$PY" -c '
import json, sys
print([l["value"] for l in json.load(sys.stdin)["limits"] if l.get("env") == "SYNESTHD_MAX_JOBS"][0])' 2>&1)"
    check "the server inside reports the compose limit (GET /v1: max-jobs 4)" "max-jobs: $(head -c 300 <<<"$jobs")" \
        test "$jobs" = 4
    check "/tmp is a writable tmpfs, / is read-only" "podman exec checks failed" \
        timeout 20 podman exec "$ccid" /bin/bash -c 'touch /tmp/x && ! touch /x 2>/dev/null'
else
    not_ok "compose.yaml comes up and answers /healthz" "$(tail -n 8 "$TMPD/compose.log" | tr '\n' '|')"
fi
if (cd "$ROOT/docker" && timeout 120 podman-compose -p "$RUN_ID-compose" -f compose.yaml down -t 15) \
    >>"$TMPD/compose.log" 2>&1 && [ -z "$(podman ps -aq --filter "name=$RUN_ID-compose")" ]; then
    ok "compose.yaml comes down, no container left"
else
    not_ok "compose.yaml comes down" "$(podman ps -a --filter "name=$RUN_ID-compose" --format '{{.Names}} {{.Status}}' | tr '\n' '|')"
fi

# --- 5. scale-out: docker-compose, 2 replicas behind nginx ------------------------
podman system service --time=0 "unix://$API_SOCK" >"$TMPD/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 40); do [ -S "$API_SOCK" ] && break; sleep 0.25; done   # 10 s bound
export DOCKER_HOST="unix://$API_SOCK"
port="$(free_port)"
export PUBLISH_PORT="$port"
SCALE=(timeout 180 docker-compose -p "$RUN_ID-scale" -f "$ROOT/docker/compose.scale.yaml")
LB="http://127.0.0.1:$port"
if "${SCALE[@]}" up -d --build --scale synesthd=2 >"$TMPD/scale.log" 2>&1 &&
    wait_http "$LB/healthz" 30; then
    ok "compose.scale.yaml comes up: nginx answers on 127.0.0.1:$port"
    mapfile -t reps < <(podman ps -q --filter "label=com.docker.compose.project=$RUN_ID-scale" \
        --filter "label=com.docker.compose.service=synesthd")
    check "2 replicas run" "replicas: ${#reps[@]}" test "${#reps[@]}" = 2
    if [ "${#reps[@]}" = 2 ]; then
        a0="$(in_container "${reps[0]}" /metrics | gen_count)"
        b0="$(in_container "${reps[1]}" /metrics | gen_count)"
        N=12   # conversions through nginx; round-robin gives each replica about half
        good=0
        for i in $(seq 1 $N); do
            r="$(post_audio "$LB" "$PNG" "$TMPD/lb.$i")"
            [ "$r" = "200 wav" ] && good=$((good + 1))
        done
        a1="$(in_container "${reps[0]}" /metrics | gen_count)"
        b1="$(in_container "${reps[1]}" /metrics | gen_count)"
        da=$((a1 - a0)) db=$((b1 - b0))
        check "$N conversions through nginx all succeed" "$good of $N" test "$good" = "$N"
        check "requests reach both replicas (/metrics: $da and $db)" "replica counters grew by $da and $db" \
            test "$da" -gt 0 -a "$db" -gt 0 -a $((da + db)) = "$N"

        # Stop one replica while 2 clients keep converting through nginx.  Two,
        # not more: the replica left alone runs SYNESTHD_MAX_JOBS=2 at once and
        # answers 503 beyond (back-pressure, passed on to the client).
        # Each request is 60 s of 192 kHz noise as FLAC: about half a second
        # of CPU, so that one is running on the replica when it gets SIGTERM.
        make_png "$TMPD/mid.png" 256 256
        rm -f "$TMPD"/load.*
        for c in 1 2; do
            (
                for i in $(seq 1 15); do
                    post_audio "$LB" "$TMPD/mid.png" "$TMPD/load.$c.$i.out" \
                        "duration=60&sample_rate=192000&synthesis=noise&format=flac" >>"$TMPD/load.$c"
                done
            ) &
            eval "load_$c=\$!"
        done
        # Stop it while it runs a conversion (its jobs_in_flight gauge), 10 s bound.
        inflight=0
        for _ in $(seq 1 40); do
            inflight="$(in_container "${reps[0]}" /metrics | awk '$1 == "synesthd_jobs_in_flight" { print $2 + 0 }')"
            [ "${inflight:-0}" -gt 0 ] && break
            sleep 0.25
        done
        t0=$(date +%s.%N)
        timeout 60 podman stop -t 15 "${reps[0]}" >/dev/null 2>&1
        stop_secs=$(elapsed "$t0")
        for c in 1 2; do eval "_wait_bounded \$load_$c 120"; done
        total="$(cat "$TMPD"/load.[12] 2>/dev/null | wc -l)"
        good="$(grep -c '^200 flac$' "$TMPD"/load.[12] 2>/dev/null | awk -F: '{ s += $NF } END { print s + 0 }')"
        bad="$(grep -hv '^200 flac$' "$TMPD"/load.[12] 2>/dev/null | sort | uniq -c | tr '\n' ' ')"
        stop_rc="$(podman inspect --format '{{.State.ExitCode}}' "${reps[0]}" 2>/dev/null)"
        check "stopping a replica mid-run loses no request ($good of 30 ok; ${inflight:-0} in flight on it, stop took ${stop_secs}s)" \
            "$total answered, $good ok; others: $bad" test "$total" = 30 -a "$good" = 30
        check "the stopped replica exited 0 (graceful SIGTERM)" "exit code '$stop_rc'; log: $(podman logs "${reps[0]}" 2>&1 | tail -n 3 | tr '\n' '|')" \
            test "$stop_rc" = 0
        b2="$(in_container "${reps[1]}" /metrics | gen_count)"
        check "the other replica took over (its counter +$((b2 - b1)))" "counter $b1 -> $b2" test "$b2" -gt "$b1"
    fi
else
    not_ok "compose.scale.yaml comes up with nginx answering" "$(tail -n 8 "$TMPD/scale.log" | tr '\n' '|')"
fi
if "${SCALE[@]}" down -t 15 >>"$TMPD/scale.log" 2>&1 &&
    [ -z "$(podman ps -aq --filter "label=com.docker.compose.project=$RUN_ID-scale")" ]; then
    ok "compose.scale.yaml comes down, no container left"
else
    not_ok "compose.scale.yaml comes down" "$(tail -n 4 "$TMPD/scale.log" | tr '\n' '|')"
fi

# --- 6. Kubernetes manifests: valid YAML with the probes ---------------------------
if "$PY" -c 'import yaml' 2>/dev/null; then
    why="$("$PY" - "$ROOT"/docker/k8s/*.yaml <<'EOF'
import sys, yaml
kinds = {}
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc:
            kinds.setdefault(doc.get("kind"), []).append(doc)
for k in ("Deployment", "Service", "HorizontalPodAutoscaler"):
    if k not in kinds:
        print("no %s" % k); sys.exit(1)
c = kinds["Deployment"][0]["spec"]["template"]["spec"]["containers"][0]
for probe in ("livenessProbe", "readinessProbe"):
    if c.get(probe, {}).get("httpGet", {}).get("path") != "/healthz":
        print("%s is not an httpGet on /healthz" % probe); sys.exit(1)
EOF
)" && ok "docker/k8s: Deployment, Service, HPA; liveness and readiness on /healthz" ||
        not_ok "docker/k8s manifests" "$why"
else
    not_ok "docker/k8s manifests" "python3-yaml is missing (make deps-test installs it)"
fi

done_testing
