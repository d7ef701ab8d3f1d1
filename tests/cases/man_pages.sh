#!/usr/bin/env bash
# The man pages (man/*.scd, built by `make` into build/man/) stay true to the binary (no root):
#  - every page renders with scdoc and `man -l` at MANWIDTH=80 with no warning (groff -ww) and
#    no line over 80 columns, has the sections a page of its kind needs, and every page it
#    refers to (*xdperf-foo*(N)) exists; build/man holds every page;
#  - every command `xdperf help` lists (and the generator) answers --help and `xdperf help CMD`
#    with exit 0, has its page, is listed in xdperf(1); so does every subcommand its help lists
#    (the page names it), except where noted below as a known gap;
#  - every option a command accepts is documented in its page (a term line `*--opt*` /
#    `*-o*`): the options come from the code — each src/cli/*.c file's `struct option` tables,
#    getopt option strings and strcmp(arg, "--opt") parsers, mapped to pages below — and from
#    the option lines of the command's --help; a page documenting an option the command
#    neither accepts nor mentions in its help fails too;
#  - the checker itself fails on a page with one option removed and on one with an option the
#    command does not have (so it cannot pass vacuously).
# Options the code accepts that the command's --help does not show are printed as notes.
set -uo pipefail
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
note() { echo "note: $*"; }
export MANWIDTH=80 LC_ALL=C.UTF-8
export XDPERF_ADMIN=127.0.0.1:9 XDPERF_ADMIN_TOKEN= # `ctl SUB --help` must not reach a real server
command -v scdoc >/dev/null || { bad "scdoc is not installed (scripts/deps.sh build installs it)"; exit 1; }
command -v man >/dev/null || { echo "man (man-db) is not installed"; exit 77; }
X="$XDPERF"
cd "$REPO" || exit 1

# Which page documents the options a source file parses (FILE, or FILE:FUNCTION when one file
# parses several commands; else a function cmd_NAME... goes to xdperf-NAME.1 when it exists).
# Options in a file with no page fail the test.
declare -A file_page=(
	[main.c]=xdperf.1 [generate.c]=xdperf.1 [server_cmd.c]=xdperf-server.1
	[count_cmd.c]=xdperf-count.1 [probe_cmd.c]=xdperf-probe.1 [plugin_cmd.c]=xdperf-plugin.1
	[plugin_new.c]=xdperf-plugin.1 [protocol_cmd.c]=xdperf-protocol.1 [serve_cmd.c]=xdperf-serve.1 [ctl_cmd.c]=xdperf-ctl.1
	[wasm_run.c]=xdperf-wasm.1 [wasm_spectest.c]=xdperf-wasm.1
	[sign_cmd.c:cmd_keygen]=xdperf-keygen.1 [sign_cmd.c:cmd_sign]=xdperf-sign.1
	[sign_cmd.c:cmd_verify]=xdperf-verify.1 [run_cmd.c]=xdperf-run.1 [ndr_cmd.c]=xdperf-ndr.1
)
# Commands whose subcommands do not answer --help yet (reported as notes, not failures).
no_sub_help="ctl"

