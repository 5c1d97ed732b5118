package kql

import "testing"

// TestGroupingTwoKeys covers grouping on two keys through the dense table of
// their codes and, for sparse pairs of large key sets, its hand-over to the
// hash map half way through the rows.
func TestGroupingTwoKeys(t *testing.T) {
	src := testSource(t)
	cases := []struct{ query, want string }{
		{`range x from 0 to 23999 step 1 | summarize c = count() by h = x % 24, u = x % 1000 | summarize groups = count(), rows = sum(c), bad = countif(c != 8)`,
			"groups:long rows:long bad:long\n[3000,24000,0]"},
		{`range x from 0 to 4999 step 1 | summarize c = count() by a = x, b = x * 2 | summarize groups = count(), rows = sum(c), bad = countif(b != a * 2 or c != 1), first = min(a), last = max(a)`,
			"groups:long rows:long bad:long first:long last:long\n[5000,5000,0,0,4999]"},
		{`range x from 0 to 4999 step 1 | summarize c = count() by a = x, b = x * 2 | take 3`,
			"a:long b:long c:long\n[0,0,1]\n[1,2,1]\n[2,4,1]"},
	}
	for _, c := range cases {
		got, err := runQuery(t, src, c.query)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s\n got:\n%s\nwant:\n%s", c.query, got, c.want)
		}
	}
}
