# Loading a page in headless Chromium (Debian's chromium) for the test cases (source it; root:
# the browser runs in a network namespace of its own, `unshare -n`, so it can fetch nothing).
#   browser_load FILE.html PREFIX   writes PREFIX.dom (the DOM after load, --dump-dom),
#                  PREFIX.console (the page's console messages, one per line: none for a page
#                  that loads cleanly), PREFIX.png (a 1000-pixel-wide screenshot) and
#                  PREFIX.log (the browser's own log); 0, or 1 with the reason on stdout.
#                  Each browser run is killed after 60 s.
#   browser_need   exit 77 (skip) unless chromium and unshare are there
browser_need() {
	command -v chromium >/dev/null || { echo "needs chromium (scripts/deps.sh test)"; exit 77; }
	command -v unshare >/dev/null || { echo "needs unshare (util-linux)"; exit 77; }
}

browser_load() {
	local url ud rc
	url="file://$(realpath "$1")"
	ud=$(mktemp -d "${TMPDIR:-/tmp}/chromium.XXXXXX")
	# --enable-logging=stderr --v=0 logs every console message as INFO:CONSOLE(...)
	unshare -n timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$ud" --enable-logging=stderr --v=0 --dump-dom "$url" \
		>"$2.dom" 2>"$2.log"
	rc=$?
	# the page's own messages only: not those of the browser's internal pages (source:
	# chrome://..., e.g. "Slow network is detected" on a loaded machine)
	{ grep -a 'CONSOLE' "$2.log" || true; } | { grep -av 'source: chrome://' || true; } >"$2.console"
	if [ $rc != 0 ] || ! grep -q '</html>' "$2.dom"; then
		echo "chromium --dump-dom $1: exit $rc: $(grep -av dbus "$2.log" | tail -n 3)"
		rm -rf "$ud"
		return 1
	fi
	unshare -n timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$ud" --hide-scrollbars --window-size=1000,3000 \
		--screenshot="$(realpath -m "$2.png")" "$url" >>"$2.log" 2>&1
	rc=$?
	rm -rf "$ud"
	if [ $rc != 0 ] || [ ! -s "$2.png" ]; then
		echo "chromium --screenshot $1: exit $rc: $(grep -av dbus "$2.log" | tail -n 3)"
		return 1
	fi
	return 0
}
