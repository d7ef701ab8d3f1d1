#!/usr/bin/env bash
# The capture reader and the rewriter (no root): tests/unit/pcap_read_test.c (pcap both byte
# orders, us/ns; pcapng sections, interfaces, if_tsresol, block kinds; every truncation; huge
# lengths; random corruption) and tests/unit/rewrite_test.c (MACs, IPv4/IPv6 CIDR maps, port
# maps, checksums against a full recomputation), both under ASan/UBSan.
set -uo pipefail
cd "$REPO" || exit 1
fail=0
FLAGS="-std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -Iinclude -Isrc -Itests/unit -g -O1
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
mkdir -p "$TMPDIR/pr"
# shellcheck disable=SC2086
gcc $FLAGS tests/unit/pcap_read_test.c src/packet/pcap_read.c src/util/err.c -o "$TMPDIR/pcap_read_test" ||
	{ echo "FAIL: cannot build tests/unit/pcap_read_test.c"; exit 1; }
"$TMPDIR/pcap_read_test" "$TMPDIR/pr" || { echo "FAIL: pcap_read_test"; fail=1; }
if [ -f tests/unit/rewrite_test.c ]; then
	# shellcheck disable=SC2086
	gcc $FLAGS tests/unit/rewrite_test.c src/packet/rewrite.c src/util/err.c -o "$TMPDIR/rewrite_test" ||
		{ echo "FAIL: cannot build tests/unit/rewrite_test.c"; exit 1; }
	"$TMPDIR/rewrite_test" || { echo "FAIL: rewrite_test"; fail=1; }
fi
exit $fail
