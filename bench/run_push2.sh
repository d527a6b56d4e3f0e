#!/bin/sh
# Instructions per Push 2.0 encrypted notification (bench/bench_push2.c),
# under callgrind: two runs, USERS_A and USERS_B users, each one message;
# the difference over USERS_B - USERS_A is the cost of one user's enable
# and one encrypted push.
#   bench/run_push2.sh [LIBDIR]   (default: .build/release; LIBDIR of
#                                  another build compares it)
set -eu
cd "$(dirname "$0")/.."
LIBDIR=${1:-.build/release}
USERS_A=${USERS_A:-20}
USERS_B=${USERS_B:-120}
mkdir -p out
cc -O2 -Iinclude bench/bench_push2.c -o out/bench_push2 -L.build/release -lnudge
tmp=$(mktemp -d)
# Valgrind 3.19 cannot read the DWARF 5 of Swift's build: a copy without it.
mkdir "$tmp/lib"
objcopy --strip-debug "$LIBDIR/libnudge.so" "$tmp/lib/libnudge.so"
ln -s libnudge.so "$tmp/lib/libnudge.so.0"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ua.pem" 2>/dev/null
UA=$(openssl ec -in "$tmp/ua.pem" -pubout -outform DER 2>/dev/null | tail -c 65 | base64 -w0)
AUTH=$(head -c 16 /dev/urandom | base64 -w0)
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -outform DER > "$tmp/jwt.der"
KEY=$(base64 -w0 < "$tmp/jwt.der")
count() {
    LD_LIBRARY_PATH=$tmp/lib valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" out/bench_push2 "$1" "$UA" "$AUTH" "$KEY" >/dev/null 2>"$tmp/err.$1"
    callgrind_annotate "$tmp/cg.$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
a=$(count "$USERS_A")
b=$(count "$USERS_B")
echo "instructions per user, one enable and one encrypted push ($LIBDIR): $(( (b - a) / (USERS_B - USERS_A) ))"
rm -rf "$tmp"
