#!/bin/sh
# Runs for a few seconds, then exits 1 (an unexpected exit, so autorestart brings it back).
echo "flaky: up"
sleep 7
echo "flaky: crashing" >&2
exit 1
