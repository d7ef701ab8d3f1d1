#!/usr/bin/env bash
# The admin API over HTTPS (`xdperf serve --admin-tls-cert/--admin-tls-key`, `xdperf ctl --admin
# https://... --cacert`), against the ASan build of `xdperf serve`. Certificates are made here
# with openssl: a self-signed one for 127.0.0.1 (P-256), a second key, and a CA-signed pair.
# Checks:
#  - the server logs "admin API on https://127.0.0.1:PORT (bearer token required)";
#  - ctl list / upload --test / promote / listeners / metrics work over HTTPS with --cacert and a
#    token, and the same with $XDPERF_ADMIN_CACERT; curl --cacert reads /healthz and /metrics;
#  - a certificate signed by a CA: ctl trusts it with --cacert CA.pem (the CA, not the leaf);
#  - without --cacert (system CAs): exit 1, one line "... TLS certificate is not trusted ...
#    --cacert"; --cacert naming another certificate: the same; --cacert /missing: one line naming
#    the file; plain http:// to the HTTPS port: one line suggesting https://; https:// to a
#    plain-HTTP admin port: one line "TLS handshake failed ... http://"; --cacert of a non-PEM
#    file: "not a PEM certificate"; a certificate for localhost reached as 127.0.0.1: "not
#    issued for that host ... '127.0.0.1' ... subjectAltName"; addresses "127.0.0.1:", "::1:7090", ":7090",
#    "https://127.0.0.1:x": one line listing the accepted forms; plain http:// works with a stale
#    $XDPERF_ADMIN_CACERT;
#  - the token still applies over TLS (wrong token -> HTTP 401, exit 1);
#  - start-up errors, each exit != 0 with one line naming the file: missing certificate file,
#    a certificate file that is not PEM, a key that does not belong to the certificate, a key
#    file that is not a key; --admin-tls-cert without --admin-tls-key (and the reverse) and
#    without --admin: exit 2;
#  - SIGTERM -> exit 0, no sanitizer report.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
cd "$REPO"
unset XDPERF_ADMIN XDPERF_ADMIN_TOKEN XDPERF_ADMIN_CACERT
need_tools curl openssl python3
PM=build/protocols
need_built "$XDPERF_ASAN" "$XDPERF" $PM/echo.wasm $PM/uppercase.wasm

# ---- certificates ---------------------------------------------------------------------------------
mk() { openssl "$@" 2>"$T/openssl.err" || { echo "FAILED: openssl $*"; cat "$T/openssl.err"; exit 1; }; }
mk req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
  -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1"
mk req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/other-key.pem" \
  -out "$T/other-cert.pem" -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1"
mk req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/lh-key.pem" \
  -out "$T/lh-cert.pem" -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost"
mk req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca-key.pem" -out "$T/ca.pem" \
  -days 2 -subj "/CN=xdperf test CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=keyCertSign"
mk req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/leaf-key.pem" -out "$T/leaf.csr" \
  -subj "/CN=127.0.0.1"
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/leaf.ext"
mk x509 -req -in "$T/leaf.csr" -CA "$T/ca.pem" -CAkey "$T/ca-key.pem" -CAcreateserial -days 2 \
  -extfile "$T/leaf.ext" -out "$T/leaf.pem"
echo "not a certificate" >"$T/garbage.pem"
echo "ok certificates made (self-signed, another self-signed, a CA and a leaf it signed)"
echo "tls-token-123" >"$T/token"

# one_line_fail DESC WANT-REGEX CMD...: CMD exits 1 printing exactly one stderr line matching WANT
one_line_fail() {
  local desc="$1" want="$2"; shift 2
  "$@" >"$T/olf.out" 2>"$T/olf.err"
  local rc=$? n
  n=$(wc -l <"$T/olf.err")
  if [ $rc -eq 1 ] && [ "$n" -eq 1 ] && grep -Eq "$want" "$T/olf.err"; then
    echo "ok $desc: $(cat "$T/olf.err")"
  else
    bad "$desc: exit $rc, $n lines: $(cat "$T/olf.err")"
  fi
}

