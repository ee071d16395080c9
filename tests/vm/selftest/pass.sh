#!/bin/sh
# No TAP, exit 0: one passed point.
exit 0
