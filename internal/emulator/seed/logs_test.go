package seed

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// hashTables digests every cell of every table (wire form), in name order.
func hashTables(tabs map[string]*data.Table) [32]byte {
	h := sha256.New()
	names := make([]string, 0, len(tabs))
	for n := range tabs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := tabs[n]
		h.Write([]byte(n))
		binary.Write(h, binary.LittleEndian, int64(t.Len()))
		var buf []byte
		for c := 0; c < t.NumColumns(); c++ {
			v := t.Column(c)
			buf = buf[:0]
			for i := 0; i < t.Len(); i++ {
				switch v.Type.Storage() {
				case data.StoreString:
					buf = append(append(buf, v.Str(i)...), 0)
				case data.StoreInt:
					buf = binary.LittleEndian.AppendUint64(buf, uint64(v.Ints[i]))
				case data.StoreReal:
					buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v.Reals[i]))
				case data.StoreBool:
					buf = append(buf, boolByte(v.Bools[i]))
				case data.StoreDynamic:
					buf = data.AppendJSON(buf, v.Dyns[i])
				}
				buf = append(buf, boolByte(v.IsNull(i)))
			}
			h.Write(buf)
		}
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func TestLogsDeterministic(t *testing.T) {
	ws := world.MustWorkspace(world.WSContosoProd)
	a := Build(Options{Seed: 7, Now: testNow}).Logs(ws.ResourceID)
	// Same seed, a clock in the same hour, the workspace by another reference: the same data.
	b := Build(Options{Seed: 7, Now: testNow.Add(15 * time.Minute)}).Logs(ws.Alias())
	if hashTables(a) != hashTables(b) {
		t.Fatal("two generations with the same seed and hour differ")
	}
	c := Build(Options{Seed: 8, Now: testNow}).Logs(ws.ResourceID)
	if hashTables(a) == hashTables(c) {
		t.Fatal("a different seed gave identical data")
	}
	if a["SigninLogs"].Len() == 0 || hashTables(map[string]*data.Table{"x": a["SigninLogs"]}) ==
		hashTables(map[string]*data.Table{"x": c["SigninLogs"]}) {
		t.Fatal("the background sign-ins do not depend on the seed")
	}
}

func TestLogsIndependentOfOtherWorkspaces(t *testing.T) {
	w, logs := demo() // generated concurrently
	for _, name := range []string{world.WSFabrikamSentinel, world.WSNorthwindOps} {
		ws := world.MustWorkspace(name)
		alone := Build(Options{Now: testNow}).Logs(ws.CustomerID)
		if hashTables(alone) != hashTables(logs[name]) {
			t.Errorf("%s generated alone differs from %s generated with the others", name, name)
		}
	}
	if w.Logs("/subscriptions/nope/resourceGroups/x/providers/Microsoft.OperationalInsights/workspaces/y") != nil {
		t.Error("an unknown workspace has logs")
	}
}

func TestLogsMatchSchemas(t *testing.T) {
	w, logs := demo()
	start := testNow.Truncate(time.Hour).Add(-time.Duration(w.Options.Days) * 24 * time.Hour)
	end := testNow.Truncate(time.Hour)
	for wsName, tabs := range logs {
		for name, tab := range tabs {
			st, ok := schema.Lookup(name)
			if !ok {
				t.Errorf("%s: table %s has no schema", wsName, name)
				continue
			}
			want := st.Schema()
			if !reflect.DeepEqual(tab.Schema().Columns, want.Columns) || tab.Schema().Name != name {
				t.Errorf("%s/%s: columns differ from internal/schema", wsName, name)
			}
			for c, col := range tab.Schema().Columns {
				v := tab.Column(c)
				if v.N != tab.Len() || v.Type != col.Type {
					t.Errorf("%s/%s.%s: vector %s of %d rows", wsName, name, col.Name, v.Type, v.N)
				}
				checkCells(t, wsName+"/"+name+"."+col.Name, v)
			}
			x := tbl{t, tab}
			tg := x.time(st.TimeColumn)
			for i := 0; i < tab.Len(); i++ {
				// Indicators expire in the future, but every record was ingested in the window.
				if at := tg(i); at.Before(start) || !at.Before(end) {
					t.Errorf("%s/%s row %d: %s outside [%s, %s)", wsName, name, i, at, start, end)
					break
				}
			}
			tenant, typ, billed := x.str("TenantId"), x.str("Type"), x.col("_BilledSize")
			wsID := world.MustWorkspace(wsName).CustomerID
			for i := 0; i < tab.Len(); i++ {
				if tenant(i) != wsID || typ(i) != name || billed.IsNull(i) || billed.Reals[i] <= 0 {
					t.Errorf("%s/%s row %d: TenantId %q Type %q _BilledSize %v", wsName, name, i, tenant(i), typ(i), billed.Reals[i])
					break
				}
			}
		}
	}
}

