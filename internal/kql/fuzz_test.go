package kql

import (
	"context"
	"errors"
	"testing"
	"time"
)

// FuzzExecute runs arbitrary queries over the small test tables: the
// engine must never panic (a recovered panic is an InternalError) and must
// stop within its limits.
func FuzzExecute(f *testing.F) {
	for _, c := range semanticCases {
		f.Add(c.query)
	}
	for _, q := range []string{
		"SigninLogs | where UserPrincipalName has 'a' | summarize count() by bin(TimeGenerated, 1h)",
		"SigninLogs | join kind=fullouter (SecurityEvent | project Account) on $left.UserPrincipalName == $right.Account",
		"range x from 1 to 100 step 1 | mv-apply y = pack_array(x, x) on (summarize sum(toint(y)))",
		"let f = (t:(*)) { t | take 1 }; f(SigninLogs) | union SecurityEvent",
		"print parse_json('{\"a\":[1,2,{\"b\":3}]}').a[2].b",
		"SigninLogs | make-series c = count() on TimeGenerated step 10m by Location",
	} {
		f.Add(q)
	}
	src := testSource(f)
	f.Fuzz(func(t *testing.T, q string) {
		start := time.Now()
		_, err := Execute(context.Background(), src, q, Options{Now: testNow, MaxRows: 1000, MaxMemory: 64 << 20, Timeout: time.Second})
		var e *Error
		if errors.As(err, &e) && e.Code == CodeInternal {
			t.Fatalf("%q: %v", q, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%q took %v", q, d)
		}
	})
}
