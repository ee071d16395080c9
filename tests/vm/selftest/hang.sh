#!/bin/sh
# Never finishes: the guest's per-test timeout must fail it.
exec sleep 100000
