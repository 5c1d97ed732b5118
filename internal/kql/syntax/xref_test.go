package syntax

import (
	"fmt"
	"testing"
)

func TestCrossRefs(t *testing.T) {
	for _, c := range []struct {
		src  string
		want string
	}{
		{`SigninLogs | take 1`, `[]`},
		{`workspace("fab").SigninLogs`, `[workspace:"fab"]`},
		{`union T, workspace('a').T, app("b").requests`, `[workspace:"a" app:"b"]`},
		{`workspace(@"c:\x").T | where x == "workspace(\"no\")"`, `[workspace:"c:\\x"]`},
		{"workspace // comment\n(\"d\").T", `[workspace:"d"]`},
		{`workspace("a" 'b').T`, `[workspace:"ab"]`},
		{`workspace(h"secret").T`, `[workspace:"secret"]`},
		{`workspace(strcat("a", "b")).T`, `[workspace:?]`},
		{`['workspace']("e").T`, `[workspace:"e"]`},
		{`arg("").Resources | take 1`, `[arg:""]`},
		{`adx("https://help.kusto.windows.net/Samples").StormEvents`, `[adx:"https://help.kusto.windows.net/Samples"]`},
		{`T | extend workspace = 1 | where workspace > 0`, `[]`},
		{`// workspace("x")` + "\nT", `[]`},
		{`Workspace("x").T`, `[]`}, // function names are case-sensitive: not the function
		// Text that does not lex cleanly: a raw match counts, as a call the scanner cannot read.
		{`T | where a == "unterminated workspace("x")`, `[workspace:?]`},
	} {
		var got []string
		for _, r := range CrossRefs(c.src) {
			if r.Literal {
				got = append(got, fmt.Sprintf("%s:%q", r.Func, r.Arg))
			} else {
				got = append(got, r.Func+":?")
			}
		}
		if s := fmt.Sprint(got); s != c.want && !(c.want == "[]" && len(got) == 0) {
			t.Errorf("CrossRefs(%q) = %s, want %s", c.src, s, c.want)
		}
	}
}
