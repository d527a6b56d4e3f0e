#!/usr/bin/env bash
# Instruction counts per delivery, repeatable on a loaded machine: runs
# bench_delivery under callgrind against the sink of bench/sink.sh, counting
# only the delivery phase (bench_delivery starts and stops the
# instrumentation around it), on every thread of the process.
#
#   bench/profile_delivery.sh apns|webpush [N] [OUT]   (default 2000, out/callgrind.<vendor>)
#
# Prints the total instructions per delivery; where they go is in
# `callgrind_annotate OUT` (self cost) and `callgrind_annotate --inclusive=yes OUT`.
set -euo pipefail
cd "$(dirname "$0")/.."
vendor=${1:?apns or webpush}
N=${2:-2000}
out=${3:-out/callgrind.$vendor}
. bench/sink.sh
start_sink
rm -f "$out" "$out.log"
# Valgrind 3.19 cannot read the DWARF 5 that Swift's lld writes: profile a
# copy without debug info (function names stay, from the symbol table).
mkdir -p out/profile-lib
objcopy --strip-debug .build/release/libnudge.so out/profile-lib/libnudge.so.0
export LD_LIBRARY_PATH=$PWD/out/profile-lib
args=(apns "https://127.0.0.1:$port" "$work/sink.pem" "$work/AuthKey_ABC123DEFG.p8" "$N")
if [ "$vendor" = webpush ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ua.pem" 2>/dev/null
    p256dh=$(openssl pkey -in "$work/ua.pem" -pubout -outform DER | tail -c 65 | base64 -w0 | tr '+/' '-_' | tr -d '=')
    auth=$(head -c 16 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/vapid.pem" 2>/dev/null
    chmod 600 "$work/vapid.pem"
    args=(webpush "https://127.0.0.1:$port" "$work/sink.pem" "$work/vapid.pem" "$N" "$p256dh" "$auth")
fi
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" out/bench_delivery "${args[@]}" 2>"$out.log"
total=$(callgrind_annotate "$out" 2>/dev/null | sed -n 's/^\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
echo "$vendor: $total instructions for $N deliveries = $((total / N)) per delivery ($out)"
