package kql

import (
	"strings"
	"testing"
)

type typeCase struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

type typeVerdict struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Columns []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"columns"`
	Errors []string `json:"errors"`
}

// typeDivergences are the cases where the engine deliberately differs
// from Kusto.Language's binder, with the reason.
var typeDivergences = map[string]string{
	"arith-dt-dt-add-err":  "the sum of two datetimes has no meaning: the engine refuses it where the binder types it datetime",
	"cond-mismatch-err":    "iff() with a long and a string branch: the engine asks for branches of one type where the binder falls back to dynamic",
	"op-getschema":         "ColumnOrdinal is an int here; the binder types it long, the documentation does not say",
	"op-bag-unpack":        "bag_unpack's columns come from the data, which the binder does not see",
	"arith-dynamic-time":   "a dynamic with a datetime or a timespan stays dynamic (the value may be either, and unknown columns in Validate are dynamic); the binder types dynamic + 1h a timespan",
	"cmp-long-datetime-eq": "a number equal to a datetime: the engine refuses == between unrelated types (number, datetime, timespan, guid) where the binder allows it",
	"op-union-kind-inner":  "union kind=inner keeps the columns common to every input, as the union documentation says; the binder lists them all",
}

// TestTypeRules runs the queries of testdata/types.jsonl (type rules of
// operators and functions, result column names, case sensitivity) and
// compares each result schema with the one Microsoft's binder
// (Kusto.Language, recorded in types-oracle.jsonl by oracle.go) gives
// over the same table schemas; a query it rejects must fail here too.
func TestTypeRules(t *testing.T) {
	cases := readJSONL[typeCase](t, "testdata/types.jsonl")
	oracle := readJSONL[typeVerdict](t, "testdata/types-oracle.jsonl")
	if len(cases) != len(oracle) {
		t.Fatalf("%d cases but %d verdicts: regenerate them (see testdata/README.md)", len(cases), len(oracle))
	}
	src := testSource(t)
	agree, rejected := 0, 0
	defer func() {
		t.Logf("%d queries (%d rejected by Kusto.Language): %d agree, %d documented divergences", len(cases), rejected, agree, len(typeDivergences))
	}()
	for i, c := range cases {
		o := oracle[i]
		if o.Name != c.Name {
			t.Fatalf("case %d is %q but its verdict %q: regenerate the verdicts", i, c.Name, o.Name)
		}
		res, err := Execute(t.Context(), src, c.Query, Options{Now: testNow})
		why, diverges := typeDivergences[c.Name]
		if !o.OK {
			rejected++
		}
		switch {
		case diverges:
			t.Logf("%s: diverges from Kusto.Language (%s): err=%v", c.Name, why, err)
		case !o.OK && err != nil:
			agree++
		case !o.OK && err == nil:
			t.Errorf("%s: %s\n  runs, but Kusto rejects it: %s", c.Name, c.Query, strings.Join(o.Errors, "; "))
		case o.OK && err != nil:
			t.Errorf("%s: %s\n  error %v; Kusto accepts it", c.Name, c.Query, err)
		case o.OK:
			var got, want []string
			for _, col := range res.Tables[0].Columns {
				got = append(got, col.Name+":"+col.Type)
			}
			for _, col := range o.Columns {
				want = append(want, col.Name+":"+col.Type)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s: %s\n  got  %s\n  want %s", c.Name, c.Query, strings.Join(got, " "), strings.Join(want, " "))
			} else {
				agree++
			}
		}
	}
}