# ---- start-up errors ------------------------------------------------------------------------------
base=(--listen udp://127.0.0.1:0/echo --protocol echo=$PM/echo.wasm@1 --interval 0)
startup_fail() { # DESC WANT-REGEX TLS-ARGS...
  local desc="$1" want="$2"; shift 2
  timeout 20 "$XDPERF_ASAN" serve "${base[@]}" --admin 127.0.0.1:0 "$@" >"$T/sf.out" 2>"$T/sf.err"
  local rc=$?
  local lines
  lines=$(grep -v '^\[' "$T/sf.err")   # log lines ([hotload], [serve]) aside
  if [ $rc -eq 1 ] && [ "$(printf '%s\n' "$lines" | wc -l)" -eq 1 ] && printf '%s\n' "$lines" | grep -Eq "$want"; then
    echo "ok start-up error, $desc: $lines"
  else
    bad "start-up error, $desc: exit $rc, stderr: $(cat "$T/sf.err")"
  fi
}
startup_fail "missing certificate" "admin TLS certificate $T/nope.pem: No such file or directory" \
  --admin-tls-cert "$T/nope.pem" --admin-tls-key "$T/key.pem"
startup_fail "certificate not PEM" "admin TLS certificate $T/garbage.pem: .*want a PEM certificate" \
  --admin-tls-cert "$T/garbage.pem" --admin-tls-key "$T/key.pem"
startup_fail "key not PEM" "admin TLS key $T/garbage.pem: .*want an unencrypted PEM private key" \
  --admin-tls-cert "$T/cert.pem" --admin-tls-key "$T/garbage.pem"
startup_fail "key of another certificate" "admin TLS key $T/other-key.pem does not belong to the certificate $T/cert.pem" \
  --admin-tls-cert "$T/cert.pem" --admin-tls-key "$T/other-key.pem"
for args in "--admin 127.0.0.1:0 --admin-tls-cert $T/cert.pem" "--admin 127.0.0.1:0 --admin-tls-key $T/key.pem" \
            "--admin-tls-cert $T/cert.pem --admin-tls-key $T/key.pem"; do
  # shellcheck disable=SC2086
  out=$("$XDPERF" serve "${base[@]}" $args 2>&1); rc=$?
  if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ "$out" == *"--admin"* ]]; then
    echo "ok usage error ($args): $out"
  else
    bad "usage error ($args): exit $rc: $out"
  fi
done

# ---- HTTPS server -----------------------------------------------------------------------------------
serve_start tls "$XDPERF_ASAN" "${base[@]}" --admin 127.0.0.1:0 --admin-token-file "$T/token" \
  --admin-tls-cert "$T/cert.pem" --admin-tls-key "$T/key.pem"
serve_wait tls admin udp:echo
if grep -q "^\[admin\] INFO: admin API on https://$ADMIN (bearer token required)$" "$T/tls.err"; then
  echo "ok server says: admin API on https://$ADMIN (bearer token required)"
else
  bad "no 'admin API on https://$ADMIN' line: $(grep admin "$T/tls.err")"
fi
A="https://$ADMIN"
ctl() { "$XDPERF" ctl --admin "$A" --token-file "$T/token" "$@"; }

if ctl --cacert "$T/cert.pem" list >"$T/list.out" 2>&1 && grep -Eq '^echo +1 +active' "$T/list.out"; then
  echo "ok ctl list over HTTPS (--cacert): $(grep '^echo' "$T/list.out")"
else
  bad "ctl list over HTTPS: $(cat "$T/list.out")"
fi
if ctl --cacert "$T/cert.pem" upload echo 2 $PM/uppercase.wasm --test 20 >"$T/up.out" 2>&1 &&
   ctl --cacert "$T/cert.pem" promote echo 2 >>"$T/up.out" 2>&1 &&
   [ "$(ctl --cacert "$T/cert.pem" --json get echo 2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = active ]; then
  echo "ok ctl upload --test 20, promote over HTTPS: echo@2 active"
else
  bad "ctl upload/promote over HTTPS: $(cat "$T/up.out")"
fi
if XDPERF_ADMIN_CACERT="$T/cert.pem" ctl --json listeners >"$T/ls.out" 2>&1 &&
   python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["listeners"]; sys.exit(0 if l[0]["protocol"]=="echo" else 1)' "$T/ls.out"; then
  echo "ok ctl listeners with \$XDPERF_ADMIN_CACERT"
else
  bad "ctl listeners with \$XDPERF_ADMIN_CACERT: $(cat "$T/ls.out")"
fi
if ctl --cacert "$T/cert.pem" metrics >"$T/metrics.txt" 2>&1 &&
   grep -q '^xdperf_version_info{protocol="echo",version="2"' "$T/metrics.txt"; then
  echo "ok ctl metrics over HTTPS"
else
  bad "ctl metrics over HTTPS"
fi
h=$(curl -s --cacert "$T/cert.pem" -H "Authorization: Bearer tls-token-123" "$A/healthz")
if [ "$(printf '%s' "$h" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ok"])' 2>/dev/null)" = True ]; then
  echo "ok curl --cacert $A/healthz: $(printf '%s' "$h" | tr -d ' \n')"
else
  bad "curl healthz over HTTPS: '$h'"
fi
one_line_fail "no --cacert (system CAs)" "admin API at $A: its TLS certificate is not trusted: .*--cacert FILE" \
  ctl list
