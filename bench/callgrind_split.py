"""Splits a bench_delivery callgrind profile (bench/profile_delivery.sh) per
delivery: the whole process, the HTTP/2 transport's own share, the bench
host's polling, and the rest (Nudge outside the transport).

The transport is CurlMultiLoop.run() (libcurl, nghttp2, TLS and the
loop's Swift) less what it calls back into the dispatcher: building each
request (VendorDispatcher.send's first closure) and handling each answer
(its second). The bench's polling is nudge_stats_json and its own main
loop outside nudge_handle_stanza.

    python3 bench/callgrind_split.py OUT N
"""
import re
import subprocess
import sys

out, n = sys.argv[1], int(sys.argv[2])
tree = subprocess.run(["callgrind_annotate", "--tree=calling", "--inclusive=yes", out],
                      capture_output=True, text=True, check=True).stdout
demangle = subprocess.run(["swift", "demangle", "--simplified"], input=tree, capture_output=True, text=True)
tree = demangle.stdout if demangle.returncode == 0 else tree
line = re.compile(r"^\s*([\d,]+) \([^)]*\)\s+(\*|>)\s+(.*)$")


def callees(caller):
    """Inclusive cost of `caller` and of each of its callees (name → cost)."""
    total, calls, inside = 0, {}, False
    for text in tree.splitlines():
        m = line.match(text)
        if not m:
            inside = False if inside and text.strip() == "" else inside
            continue
        cost, mark, name = int(m.group(1).replace(",", "")), m.group(2), m.group(3)
        if mark == "*":
            inside = caller in name
            if inside:
                total += cost
        elif inside:
            calls[name] = calls.get(name, 0) + cost
    return total, calls


def summed(calls, word):
    return sum(c for name, c in calls.items() if word in name)


program = int(re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", tree).group(1).replace(",", ""))
loop, loop_calls = callees("???:CurlMultiLoop.run() [")
_, finish_calls = callees("???:CurlMultiLoop.finishCompleted() [")
callbacks = summed(loop_calls, "VendorDispatcher.send") + summed(finish_calls, "VendorDispatcher.send")
transport = loop - callbacks
main, main_calls = callees("bench_delivery.c:main [")
bench = main - summed(main_calls, "nudge_handle_stanza")
nudge = program - transport - bench
for label, cost in [("total", program), ("transport (curl, nghttp2, TLS, the loop)", transport),
                    ("bench host polling", bench), ("Nudge outside the transport", nudge)]:
    print(f"{label:44s} {cost / n:10,.0f} instructions per delivery")
