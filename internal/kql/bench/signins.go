// Package bench holds the KQL engine's speed benchmarks and the corpus
// execution-rate measurement: a deterministic SigninLogs-like data set,
// the benchmark queries with their SQL equivalents, and the comparison
// against SQLite (kqlbench command).
package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// SigninColumns is the benchmark table's schema: the SigninLogs columns the
// queries touch plus a few wide ones so rows have a realistic size.
var SigninColumns = []data.Column{
	{Name: "TimeGenerated", Type: data.DateTime},
	{Name: "UserPrincipalName", Type: data.String},
	{Name: "IPAddress", Type: data.String},
	{Name: "ResultType", Type: data.String},
	{Name: "AppDisplayName", Type: data.String},
	{Name: "Location", Type: data.String},
	{Name: "ClientAppUsed", Type: data.String},
	{Name: "ConditionalAccessStatus", Type: data.String},
	{Name: "RiskLevelDuringSignIn", Type: data.String},
	{Name: "DurationMs", Type: data.Long},
}

// SigninEnd is the fixed end of the generated time range.
var SigninEnd = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// SigninRow is one generated row, in SigninColumns order.
type SigninRow struct {
	Time                                                    time.Time
	User, IP, Result, App, Location, Client, CAStatus, Risk string
	Duration                                                int64
}

// Signins generates n deterministic rows over the 7 days before SigninEnd,
// ordered by time, calling emit for each.
func Signins(n int, seed uint64, emit func(r *SigninRow)) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	users := make([]string, 2000)
	for i := range users {
		users[i] = fmt.Sprintf("user%04d@contoso.com", i)
	}
	ips := make([]string, 5000)
	for i := range ips {
		ips[i] = fmt.Sprintf("%d.%d.%d.%d", 20+rng.IntN(180), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
	}
	results := []string{"0", "0", "0", "0", "0", "0", "0", "50126", "50074", "50140", "53003", "50053"}
	apps := []string{"Office 365 Exchange Online", "Microsoft Teams", "Azure Portal", "SharePoint Online", "Microsoft Graph", "Azure CLI", "Power BI", "OneDrive"}
	locations := []string{"US", "US", "US", "GB", "DE", "FR", "NL", "IN", "JP", "BR", "AU", "CA"}
	clients := []string{"Browser", "Mobile Apps and Desktop clients", "Exchange ActiveSync", "Other clients"}
	ca := []string{"success", "notApplied", "failure"}
	risk := []string{"none", "none", "none", "low", "medium", "high"}
	span := 7 * 24 * time.Hour
	start := SigninEnd.Add(-span)
	step := span / time.Duration(max(n, 1))
	r := &SigninRow{}
	for i := 0; i < n; i++ {
		r.Time = start.Add(time.Duration(i) * step)
		u := rng.IntN(len(users))
		r.User = users[u]
		r.IP = ips[(u*7+rng.IntN(3))%len(ips)]
		r.Result = results[rng.IntN(len(results))]
		r.App = apps[rng.IntN(len(apps))]
		r.Location = locations[rng.IntN(len(locations))]
		r.Client = clients[rng.IntN(len(clients))]
		r.CAStatus = ca[rng.IntN(len(ca))]
		r.Risk = risk[rng.IntN(len(risk))]
		r.Duration = int64(rng.IntN(5000))
		emit(r)
	}
}

// SigninTable builds the benchmark table of n rows with TableBuilder.
func SigninTable(n int) (*data.Table, error) {
	b := data.NewTableBuilder("SigninLogs", SigninColumns, n)
	var err error
	Signins(n, 1, func(r *SigninRow) {
		if err != nil {
			return
		}
		err = b.Append(r.Time, r.User, r.IP, r.Result, r.App, r.Location, r.Client, r.CAStatus, r.Risk, r.Duration)
	})
	if err != nil {
		return nil, err
	}
	return b.Build(), nil
}

// Query is a benchmark query in KQL and its SQL equivalent over the same
// table (datetimes stored in SQLite as unix seconds).
type Query struct {
	Name string
	KQL  string
	SQL  string
}

// Queries are the benchmark workloads of issue 4.
var Queries = []Query{
	{
		Name: "filter+count",
		KQL:  `SigninLogs | where ResultType == "50126" | count`,
		SQL:  `SELECT count(*) FROM SigninLogs WHERE ResultType = '50126';`,
	},
	{
		Name: "filter+summarize by bin,user",
		KQL:  `SigninLogs | where ResultType != "0" | summarize count() by bin(TimeGenerated, 1h), UserPrincipalName`,
		SQL:  `SELECT (TimeGenerated/3600)*3600 AS h, UserPrincipalName, count(*) FROM SigninLogs WHERE ResultType <> '0' GROUP BY h, UserPrincipalName;`,
	},
	{
		Name: "join",
		KQL: `SigninLogs | where ResultType == "50126" | summarize Failures=count() by UserPrincipalName
| join kind=inner (SigninLogs | where ResultType == "0" | summarize Successes=count() by UserPrincipalName) on UserPrincipalName
| where Successes > 0`,
		SQL: `SELECT f.UserPrincipalName, f.Failures, s.Successes FROM
 (SELECT UserPrincipalName, count(*) AS Failures FROM SigninLogs WHERE ResultType = '50126' GROUP BY UserPrincipalName) f
 JOIN (SELECT UserPrincipalName, count(*) AS Successes FROM SigninLogs WHERE ResultType = '0' GROUP BY UserPrincipalName) s
 ON f.UserPrincipalName = s.UserPrincipalName WHERE s.Successes > 0;`,
	},
	{
		Name: "dcount by user",
		KQL:  `SigninLogs | summarize dcount(IPAddress) by UserPrincipalName`,
		SQL:  `SELECT UserPrincipalName, count(DISTINCT IPAddress) FROM SigninLogs GROUP BY UserPrincipalName;`,
	},
}
