#!/usr/bin/env bash
# APNs delivery benchmark: Nudge against a local HTTP/2 + TLS sink (nginx
# from Debian, answering 200 with an apns-id header as APNs does), and in
# the same run h2load against the same sink with the same concurrency (2
# connections, up to 1000 streams each). The ratio of the two rates is the
# figure: how close the whole app server (parse the publish, check the
# secret, commit the job, sign, send, record the answer) comes to a bare
# HTTP/2 load generator.
#
#   bench/run_apns.sh [N]      (default 10000; run `make lib` first, or `make bench-apns`)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
for tool in nginx h2load openssl; do
    command -v "$tool" >/dev/null || { echo "bench/run_apns.sh needs $tool: apt-get install nginx-light nghttp2-client openssl" >&2; exit 1; }
done

. bench/sink.sh
start_sink
echo "sink: nginx $(nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$port (HTTP/2, TLS, one worker); $N requests; $(nproc) cores"
out/bench_delivery apns "https://127.0.0.1:$port" "$work/sink.pem" "$work/AuthKey_ABC123DEFG.p8" "$N" | tee "$work/nudge.txt"

printf '{"aps":{"alert":{"body":"New message"},"sound":"default","mutable-content":1},"message-count":1}' > "$work/payload.json"
TIMEFORMAT='%U %S'
{ time h2load -n "$N" -c 2 -m 1000 -d "$work/payload.json" \
    -H 'apns-topic: net.example.bench' -H 'apns-push-type: alert' -H 'apns-priority: 10' \
    -H 'authorization: bearer eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQzEyM0RFRkcifQ.eyJpc3MiOiJERUYxMjNHSElKIiwiaWF0IjoxfQ.c2lnbmF0dXJl' \
    "https://127.0.0.1:$port/3/device/$(printf '%064x' 1)" > "$work/h2load.txt"; } 2> "$work/h2load.cpu"
h2rate=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$work/h2load.txt")
h2ok=$(sed -n 's/.* \([0-9]*\) succeeded.*/\1/p' "$work/h2load.txt")
read -r h2user h2sys < "$work/h2load.cpu"
echo "h2load: $h2ok of $N succeeded at $h2rate req/s; CPU $(echo "$h2user + $h2sys" | bc -l | xargs printf '%.3f') s"
nudge_rate=$(sed -n 's/.* = \([0-9]*\) deliveries\/s.*/\1/p' "$work/nudge.txt")
echo "ratio nudge/h2load: $(echo "$nudge_rate / $h2rate" | bc -l | xargs printf '%.2f')"