// checkCells checks every cell is valid for its type: dynamic values normalized, int values in range.
func checkCells(t *testing.T, where string, v *data.Vector) {
	t.Helper()
	for i := 0; i < v.N; i++ {
		switch v.Type {
		case data.Dynamic:
			if d := v.Dyns[i]; (d == nil) != v.IsNull(i) || !normalized(d) {
				t.Errorf("%s row %d: dynamic %#v not normalized (null bit %v)", where, i, d, v.IsNull(i))
				return
			}
		case data.Int:
			if x := v.Ints[i]; int64(int32(x)) != x {
				t.Errorf("%s row %d: %d overflows int", where, i, x)
				return
			}
		case data.String:
			if v.IsNull(i) {
				t.Errorf("%s row %d: null string", where, i)
				return
			}
		}
	}
}

func normalized(d any) bool {
	switch x := d.(type) {
	case nil, bool, int64, float64, string, time.Time, time.Duration, data.UUID:
		return true
	case []any:
		for _, e := range x {
			if !normalized(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !normalized(e) {
				return false
			}
		}
		return true
	}
	return false
}

func TestWorkspaceTables(t *testing.T) {
	_, logs := demo()
	names := func(ws string) []string {
		var out []string
		for n := range logs[ws] {
			out = append(out, n)
		}
		sort.Strings(out)
		return out
	}
	// A plain Log Analytics workspace has no Sentinel tables.
	if got := strings.Join(names(world.WSNorthwindOps), ","); got != "AzureActivity,AzureDiagnostics,Heartbeat,Syslog,Usage,W3CIISLog" {
		t.Errorf("northwind-ops tables: %s", got)
	}
	for _, n := range names(world.WSNorthwindOps) {
		if st, _ := schema.Lookup(n); len(st.Solutions) == 1 && st.Solutions[0] == "SecurityInsights" {
			t.Errorf("northwind-ops has the Sentinel table %s", n)
		}
	}
	required := []string{"SigninLogs", "AADNonInteractiveUserSignInLogs", "AuditLogs", "SecurityEvent", "SecurityAlert",
		"SecurityIncident", "CommonSecurityLog", "Syslog", "Heartbeat", "Usage", "SentinelHealth", "AzureActivity",
		"OfficeActivity", "DeviceProcessEvents", "DeviceNetworkEvents", "DeviceLogonEvents", "DeviceFileEvents",
		"IdentityLogonEvents", "EmailEvents", "ThreatIntelligenceIndicator", "DnsEvents", "W3CIISLog", "AzureDiagnostics",
		world.CustomTable}
	f := world.SeededFacts()
	for _, ws := range world.Workspaces() {
		if !ws.Sentinel {
			continue
		}
		for _, n := range required {
			if logs[ws.Name][n] == nil || (logs[ws.Name][n].Len() == 0 && n != "SecurityAlert" && n != "SecurityIncident") {
				t.Errorf("%s: table %s missing or empty", ws.Name, n)
			}
		}
		_, ueba := logs[ws.Name]["BehaviorAnalytics"]
		if ueba == f.Has(ws.Name, world.DiffUEBADisabled, "") {
			t.Errorf("%s: BehaviorAnalytics present=%v with UEBA disabled=%v", ws.Name, ueba, !ueba)
		}
	}
	// Every schema the product knows is generated somewhere, except the Watchlist table, which mirrors
	// watchlist resources that are not seeded.
	seen := map[string]bool{}
	for _, tabs := range logs {
		for n := range tabs {
			seen[n] = true
		}
	}
	for _, n := range schema.Names() {
		if !seen[n] && n != "Watchlist" {
			t.Errorf("no workspace has table %s", n)
		}
	}
}

func TestDemoVolume(t *testing.T) {
	_, logs := demo()
	total := 0
	for ws, tabs := range logs {
		n := 0
		for _, tab := range tabs {
			n += tab.Len()
		}
		if ws != world.WSNorthwindOps && (n < 8000 || n > 30000) {
			t.Errorf("%s: %d rows at Scale 1", ws, n)
		}
		total += n
	}
	t.Logf("demo world: %d rows", total)
	if total < 60000 || total > 160000 {
		t.Errorf("demo world has %d rows", total)
	}
}

func TestRowsOption(t *testing.T) {
	if testing.Short() {
		t.Skip("generates three worlds")
	}
	count := func(w *World) int {
		total := 0
		for _, tabs := range allLogs(w) {
			for _, tab := range tabs {
				total += tab.Len()
			}
		}
		return total
	}
	for _, rows := range []int{60_000, 120_000} {
		if total := count(Build(Options{Now: testNow, Rows: rows, ExtraTenants: 2})); math.Abs(float64(total-rows))/float64(rows) > 0.02 {
			t.Errorf("Rows=%d gave %d rows", rows, total)
		}
	}
	// Below the structural floor (rule health, heartbeats at their longest interval, indicators), the floor.
	w := Build(Options{Now: testNow, Rows: 1000})
	floor := count(w)
	if floor < 10000 || floor > 40000 || math.Abs(w.plannedRows(w.volume(), &planCache{})-float64(floor)) > 0.02*float64(floor) {
		t.Errorf("Rows=1000 gave %d rows, planned %.0f", floor, w.plannedRows(w.volume(), &planCache{}))
	}
}

func TestScaleGrowsPopulation(t *testing.T) {
	f := world.SeededFacts()
	for _, ws := range append(world.Workspaces(), world.ExtraWorkspace(3)) {
		for _, scale := range []float64{0.1, 1, 2.5, 12} {
			p := newPopulation(ws, scale, f)
			if got, want := len(p.agents), agentCount(ws, scale, f); got != want {
				t.Errorf("%s at %v: %d agents, plan says %d", ws.Name, scale, got, want)
			}
			if want := sizeFor(ws, scale).users; len(p.users) != want {
				t.Errorf("%s at %v: %d users, want %d", ws.Name, scale, len(p.users), want)
			}
			for _, s := range f.StoriesIn(ws.Name) {
				if s.Host == "" {
					continue
				}
				if u := p.user(s.Account); !strings.EqualFold(u.Device.Name, s.Host) {
					t.Errorf("%s: story host %s is not %s's workstation (%s)", ws.Name, s.Host, s.Account, u.Device.Name)
				}
			}
		}
	}
}

func TestOtherWindows(t *testing.T) {
	ws := world.MustWorkspace(world.WSLitwareSentinel)
	for _, days := range []int{1, 14} {
		w := Build(Options{Now: testNow, Days: days})
		logs := w.Logs(ws.ResourceID)
		start := w.Options.Now.Add(-time.Duration(days) * 24 * time.Hour)
		for name, tab := range logs {
			ts := tbl{t, tab}.time("TimeGenerated")
			for i := 0; i < tab.Len(); i++ {
				if ts(i).Before(start) || !ts(i).Before(w.Options.Now) {
					t.Fatalf("Days=%d: %s row at %s outside the window", days, name, ts(i))
				}
			}
		}
		// The stories (all within the last day) are there whatever the window.
		for _, det := range detections[:5] {
			rule := ruleFromFile(t, det.rule)
			got := det.find(&detCtx{t: t, logs: logs, now: w.Options.Now, since: start})
			if want := expected(rule, ws.Name, w.Facts, w.Options.Now); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("Days=%d: %s found %v, want %v", days, det.rule, got, want)
			}
		}
	}
}