# --- rendering -----------------------------------------------------------------------------
mkdir -p "$T/man"
fail0=$fail fail=0
for src in man/*.scd; do
	page=$(basename "$src" .scd)
	if ! scdoc <"$src" >"$T/man/$page" 2>"$T/err"; then
		bad "$page: scdoc: $(cat "$T/err")"
		continue
	fi
	# scdoc passes a line's leading . or ' on: groff would take the line for a request
	dots=$(awk '/^```/ { lit = !lit; next } !lit && /^[ \t]*[.\x27]/ { print NR": "$0 }' "$src" | head -n 2)
	[ -n "$dots" ] && bad "$page: lines starting with . or ' (groff drops them): $dots"
	[ -f "build/man/$page" ] || bad "build/man/$page is missing (make all builds the man pages)"
	man --warnings=w -l "$T/man/$page" >"$T/out" 2>"$T/err" || bad "$page: man -l failed: $(head -n 3 "$T/err")"
	[ -s "$T/err" ] && bad "$page: man -l warns: $(head -n 3 "$T/err")"
	long=$(perl -CSD -ne 'chomp; print "$.: $_\n" if length > 80' "$T/out" | head -n 2)
	[ -n "$long" ] && bad "$page: lines over 80 columns: $long"
	case "$page" in
	*.1) want="NAME SYNOPSIS DESCRIPTION OPTIONS EXIT.STATUS EXAMPLES SEE.ALSO" ;;
	*) want="NAME DESCRIPTION FILES SEE.ALSO" ;;
	esac
	for s in $want; do grep -q "^${s}\$" "$T/out" || bad "$page: no ${s/./ } section"; done
	grep -q "^NAME$" "$T/out" && ! grep -A1 '^NAME$' "$T/out" | grep -q "^ *${page%.*} - " &&
		bad "$page: NAME does not start with '${page%.*} - '"
	for ref in $(grep -oE '\*xdperf[a-z-]*\*\([1-8]\)' "$src" | tr -d '*()' | sort -u); do
		n=${ref%[1-8]} s=${ref#"$n"}
		[ -f "man/$n.$s.scd" ] || bad "$page refers to $n($s), which has no page"
	done
done
[ $fail = 0 ] && echo "ok $(ls man/*.scd | wc -l) pages render without warnings"
fail=$((fail | fail0))

# --- commands and their help ---------------------------------------------------------------
"$X" help >"$T/help" 2>&1 || bad "xdperf help: exit $?"
cmds=$(grep -oE '^ +xdperf (--server|[a-z][a-z-]*)' "$T/help" | awk '{print $2}' | sort -u)
grep -q '^\*xdperf help\*' man/xdperf.1.scd || bad "xdperf.1 does not document xdperf help"

[ -n "$cmds" ] || bad "xdperf help lists no commands"
page_of() { case "$1" in generate) echo xdperf.1 ;; --server) echo xdperf-server.1 ;; *) echo "xdperf-$1.1" ;; esac; }
declare -A help_of # page -> help files of its commands
gethelp() { # PAGE NAME ARGS...: the help of a command (exit 0 required), remembered for PAGE
	local page=$1 name=$2 f
	shift 2
	f="$T/help.$(echo "$name" | tr ' /' '__')"
	"$X" "$@" >"$f" 2>&1 || bad "xdperf $*: exit $? ($(head -n 1 "$f"))"
	head -n 1 "$f" | grep -q '^usage: xdperf' || bad "xdperf $*: no usage line: $(head -n 1 "$f")"
	help_of[$page]+=" $f"
}
gethelp xdperf.1 generate help generate
gethelp xdperf.1 generate2 -p x --help
for c in $cmds; do
	[ "$c" = help ] && continue # xdperf help [COMMAND]: in xdperf(1), checked above
	p=$(page_of "$c")
	[ -f "man/$p.scd" ] || { bad "command $c has no page man/$p.scd"; continue; }
	grep -qE "^\*xdperf $c\*" man/xdperf.1.scd || bad "xdperf.1 does not list the command $c under COMMANDS"
	grep -qF "*${p%.1}*(1)" man/xdperf.1.scd || bad "xdperf.1 does not refer to ${p%.1}(1)"
	hname=$c; [ "$c" = --server ] && hname=server
	gethelp "$p" "$c" "$c" --help
	gethelp "$p" "help $c" help "$hname"
	# subcommands: named in the usage lines (xdperf CMD SUB) or as "  SUB   description" lines
	# ("  SUB ARG [--opt X]...   description", the arguments upper case or bracketed)
	subs=$(perl -ne 'print "$1\n" if /^\s*(?:usage:\s*)?xdperf \Q'"$c"'\E ([a-z][a-z-]*)\b/ ||
		/^  ([a-z][a-z-]*)(?: (?:[A-Z][A-Za-z0-9_.]*|\[\S*|\S*\]|--?[a-z-]+))*(?: {2,}\S|\s*$)/' "$T/help.$c" | sort -u)
	for s in $subs; do
		grep -qE "^\*($s|xdperf $c $s)\*" "man/$p.scd" || bad "$p does not document the subcommand '$c $s' (a term line *$s*)"
		if [[ " $no_sub_help " == *" $c "* ]]; then
			"$X" "$c" "$s" --help >/dev/null 2>&1 && note "xdperf $c $s --help works now: take $c out of no_sub_help" ||
				note "gap: xdperf $c $s --help does not answer (exit $?)"
			continue
		fi
		gethelp "$p" "$c $s" "$c" "$s" --help
		gethelp "$p" "help $c $s" help "$c" "$s"
	done
done
echo "ok commands: $(echo $cmds)"

# --- options --------------------------------------------------------------------------------
# From the code: "FILE FUNCTION OPTION" for every option a src/cli/*.c file parses.
perl -ne '
	$f = $1 if /^(?:static\s+)?[a-z_][\w\s\*]*?\b(\w+)\s*\([^;]*$/;
	my $file = $ARGV; $file =~ s{.*/}{};
	my @o;
	push @o, map { "-$_" } grep { $_ ne ":" } split //, $1 if /getopt_long\s*\([^,]+,[^,]+,\s*"([^"]*)"/;
	push @o, map { "-$_" } grep { $_ ne ":" } split //, $1 while /"(:[A-Za-z][A-Za-z:]*)"/g;
	push @o, "--$1" while /\{\s*"([a-z][a-z0-9-]*)",\s*(?:no|required|optional)_argument/g;
	push @o, $1 while /strcmp\(\s*[^,()]+,\s*"(--?[A-Za-z][A-Za-z0-9-]*)"\s*\)/g;
	print "$file $f $_\n" for @o;
	close ARGV if eof;' src/cli/*.c | sort -u >"$T/code_opts"
[ "$(wc -l <"$T/code_opts")" -gt 50 ] || bad "found only $(wc -l <"$T/code_opts") options in src/cli/*.c"
declare -A code_of # page -> options from the code
while read -r file func opt; do
	p=${file_page[$file:$func]:-${file_page[$file]:-}}
	# cmd_plugin_list() in a file of its own: xdperf-plugin.1
	[[ -z "$p" && "$func" =~ ^cmd_([a-z]+) && -f "man/xdperf-${BASH_REMATCH[1]}.1.scd" ]] && p=xdperf-${BASH_REMATCH[1]}.1
	[ -n "$p" ] || { bad "src/cli/$file ($func) parses $opt, but tests/cases/man_pages.sh maps no page to it (file_page)"; continue; }
	code_of[$p]+=" $opt"
done <"$T/code_opts"

# Options of a help text: every token of its option lines (first non-blank is '-', up to the
# column gap) — and, with "all", every option token anywhere in it.
help_opts() { # all|lines FILE...
	local mode=$1
	shift
	perl -ne '
		if ("'"$mode"'" eq "all") { print "$1\n" while /(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)/g; next }
		next unless /^\s+-/;
		s/^\s+//; s/ {2,}.*//s;
		print "$1\n" while /(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)/g;' "$@" | sort -u
}
# The options a page documents: the tokens of its term lines (lines starting with *-).
page_opts() { perl -ne 'next unless /^\*-/; print "$1\n" while /(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)/g' "$1" | sort -u; }

check_page() { # PAGE SCD: prints one line per mismatch
	local page=$1 scd=$2 o
	local -A doc=()
	for o in $(page_opts "$scd"); do doc[$o]=1; done
	# shellcheck disable=SC2086
	local need allowed
	need=$( (printf '%s\n' ${code_of[$page]:-}; help_opts lines ${help_of[$page]:-/dev/null}) | sort -u)
	allowed=$( (echo "$need"; help_opts all ${help_of[$page]:-/dev/null}; echo -h; echo --help) | sort -u)
	for o in $need; do
		[ -n "${doc[$o]:-}" ] || echo "$page does not document $o (a term line *$o* under OPTIONS)"
	done
	for o in "${!doc[@]}"; do
		grep -qxF -- "$o" <<<"$allowed" || echo "$page documents $o, which its command neither accepts nor mentions in its help"
	done
}
n=0
for src in man/*.1.scd; do
	page=$(basename "$src" .scd)
	out=$(check_page "$page" "$src")
	[ -n "$out" ] && while IFS= read -r l; do bad "$l"; done <<<"$out"
	n=$((n + $(page_opts "$src" | wc -l)))
done
echo "ok every option the code and the help have is documented, and only those ($n options)"

# Notes: options the code accepts that the help does not show.
for p in "${!code_of[@]}"; do
	# shellcheck disable=SC2086
	shown=$(help_opts all ${help_of[$p]:-/dev/null} $([ "$p" = xdperf.1 ] && echo "$T/help"))
	for o in $(printf '%s\n' ${code_of[$p]} | sort -u); do
		case "$o" in -h | --help) continue ;; esac
		grep -qxF -- "$o" <<<"$shown" || note "gap: ${p%.1}: $o is accepted but its --help does not show it"
	done
done

# --- the checker catches a missing and a bogus option ---------------------------------------
sed '/^\*--json\*$/,/^$/d' man/xdperf-count.1.scd >"$T/mut1.scd"
cmp -s "$T/mut1.scd" man/xdperf-count.1.scd && bad "self-check: could not remove --json from xdperf-count.1"
grep -qxF "xdperf-count.1 does not document --json (a term line *--json* under OPTIONS)" <<<"$(check_page xdperf-count.1 "$T/mut1.scd")" &&
	echo "ok a page without one of its options fails" || bad "self-check: removing --json from xdperf-count.1 went unnoticed"
printf '\n*--no-such-option*\n\tNothing.\n' | cat man/xdperf-count.1.scd - >"$T/mut2.scd"
grep -q "documents --no-such-option, which" <<<"$(check_page xdperf-count.1 "$T/mut2.scd")" &&
	echo "ok a page with an option its command does not have fails" || bad "self-check: a bogus option went unnoticed"

[ $fail = 0 ] && echo "man pages render cleanly and document exactly the options the commands take"
exit $fail
