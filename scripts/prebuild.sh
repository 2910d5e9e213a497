# Sourced by scripts/test: the real clients are built in the background while lint and the
# tests that need no client run (tests/support/prebuild.py; the tests that need one run last,
# see tests/conftest.py, and wait for a client still being built).
#
# start_prebuild [NAME ...] starts the builds (all, or those named), niced, in a session of
# their own, and names the run in PACKYARD_CLIENT_BUILD_RUN so that a build that fails fails
# the tests needing it at once. An EXIT trap ends the builds (the whole process group) when
# the script ends, then prints what each build took.

start_prebuild() {
    export PACKYARD_CLIENT_BUILD_RUN="$$-$(date +%s)"
    PREBUILD_LOG=$(mktemp -t packyard-prebuild.XXXXXX)
    setsid nice -n 15 python -m tests.support.prebuild "$@" >"$PREBUILD_LOG" 2>&1 &
    PREBUILD_PID=$!
    trap stop_prebuild EXIT
}

stop_prebuild() {
    if kill -0 "$PREBUILD_PID" 2>/dev/null; then
        kill -TERM -- "-$PREBUILD_PID" 2>/dev/null || true
        echo "(client builds still running at the end were stopped)" >>"$PREBUILD_LOG"
    fi
    wait "$PREBUILD_PID" 2>/dev/null || true
    echo "--- client builds (tests/support/prebuild.py) ---"
    cat "$PREBUILD_LOG"
    rm -f "$PREBUILD_LOG"
}
