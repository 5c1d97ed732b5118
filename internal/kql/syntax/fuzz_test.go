package syntax

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func addSeeds(f *testing.F) {
	for _, q := range sampleQueries {
		f.Add(q)
	}
	for _, c := range readJSONL[errorCase](f, "testdata/errors.jsonl") {
		f.Add(c.Query)
	}
	qs := readJSONL[corpusQuery](f, "../testdata/sentinel-rules.jsonl")
	for i := 0; i < len(qs); i += 50 {
		f.Add(qs[i].Query)
	}
	for _, s := range []string{
		"", "|", "(((", ")))", "[[[", "{{{", `"`, "'", "```", "@", "h", "h'", "!", "!in~", "in~", "1e", "0x",
		"datetime(", "dynamic(", "dynamic([", "let", "let f = (", "T | mv-expand", "T | parse x with",
		"T | where x between (", "\x00", "\xff\xfe", "é", "T | extend x = -", "print 1..2", "T | join on",
		"union *", "T | summarize by", "T | project-away *", "T | render timechart with (ycolumns=a,",
	} {
		f.Add(s)
	}
}

// checkLex verifies the token stream invariants.
func checkLex(t *testing.T, src string) {
	toks, diags := Lex(src)
	prev := 0
	for i, tk := range toks {
		if tk.Pos < prev || tk.End < tk.Pos || tk.End > len(src) {
			t.Fatalf("token %d %v %d-%d out of order or bounds (prev end %d, len %d)", i, tk.Kind, tk.Pos, tk.End, prev, len(src))
		}
		if tk.Kind != TokEOF && tk.End == tk.Pos {
			t.Fatalf("token %d %v is empty at %d", i, tk.Kind, tk.Pos)
		}
		if tk.Text != src[tk.Pos:tk.End] {
			t.Fatalf("token %d text %q is not the source %q", i, tk.Text, src[tk.Pos:tk.End])
		}
		prev = tk.End
	}
	if len(toks) == 0 || toks[len(toks)-1].Kind != TokEOF {
		t.Fatal("no EOF token")
	}
	for _, d := range diags {
		if d.Offset < 0 || d.End < d.Offset || d.End > len(src) || d.Message == "" {
			t.Fatalf("bad diagnostic %+v", d)
		}
	}
}

func FuzzLex(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		checkLex(t, src)
	})
}

func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		start := time.Now()
		s, diags := Parse(src)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("parsing %d bytes took %v", len(src), d)
		}
		if s == nil {
			t.Fatal("nil script")
		}
		if len(diags) > maxErrors {
			t.Fatalf("%d diagnostics", len(diags))
		}
		for _, d := range diags {
			if d.Offset < 0 || d.End < d.Offset || d.End > len(src) || d.Message == "" || d.Line < 1 || d.Col < 1 {
				t.Fatalf("bad diagnostic %+v", d)
			}
		}
		Walk(s, func(n Node) bool {
			if n.Pos() < 0 || n.End() < n.Pos() || n.End() > len(src) {
				t.Fatalf("%T span %d-%d out of bounds", n, n.Pos(), n.End())
			}
			return true
		})
		if len(errorsOf(diags)) == 0 {
			roundTrip(t, "fuzz", src)
		}
	})
}

// TestHostileInput checks that pathological queries end quickly with a
// clear diagnostic and bounded work.
func TestHostileInput(t *testing.T) {
	deep := strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000)
	cases := []struct {
		name, src, code string
	}{
		{"deep-parens", "print " + deep, CodeTooDeep},
		{"deep-calls", "print " + strings.Repeat("f(", 50_000) + strings.Repeat(")", 50_000), CodeTooDeep},
		{"deep-unary", "print " + strings.Repeat("- ", 50_000) + "x", CodeTooDeep},
		{"deep-dynamic", "print dynamic(" + strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000) + ")", CodeTooDeep},
		{"deep-subqueries", "T | join (" + strings.Repeat("T | join (", 10_000) + "T", CodeTooDeep},
		{"deep-functions", strings.Repeat("let f = () { ", 10_000) + "1", CodeTooDeep},
		{"too-long", "print '" + strings.Repeat("a", MaxLength) + "'", CodeTooLong},
		{"huge-number", "print " + strings.Repeat("9", 100_000), CodeBadLiteral},
		{"huge-timespan", "print " + strings.Repeat("9", 100_000) + "d", CodeBadLiteral},
		{"unbalanced", strings.Repeat(")", 100_000), CodeUnexpected},
		{"pipes", "T" + strings.Repeat(" |", 100_000), CodeExpected},
		{"unterminated", strings.Repeat("'", 100_001), CodeUnterminated},
		{"garbage", strings.Repeat("\x01", 100_000), CodeBadChar},
	}
	for _, c := range cases {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		start := time.Now()
		_, diags := Parse(c.src)
		elapsed := time.Since(start)
		runtime.ReadMemStats(&m1)
		// Bounded memory: what a parse allocates stays proportional to the
		// input (a hostile query cannot make it allocate much more).
		if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > uint64(16*len(c.src)+(1<<20)) {
			t.Errorf("%s: parsing %d bytes allocated %d bytes", c.name, len(c.src), alloc)
		} else if testing.Verbose() {
			t.Logf("%-16s %8d bytes in, %9d bytes allocated, %v", c.name, len(c.src), alloc, elapsed.Round(time.Millisecond))
		}
		if len(diags) == 0 || len(diags) > maxErrors {
			t.Errorf("%s: %d diagnostics", c.name, len(diags))
			continue
		}
		found := false
		for _, d := range diags {
			found = found || d.Code == c.code
		}
		if !found {
			t.Errorf("%s: no %s diagnostic in %v", c.name, c.code, diags[:min(3, len(diags))])
		}
		if elapsed > 2*time.Second {
			t.Errorf("%s: took %v", c.name, elapsed)
		}
	}
	// Large but valid: a long in-list and a long string parse fine.
	list := "T | where x in (" + strings.Repeat("'a', ", 50_000) + "'b')"
	if _, diags := Parse(list); len(diags) > 0 {
		t.Errorf("long list: %v", diags[0])
	}
}
