#!/bin/sh
# One passing and one failing TAP point, exit 1: must count 1 passed, 1 failed.
echo "ok 1 - passes"
echo "not ok 2 - fails on purpose"
echo "1..2"
exit 1
