# Shared by the delivery benchmarks: nginx as an HTTP/2 + TLS sink on
# loopback that answers like a vendor (200, with an apns-id header) after
# reading each request body, as APNs and Web Push services do. Sets $work
# (a temp dir holding sink.pem, the CA to trust) and $port; stops nginx on
# exit.
start_sink() {
    work=$(mktemp -d /tmp/nudge-bench-sink-XXXXXX)
    chmod 755 "$work"   # nginx workers run unprivileged and must reach the inner socket
    trap '[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$work/sink.key" -out "$work/sink.pem" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/AuthKey_ABC123DEFG.p8" 2>/dev/null
    chmod 600 "$work/AuthKey_ABC123DEFG.p8"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat > "$work/nginx.conf" <<CONF
    worker_processes 1;
    pid $work/nginx.pid;
    error_log $work/error.log warn;
    worker_rlimit_nofile 65536;
    events { worker_connections 16384; }
    http {
        access_log off;
        client_body_temp_path $work/body;
        # APNs reads each request's body before it answers. nginx's "return"
        # answers first and resets the stream, which libcurl 7.88 reports as
        # a stream error; proxying to an inner "return" makes nginx read (and
        # buffer) the body first, as APNs does.
        upstream answer { server unix:$work/answer.sock; keepalive 1024; }
        server {
            listen unix:$work/answer.sock backlog=4096;
            location / { add_header apns-id 3f1e9a5c-0000-4000-8000-000000000000 always; return 200; }
        }
        server {
            listen 127.0.0.1:$port ssl http2;
            ssl_certificate $work/sink.pem;
            ssl_certificate_key $work/sink.key;
            http2_max_concurrent_streams 1000;
            keepalive_requests 10000000;
            location ~ ^/(3/device|push)/ {
                proxy_pass http://answer;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
            }
        }
    }
CONF
    nginx -c "$work/nginx.conf"
    sleep 0.5
}
