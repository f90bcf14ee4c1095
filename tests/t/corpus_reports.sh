#!/bin/sh
# corpus_reports.sh - SMTP TLS report and ARF corpus conformance of
# `mailsift parse`, whenever ../shared/corpus exists: every "ok" file of
# $CORPUS/tlsrpt and $CORPUS/arf exact field by field, every "error" file
# handled as the oracle says (tests/corpus_reports.py).  The comparator
# checks itself first (--self-test: every mutation of a value caught).
. "$(dirname "$0")/lib.sh"
corpus=${CORPUS:-$TOP/../shared/corpus}
for kind in tlsrpt arf; do
	if [ ! -d "$corpus/$kind" ]; then
		echo "ok - skip: corpus_$kind: ../shared/corpus absent"
		continue
	fi
	python3 "$TOP/tests/corpus_reports.py" --kind "$kind" \
	    --corpus "$corpus" --self-test >"$T_TMP/self" 2>&1
	ok $? "corpus_$kind: the comparator catches every mutation"
	grep -v '^ok' "$T_TMP/self" | sed 's/^/# /'
	python3 "$TOP/tests/corpus_reports.py" --kind "$kind" \
	    --corpus "$corpus" --mailsift "$MAILSIFT"
done
