#!/usr/bin/env bash
# Web Push benchmark: messages encrypted (RFC 8291: a fresh P-256 sender
# key, ECDH, HKDF and AES-128-GCM per message) and sent per second with
# Nudge pinned to one core, against the nginx sink of bench/sink.sh on the
# other; and in the same run the machine's own limit for the dominant cost,
# `openssl speed ecdhp256` on the same core. Each message needs one key
# generation and one ECDH derivation, so the ratio shows how much of a core
# goes to the crypto that cannot be avoided.
#
#   bench/run_webpush.sh [N]     (default 10000; `make bench-webpush` builds first)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
for tool in nginx openssl taskset bc python3; do
    command -v "$tool" >/dev/null || { echo "bench/run_webpush.sh needs $tool: apt-get install nginx-light openssl util-linux bc" >&2; exit 1; }
done
. bench/sink.sh
start_sink
cores=$(nproc)
nudge_core=0
[ "$cores" -gt 1 ] && sink_core=1 || sink_core=0
taskset -acp "$sink_core" "$(cat "$work/nginx.pid")" >/dev/null
for child in $(pgrep -P "$(cat "$work/nginx.pid")"); do taskset -acp "$sink_core" "$child" >/dev/null; done

# One subscriber's keys, shared by every device (the sink does not decrypt).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ua.pem" 2>/dev/null
p256dh=$(openssl pkey -in "$work/ua.pem" -pubout -outform DER | tail -c 65 | base64 -w0 | tr '+/' '-_' | tr -d '=')
auth=$(head -c 16 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/vapid.pem" 2>/dev/null
chmod 600 "$work/vapid.pem"

echo "sink: nginx on 127.0.0.1:$port, core $sink_core; Nudge on core $nudge_core; $N messages"
taskset -c "$nudge_core" out/bench_delivery webpush "https://127.0.0.1:$port" "$work/sink.pem" "$work/vapid.pem" "$N" "$p256dh" "$auth" \
    | tee "$work/nudge.txt"
ecdh=$(taskset -c "$nudge_core" openssl speed -seconds 3 ecdhp256 2>/dev/null | awk '/256 bits ecdh \(nistp256\)/ {print $(NF)}')
echo "openssl speed ecdhp256 on core $nudge_core: $ecdh ECDH derivations/s ($(openssl version))"
rate=$(sed -n 's/.* = \([0-9]*\) deliveries\/s.*/\1/p' "$work/nudge.txt")
echo "ratio nudge messages/s / openssl ECDH/s: $(echo "$rate / $ecdh" | bc -l | xargs printf '%.3f')"
