#!/bin/bash
# tests/deps.sh's bookworm-backports entry, on fake apt directories
# (DEPS_APT_ETC, DEPS_APT_LISTS; nothing is installed, no network): the
# deb822 form (cloud images) and the one-line form (the installer,
# debootstrap), each copied with only the suite changed; security and
# updates suites, disabled stanzas, comments and third-party "bookworm"
# repositories are never the template; an entry already there is left
# alone; no Debian entry is an error.  apt itself (update --print-uris,
# offline) must read the written file as bookworm-backports at the same
# mirror.
#
# Conditions are single-quoted strings that check() evals later, so the
# variables they name look unused or unexpanded to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

DEPS=$TOP/tests/deps.sh
W=$(mktemp -d /tmp/daxfs-deps.XXXXXX)
trap 'rm -rf "$W"' EXIT
# Reserved names (RFC 2606): no real host is named.
M=http://mirror.invalid/debian
S=http://security.invalid/debian-security

# setup NAME: a fresh fake /etc/apt and lists directory in $E and $L
setup() {
	E=$W/$1/etc
	L=$W/$1/lists
	mkdir -p "$E/sources.list.d" "$L"
}
# deps ARGS...: tests/deps.sh on the fake directories; OUT, RC
deps() {
	OUT=$(DEPS_APT_ETC=$E DEPS_APT_LISTS=$L bash "$DEPS" "$@" 2>&1)
	RC=$?
}
# mirror: what deps.sh derives as this fake machine's Debian mirror
mirror() {
	DEPS_APT_ETC=$E DEPS_APT_LISTS=$L bash -c '. "$1"; debian_mirror' _ \
		"$DEPS" 2>&1
}
# apt_bpo_uris: the bookworm-backports InRelease URIs apt would fetch
apt_bpo_uris() {
	apt-get -o Dir::Etc="$E" -o Dir::State::Lists="$L" \
		-o Debug::NoLocking=1 update --print-uris 2>/dev/null |
		sed -n "s/^'\([^']*\)\/dists\/bookworm-backports\/InRelease'.*/\1/p"
}
# origin URI NAME: a list file saying URI's bookworm suite is from NAME
origin() {
	local p=${1#*://}
	printf 'Origin: %s\nSuite: oldstable\n' "$2" \
		>"$L/${p//\//_}_dists_bookworm_InRelease"
}
# check NAME COND...: PASS when the shell condition holds
check() {
	local name=$1
	shift
	if eval "$*"; then
		pass "deps: $name"
	else
		fail "deps: $name: [$*] exit $RC: $(echo "$OUT" | head -n 2 | tr '\n' ' ')"
	fi
}

# --- deb822: a cloud image's debian.sources -----------------------------------
setup deb822
cat >"$E/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $M
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $S
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
deps backports-entry
B=$E/sources.list.d/daxfs-backports.sources
check "deb822: writes daxfs-backports.sources" '[ $RC -eq 0 ] && [ -f "$B" ] &&
	[ ! -e "$E/sources.list.d/daxfs-backports.list" ]'
check "deb822: the bookworm stanza with only Suites changed" \
	'[ "$(grep -v "^#" "$B")" = "$(printf "Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main contrib\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg" "$M")" ]'
check "deb822: apt reads it as bookworm-backports at the same mirror" \
	'[ "$(apt_bpo_uris)" = "$M" ]'
check "deb822: the mirror is derived from the entry" '[ "$(mirror)" = "$M" ]'
deps backports-entry
check "deb822: second run writes nothing, says nothing" \
	'[ $RC -eq 0 ] && [ -z "$OUT" ] && [ "$(ls "$E/sources.list.d" | wc -l)" = 2 ]'

# --- one-line: the installer's and debootstrap's sources.list ----------------
setup oneline
cat >"$E/sources.list" <<EOF
# deb $M bookworm-backports main	(commented out: does not count)
deb $S bookworm-security main
deb-src $M bookworm main
deb $M bookworm-updates main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $M bookworm main non-free-firmware # the main one
EOF
deps backports-entry
B=$E/sources.list.d/daxfs-backports.list
check "one-line: writes sources.list.d/daxfs-backports.list" \
	'[ $RC -eq 0 ] && [ -f "$B" ] && [ ! -e "${B%.list}.sources" ]'
check "one-line: the bookworm line, same options, URI and components" \
	'[ "$(grep -v "^#" "$B")" = "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $M bookworm-backports main non-free-firmware" ]'
check "one-line: apt reads it as bookworm-backports at the same mirror" \
	'[ "$(apt_bpo_uris)" = "$M" ]'
check "one-line: sources.list itself untouched" \
	'[ "$(grep -c . "$E/sources.list")" = 5 ]'
deps backports-entry
check "one-line: second run writes nothing" \
	'[ $RC -eq 0 ] && [ -z "$OUT" ] && [ "$(ls "$E/sources.list.d")" = daxfs-backports.list ]'

# debootstrap's exact default
setup debootstrap
echo "deb $M bookworm main" >"$E/sources.list"
deps backports-entry
check "one-line: debootstrap's sources.list" \
	'[ $RC -eq 0 ] && [ "$(grep -v "^#" "$E/sources.list.d/daxfs-backports.list")" = "deb $M bookworm-backports main" ] &&
	 [ "$(mirror)" = "$M" ]'

# --- an entry already there ---------------------------------------------------------
setup present
printf 'deb %s bookworm main\n' "$M" >"$E/sources.list"
printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\n' \
	"$M" >"$E/sources.list.d/other.sources"
deps backports-entry
check "an existing bookworm-backports entry is enough" \
	'[ $RC -eq 0 ] && [ -z "$OUT" ] && [ "$(ls "$E/sources.list.d")" = other.sources ]'

# --- what is never the template ---------------------------------------------------------
setup skip
cat >"$E/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: http://old.invalid/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb-src
URIs: http://src.invalid/debian
Suites: bookworm
Components: main
EOF
printf 'deb http://thirdparty.invalid/apt bookworm main stable\n' \
	>"$E/sources.list.d/aaa-vendor.list"
printf 'deb %s bookworm main\n' "$M" >"$E/sources.list.d/zzz-debian.list"
origin http://thirdparty.invalid/apt Vendor
origin "$M" Debian
deps backports-entry
check "skips disabled and deb-src stanzas and a third-party 'bookworm'" \
	'[ $RC -eq 0 ] && [ "$(grep -v "^#" "$E/sources.list.d/daxfs-backports.list" 2>&1)" = "deb $M bookworm-backports main" ]'

setup none
printf 'deb %s bookworm-security main\ndeb %s bookworm-updates main\n' \
	"$S" "$M" >"$E/sources.list"
deps backports-entry
check "no bookworm entry: an error, nothing written" \
	'[ $RC -ne 0 ] && [[ $OUT == *"no Debian '"'"'bookworm'"'"' entry"* ]] &&
	 [ -z "$(ls "$E/sources.list.d")" ]'

# --- modes ------------------------------------------------------------------------------
deps frobnicate
check "an unknown mode is refused" '[ $RC -ne 0 ] && [[ $OUT == *"unknown mode"* ]]'
check "bench includes vm, python3 and erofs-utils" \
	'bash -c ". \"$DEPS\"; packages bench" | tr " " "\n" |
	 grep -qx qemu-system-x86 &&
	 bash -c ". \"$DEPS\"; packages bench" | tr " " "\n" | grep -qx python3 &&
	 bash -c ". \"$DEPS\"; packages bench" | tr " " "\n" | grep -qx erofs-utils'
exit 0
