package kql

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// unionCases read union columns through every access path: whole, through
// a filter, at sorted rows, in batches, nested; rows of a member that lacks
// a column read as nulls (empty strings).
var unionCases = []struct{ query, want string }{
	{`union withsource=T * | order by TimeGenerated asc, T asc | take 4 | project T, TimeGenerated, Computer, UserPrincipalName, EventID, DurationMs`,
		`T:string TimeGenerated:datetime Computer:string UserPrincipalName:string EventID:int DurationMs:long
["SecurityEvent","2025-03-04T10:00:00Z","WS01","",4624,null]
["SigninLogs","2025-03-04T10:00:00Z","","alice@contoso.com",null,120]
["SecurityEvent","2025-03-04T10:01:00Z","WS01","",4688,null]
["SecurityEvent","2025-03-04T10:02:00Z","WS02","",4625,null]`},
	{`union SigninLogs, SecurityEvent | where EventID == 4625 or DurationMs > 100 | project Computer, UserPrincipalName, EventID, DurationMs`,
		`Computer:string UserPrincipalName:string EventID:int DurationMs:long
["","alice@contoso.com",null,120]
["","alice@contoso.com",null,300]
["WS02","",4625,null]
["WS02","",4625,null]`},
	{`union * | where isnull(EventID) | summarize n = count(), users = dcount(UserPrincipalName), nulls = countif(isnull(DurationMs))`,
		`n:long users:long nulls:long
[5,3,1]`},
	{`union (union SigninLogs, SecurityEvent), SigninLogs | summarize count() by empty = isempty(Computer)`,
		`empty:bool count_:long
[true,10]
[false,5]`},
	{`union SecurityEvent, SigninLogs | take 7 | summarize make_set(Account), make_set(Location)`,
		`set_Account:dynamic set_Location:dynamic
["[\"CONTOSO\\\\alice\",\"CONTOSO\\\\bob\",\"CONTOSO\\\\admin\",\"\"]","[\"\",\"US\",\"GB\"]"]`},
	{`union SigninLogs, SecurityEvent | extend k = strcat(Computer, "|", Location) | summarize count() by k | order by k asc`,
		`k:string count_:long
["DC01|",1]
["WS01|",2]
["WS02|",2]
["|DE",2]
["|GB",1]
["|US",2]`},
	{`union SigninLogs, SecurityEvent | serialize | extend prevComputer = prev(Computer) | where isnotempty(prevComputer) | project EventID, prevComputer | take 2`,
		`EventID:int prevComputer:string
[4688,"WS01"]
[4625,"WS01"]`},
	{`union SigninLogs, (SecurityEvent | where EventID == 4688) | order by EventID desc nulls last | project EventID, Computer, ResultType | take 3`,
		`EventID:int Computer:string ResultType:string
[4688,"WS01",""]
[4688,"DC01",""]
[null,"","0"]`},
	// search and find read every column: datetimes, numbers and dynamic
	// values match through their text.
	{`search "2025-03-04T10:05" | count`, `Count:long
[1]`},
	{`search "4688" | count`, `Count:long
[2]`},
	{`search "Redmond" | project UserPrincipalName`, `UserPrincipalName:string
["alice@contoso.com"]`},
	{`search "countryOrRegion" | count`, `Count:long
[4]`},
	{`search "CONTOSO" | count`, `Count:long
[9]`},
	{`search "*ondo*" | project UserPrincipalName`, `UserPrincipalName:string
["bob@contoso.com"]`},
	{`search "true" | count`, `Count:long
[0]`},
	{`find in (SecurityEvent, SigninLogs) where TimeGenerated > datetime(2025-03-04 10:03) | summarize count() by source_ | order by source_ asc`,
		`source_:string count_:long
["SecurityEvent",1]
["SigninLogs",4]`},
}

func TestUnion(t *testing.T) {
	src := testSource(t)
	for _, c := range unionCases {
		got, err := runQuery(t, src, c.query)
		if err != nil {
			t.Errorf("%s\n  error: %v", c.query, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s\n  got:\n%s\n  want:\n%s", c.query, got, c.want)
		}
	}
}

// wideSource has tables of many columns each, few of them shared, like a
// Sentinel workspace under `union *`.
func wideSource(tb testing.TB, tables, cols, rows int) *memSource {
	src := &memSource{tables: map[string]*data.Table{}}
	t0 := time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)
	for k := 0; k < tables; k++ {
		name := fmt.Sprintf("Table%02d", k)
		cs := []data.Column{{Name: "TimeGenerated", Type: data.DateTime}, {Name: "Type", Type: data.String}}
		for j := 0; j < cols; j++ {
			typ := []data.Type{data.String, data.Long, data.Real, data.Dynamic, data.Bool}[j%5]
			cs = append(cs, data.Column{Name: fmt.Sprintf("%s_Col%03d", name, j), Type: typ})
		}
		b := data.NewTableBuilder(name, cs, rows)
		row := make([]any, len(cs))
		for i := 0; i < rows; i++ {
			row[0], row[1] = t0.Add(time.Duration(i)*time.Minute), name
			for j := 2; j < len(cs); j++ {
				switch cs[j].Type {
				case data.String:
					row[j] = fmt.Sprintf("v%d", i%50)
				case data.Long:
					row[j] = int64(i)
				case data.Real:
					row[j] = float64(i) / 2
				case data.Dynamic:
					row[j] = nil
				case data.Bool:
					row[j] = i%2 == 0
				}
			}
			if err := b.Append(row...); err != nil {
				tb.Fatal(err)
			}
		}
		src.tables[name] = b.Build()
	}
	return src
}

func TestUnionWideTables(t *testing.T) {
	src := wideSource(t, 8, 40, 300)
	out, err := runQuery(t, src, `union * | where Table03_Col001 > 297 | project Type, Table03_Col001, Table04_Col001, Table03_Col000`)
	if err != nil {
		t.Fatal(err)
	}
	want := "Type:string Table03_Col001:long Table04_Col001:long Table03_Col000:string\n" +
		`["Table03",298,null,"v48"]` + "\n" + `["Table03",299,null,"v49"]`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	// Reading every column of every row costs memory: the limit applies to
	// the columns actually built.
	_, err = Execute(context.Background(), src, `union * | order by Table00_Col001 desc`, Options{MaxMemory: 1 << 20})
	if err == nil || err.(*Error).Code != CodeLimitExceeded {
		t.Errorf("memory limit: %v", err)
	}
	if _, err := Execute(context.Background(), src, `union * | count`, Options{MaxMemory: 1 << 20}); err != nil {
		t.Errorf("count needs no column: %v", err)
	}
}

// BenchmarkUnionWide is `union *` over 24 tables of 40 columns (960 union
// columns), 16k rows: the shape of a seeded Sentinel workspace.
func BenchmarkUnionWide(b *testing.B) {
	src := wideSource(b, 24, 40, 660)
	for _, c := range []struct{ name, q string }{
		{"count", `union * | count`},
		{"countBySource", `union withsource=T * | summarize count() by T`},
		{"take10", `union * | take 10`},
		{"whereCount", `union * | where TimeGenerated > datetime(2025-03-04 10:55) | count`},
		{"whereRows", `union * | where TimeGenerated > datetime(2025-03-04 10:55)`},
		{"search", `search "v7" | count`},
		{"find", `find where TimeGenerated > datetime(2025-03-04 10:55) | count`},
	} {
		name, q := c.name, c.q
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Execute(context.Background(), src, q, Options{MaxMemory: -1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
