package eval

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

var benchTable = sync.OnceValue(func() *data.Table {
	users := make([]string, 2000)
	for i := range users {
		users[i] = "user" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)) + "@contoso.com"
	}
	results := []string{"0", "0", "0", "0", "0", "0", "0", "50126", "50074", "50140", "53003", "50053"}
	b := data.NewTableBuilder("SigninLogs", []data.Column{{Name: "TimeGenerated", Type: data.DateTime}, {Name: "UserPrincipalName", Type: data.String}, {Name: "ResultType", Type: data.String}}, 1_000_000)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 1_000_000; i++ {
		_ = b.Append(start.Add(time.Duration(i)*600*time.Millisecond), users[(i*7919)%len(users)], results[(i*31)%len(results)])
	}
	return b.Build()
})

func BenchmarkOpsFilterCount(b *testing.B) {
	t := benchTable()
	rc, cancel := newRunCtx(context.Background(), nil, Options{})
	defer cancel()
	pred := &cmpExpr{op: opEq, l: &colExpr{idx: 2, t: data.String}, r: constOf(data.StringValue("50126"))}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := filterRel(rc, nil, relFromTable(t), pred)
		if err != nil {
			b.Fatal(err)
		}
		if countRel(r, "Count").dense(0).Ints[0] == 0 {
			b.Fatal("no rows")
		}
	}
	b.ReportMetric(float64(t.Len())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
}

func BenchmarkOpsFilterSummarize(b *testing.B) {
	t := benchTable()
	rc, cancel := newRunCtx(context.Background(), nil, Options{})
	defer cancel()
	pred := &cmpExpr{op: opNe, l: &colExpr{idx: 2, t: data.String}, r: constOf(data.StringValue("0"))}
	binE := &callExpr{fn: funcs["bin"], args: []expr{&colExpr{idx: 0, t: data.DateTime}, constOf(data.TimeSpanValue(data.TicksPerHour))}, rt: data.DateTime}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := filterRel(rc, nil, relFromTable(t), pred)
		if err != nil {
			b.Fatal(err)
		}
		call := &aggCall{def: aggs["count"], names: []string{"count_"}, types: []data.Type{data.Long}, spec: &aggSpec{}}
		out, err := summarizeRel(rc, nil, r, []namedExpr{{name: "TimeGenerated", e: binE}, {name: "UserPrincipalName", e: &colExpr{idx: 1, t: data.String}}}, []*aggCall{call})
		if err != nil {
			b.Fatal(err)
		}
		if out.n == 0 {
			b.Fatal("no groups")
		}
	}
	b.ReportMetric(float64(t.Len())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
}
