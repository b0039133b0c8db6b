#!/bin/sh
# What a spawn runs, as the student (installed as /opt/dlkit-hub/bin/dlkit-singleuser, root-owned, read-only).
# Numba needs a writable cache directory even to read a cache, and a cache several accounts can write lets one
# plant pickles another loads. So each account gets its own, seeded from the trusted copy compiled at install time
# (root-owned, read-only): a student's first `fit` loads compiled kernels instead of compiling them.
set -eu
trusted="${DLKIT_TRUSTED_CACHE:-/opt/dlkit-hub/numba-cache}"
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$HOME/.cache/dlkit/numba}"
if [ -f "$trusted/STAMP" ] && ! cmp -s "$trusted/STAMP" "$NUMBA_CACHE_DIR/STAMP"; then
    # first spawn, or a new install: a fresh copy, swapped in whole
    seeding="$NUMBA_CACHE_DIR.seeding.$$"
    mkdir -p "$seeding"
    cp -R "$trusted/." "$seeding/"
    rm -rf "$NUMBA_CACHE_DIR"
    mv "$seeding" "$NUMBA_CACHE_DIR"
fi
exec "${DLKIT_SINGLEUSER:-/opt/dlkit-hub/env/bin/jupyterhub-singleuser}" "$@"
