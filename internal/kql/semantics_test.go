package kql

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

func TestSemantics(t *testing.T) {
	src := testSource(t)
	for _, c := range semanticCases {
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

// TestErrors checks codes, positions and suggestions of query errors.
func TestErrors(t *testing.T) {
	src := testSource(t)
	cases := []struct {
		query, code, sub string
		line, col        int
		name, suggestion string
		msg              string
	}{
		{query: `SigninLogs | where UserPrincipalNme == "x"`, code: CodeSemantic, sub: "SEM0101", line: 1, col: 20,
			name: "UserPrincipalNme", suggestion: "UserPrincipalName", msg: "'where' operator: Failed to resolve scalar expression named 'UserPrincipalNme'"},
		{query: "SigninLog\n| take 1", code: CodeSemantic, sub: "SEM0100", line: 1, col: 1, name: "SigninLog", suggestion: "SigninLogs",
			msg: "Failed to resolve table or column expression named 'SigninLog'"},
		{query: "SigninLogs\n| extend x = strlenn(UserPrincipalName)", code: CodeSemantic, sub: "SEM0102", line: 2, col: 14, name: "strlenn", suggestion: "strlen"},
		{query: "SigninLogs | extend x = strlen()", code: CodeSemantic, sub: "SEM0103", line: 1, col: 25, name: "strlen"},
		{query: "SigninLogs | where TimeGenerated > 5", code: CodeSemantic, sub: "SEM0104", line: 1, col: 20},
		{query: "SigninLogs | where UserPrincipalName", code: CodeSemantic, sub: "SEM0104", line: 1, col: 20},
		{query: "SigninLogs | where", code: CodeSyntax, sub: "SYN002", line: 1, col: 19},
		{query: `SigninLogs | extend x = "a" + 1`, code: CodeSemantic, sub: "SEM0104", line: 1, col: 25},
		{query: "SigninLogs | extend r = prev(DurationMs)", code: CodeSemantic, sub: "SEM0105", msg: "must be serialized"},
		{query: "SigninLogs | join SecurityEvent on Account", code: CodeSemantic, sub: "SEM0101", msg: "the left side has no column 'Account'"},
		{query: "let x = 5; x | take 1", code: CodeSemantic, sub: "SEM0104", line: 1, col: 12},
		{query: "range x from 1 to 100000000 step 1", code: CodeLimitExceeded},
		{query: `print x = "a" matches regex "("`, code: CodeSemantic, sub: "SEM0105", line: 1, col: 29},
		{query: "SigninLogs | extend v = count()", code: CodeSemantic, sub: "SEM0105", msg: "can only be used in summarize"},
		{query: "SigninLogs | evaluate autocluster()", code: CodeNotSupported, name: "autocluster"},
		{query: "let a = 1;", code: CodeSemantic, msg: "no tabular expression"},
		{query: "   ", code: CodeSyntax},
		{query: "SigninLogs | join (SigninLogs) where $left.DurationMs < $right.DurationMs", code: CodeNotSupported, line: 1, col: 38},
		{query: `SigninLogs | project-rename Where = strcat(Location, "-", IPAddress)`, code: CodeSemantic, sub: "SEM0105", line: 1, col: 37,
			msg: `'project-rename' operator: expected a column name after 'Where =', found the expression 'strcat(Location, "-", IPAddress)'; project-rename only renames columns: compute it with extend Where = strcat(Location, "-", IPAddress)`},
	}
	for _, c := range cases {
		_, err := Execute(context.Background(), src, c.query, Options{Now: testNow})
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: want an *Error, got %v", c.query, err)
			continue
		}
		if e.Code != c.code || (c.sub != "" && e.SubCode != c.sub) {
			t.Errorf("%q: code %s/%s, want %s/%s (%s)", c.query, e.Code, e.SubCode, c.code, c.sub, e.Message)
		}
		if c.line != 0 && (e.Line != c.line || e.Col != c.col) {
			t.Errorf("%q: position %d:%d, want %d:%d", c.query, e.Line, e.Col, c.line, c.col)
		}
		if c.name != "" && e.Name != c.name {
			t.Errorf("%q: name %q, want %q", c.query, e.Name, c.name)
		}
		if e.Suggestion != c.suggestion {
			t.Errorf("%q: suggestion %q, want %q", c.query, e.Suggestion, c.suggestion)
		}
		if c.msg != "" && !strings.Contains(e.Message, c.msg) {
			t.Errorf("%q: message %q lacks %q", c.query, e.Message, c.msg)
		}
	}
}

func TestLimits(t *testing.T) {
	src := testSource(t)
	ctx := context.Background()
	res, err := Execute(ctx, src, "range x from 1 to 1000 step 1", Options{MaxRows: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || len(res.Tables[0].Rows) != 10 || res.TotalRows != 1000 {
		t.Errorf("truncation: truncated=%v rows=%d total=%d", res.Truncated, len(res.Tables[0].Rows), res.TotalRows)
	}
	if _, err := Execute(ctx, src, strings.Repeat(" ", 300<<10)+"print 1", Options{}); err == nil || err.(*Error).Code != CodeLimitExceeded {
		t.Errorf("query size: %v", err)
	}
	_, err = Execute(ctx, src, "range x from 1 to 5000000 step 1 | extend y = strcat('row', x) | summarize make_list(y)", Options{MaxMemory: 4 << 20})
	if err == nil || err.(*Error).Code != CodeLimitExceeded {
		t.Errorf("memory limit: %v", err)
	}
	// A many-to-many join grows by a whole right side per left row: its
	// output is charged as it is made, not once per 4096 left rows.
	start := time.Now()
	_, err = Execute(ctx, src, "range x from 1 to 20000 step 1 | extend k = 1 | join kind=inner (range y from 1 to 20000 step 1 | extend k = 1) on k | count", Options{MaxMemory: 16 << 20})
	if err == nil || err.(*Error).Code != CodeLimitExceeded {
		t.Errorf("join memory limit: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the memory limit took %v to stop the join", d)
	}
	start = time.Now()
	_, err = Execute(ctx, src, "range x from 1 to 9000000 step 1 | extend y = strcat('row', x) | where y has 'z' | count", Options{Timeout: 50 * time.Millisecond})
	if err == nil || err.(*Error).Code != CodeTimeout {
		t.Errorf("timeout: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the timeout took %v to stop the query", d)
	}
}

func TestHiddenColumns(t *testing.T) {
	src := testSource(t)
	opts := Options{Now: testNow, HiddenColumns: []string{"_ResourceId"}}
	res, err := Execute(context.Background(), src, "SigninLogs | take 1", opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Tables[0].Columns {
		if c.Name == "_ResourceId" {
			t.Errorf("hidden column shown by take")
		}
	}
	res, err = Execute(context.Background(), src, "SigninLogs | project UserPrincipalName, _ResourceId | take 1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tables[0].Columns) != 2 {
		t.Errorf("named hidden column: %v", res.Tables[0].Columns)
	}
}

func TestValidate(t *testing.T) {
	cat := schema.DefaultCatalog()
	cases := []struct {
		query string
		want  []string // "severity code line:col" of each diagnostic
	}{
		{"SigninLogs | where ResultType == '50126' | summarize count() by UserPrincipalName", nil},
		{"SigninLogs | where UserPrincipalNme == 'x'", []string{"error SEM0101 1:20"}},
		{"SigninLogs | where A == 1 | extend b = strlenn(B)", []string{"error SEM0101 1:20", "error SEM0102 1:40", "error SEM0101 1:48"}},
		{"SigninLogs | where", []string{"error SYN002 1:19"}},
		{"MyCustom_CL | where Whatever == 1", []string{"warning SEM0110 1:1"}},
		{"imAuthentication | where EventResult == 'Failure'", []string{"warning SEM0111 1:1"}},
		{"_Im_Dns(starttime=ago(1h)) | take 1", []string{"warning SEM0111 1:1"}},
		{"let f = (x:string) { strlen(x) }; SigninLogs | extend n = f(UserPrincipalName)", nil},
		{"SigninLogs | summarize c = count() by UserPrincipalName | where count_ > 1", []string{"error SEM0101 1:65"}},
		{"SigninLogs | extend d = parse_json(tostring(LocationDetails)) | evaluate bag_unpack(d) | where city == 'x'", nil},
		{"workspace('contoso').SigninLogs | where Nope == 1", []string{"error SEM0101 1:41"}},
		// A table the catalog lacks: its placeholder (dynamic) columns do not
		// split a union's columns by type, as a pipe input or a member.
		{"Custom_CL | project Url | union (SigninLogs | project Url = UserPrincipalName) | summarize by Url", []string{"warning SEM0110 1:1"}},
		{"union (Custom_CL | project Url), (SigninLogs | project Url = UserPrincipalName) | where Url has 'x'", []string{"warning SEM0110 1:8"}},
		{"Custom_CL | union SigninLogs | where Anything == 1", []string{"warning SEM0110 1:1"}},
		{"OfficeActivity | extend ip = iff(isempty(ClientIP), ClientIP_, ClientIP), u = coalesce(UserId, UserId_) | project ip, u, _ItemId", nil},
		{"W3CIISLog | summarize count() by sComputerName", nil},
	}
	for _, c := range cases {
		var got []string
		for _, d := range Validate(c.query, cat) {
			got = append(got, d.Severity+" "+d.Code+" "+itoa(d.Line)+":"+itoa(d.Col))
		}
		if strings.Join(got, ", ") != strings.Join(c.want, ", ") {
			t.Errorf("%q:\n  got  %v\n  want %v", c.query, got, c.want)
		}
	}
	for _, d := range Validate("SigninLogs | where UserPrincipalNme == 'x'", cat) {
		if d.Hint != "did you mean 'UserPrincipalName'?" {
			t.Errorf("hint %q", d.Hint)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestConcurrentQueries runs the semantic cases from several goroutines over
// the same tables (the emulator serves queries concurrently): results must
// not change and -race must stay quiet.
func TestConcurrentQueries(t *testing.T) {
	src := testSource(t)
	errs := make(chan string, 4*len(semanticCases))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range semanticCases {
				res, err := Execute(context.Background(), src, c.query, Options{Now: testNow})
				if err != nil {
					errs <- c.query + ": " + err.Error()
					continue
				}
				if got := render(res.Tables[0]); got != c.want {
					errs <- c.query + ": got " + got
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
