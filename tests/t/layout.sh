#!/bin/sh
# layout.sh - the source tree's rooms: no circle between files, data
# flowing one way, each parser entered through its door (tests/layout).
. "$(dirname "$0")/lib.sh"
python3 "$TOP/tests/layout/check.py" "$TOP/${MAILSIFT_BUILD:-build}"