one_line_fail "--cacert of another certificate" "its TLS certificate is not trusted" \
  ctl --cacert "$T/other-cert.pem" list
one_line_fail "--cacert /missing" "^xdperf ctl: CA file $T/missing.pem: No such file or directory$" \
  ctl --cacert "$T/missing.pem" list
one_line_fail "--cacert that is not PEM" "^xdperf ctl: CA file $T/garbage.pem: not a PEM certificate" \
  ctl --cacert "$T/garbage.pem" list
for a in "127.0.0.1:" "::1:7090" ":7090" "https://127.0.0.1:x"; do
  one_line_fail "address '$a'" "admin address '$a': want HOST:PORT, http://HOST:PORT or https://HOST:PORT" \
    "$XDPERF" ctl --admin "$a" list
done
one_line_fail "plain http:// to the HTTPS port" "closed without an answer.*use https://HOST:PORT" \
  "$XDPERF" ctl --admin "http://$ADMIN" list
one_line_fail "wrong token over HTTPS" "\(HTTP 401\)$" \
  env XDPERF_ADMIN_TOKEN=wrong "$XDPERF" ctl --admin "$A" --cacert "$T/cert.pem" list
one_line_fail "no token over HTTPS" "\(HTTP 401\)$" "$XDPERF" ctl --admin "$A" --cacert "$T/cert.pem" list

# ---- a CA-signed certificate ---------------------------------------------------------------------------
serve_start ca "$XDPERF_ASAN" "${base[@]}" --admin 127.0.0.1:0 \
  --admin-tls-cert "$T/leaf.pem" --admin-tls-key "$T/leaf-key.pem"
serve_wait ca admin udp:echo
if "$XDPERF" ctl --admin "https://$ADMIN" --cacert "$T/ca.pem" health >"$T/h.out" 2>&1 &&
   grep -qx ok "$T/h.out"; then
  echo "ok a CA-signed server certificate is trusted through --cacert CA.pem"
else
  bad "CA-signed certificate: $(cat "$T/h.out")"
fi

# ---- a certificate for another name --------------------------------------------------------------------
serve_start lh "$XDPERF_ASAN" "${base[@]}" --admin 127.0.0.1:0 \
  --admin-tls-cert "$T/lh-cert.pem" --admin-tls-key "$T/lh-key.pem"
serve_wait lh admin udp:echo
one_line_fail "certificate for localhost, reached as 127.0.0.1" \
  "its TLS certificate is not issued for that host: .*'127\.0\.0\.1'.*subjectAltName" \
  "$XDPERF" ctl --admin "https://$ADMIN" --cacert "$T/lh-cert.pem" health

# ---- https:// to a plain admin port -----------------------------------------------------------------
serve_start plain "$XDPERF_ASAN" "${base[@]}" --admin 127.0.0.1:0
serve_wait plain admin udp:echo
one_line_fail "https:// to a plain-HTTP admin port" "TLS handshake failed: .*use http://$ADMIN" \
  "$XDPERF" ctl --admin "https://$ADMIN" --cacert "$T/cert.pem" list
if XDPERF_ADMIN_CACERT="$T/missing.pem" "$XDPERF" ctl --admin "http://$ADMIN" health >"$T/h2.out" 2>&1 &&
   grep -qx ok "$T/h2.out"; then
  echo "ok plain http:// ignores \$XDPERF_ADMIN_CACERT (a missing file)"
else
  bad "plain http:// with a stale \$XDPERF_ADMIN_CACERT: $(cat "$T/h2.out")"
fi

# a private key other users can read: the server starts, with one warning naming it (a key
# openssl made is 0600, and so is no warning above)
grep -q "is open to other users" "$T/tls.err" && bad "a 0600 key was warned about"
cp "$T/key.pem" "$T/open-key.pem" && chmod 644 "$T/open-key.pem"
serve_start open "$XDPERF_ASAN" "${base[@]}" --admin 127.0.0.1:0 --admin-token-file "$T/token" \
  --admin-tls-cert "$T/cert.pem" --admin-tls-key "$T/open-key.pem"
serve_wait open admin
[ "$(grep -c "^\[admin\] WARN: admin TLS key $T/open-key.pem is open to other users (mode 0644): chmod 600 it$" "$T/open.err")" = 1 ] &&
  echo "ok a key readable by others: one warning, the server starts" || bad "no warning for a 0644 key: $(cat "$T/open.err")"

for n in tls ca lh plain open; do
  serve_stop $n 10
  [ "$SERVE_RC" = 0 ] || bad "$n: exit status '$SERVE_RC' after SIGTERM"
  serve_sanitizer_check $n
done
if [ $fail -ne 0 ]; then
  echo "--- tls server stderr (tail):"; tail -n 20 "$T/tls.err"
  exit 1
fi
echo "admin_tls: all checks passed"
