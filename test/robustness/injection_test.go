package robustness

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// KQL injection. The tools that put user values into KQL (grep toolkit.QuoteKQL in internal/toolsets):
//
//	get_kql_examples   account, ip, host   narrow a shipped hunt (query/narrow.go)
//	get_table_schema   table               `T | getschema` (query/tables.go)
//
// (check_connector_freshness quotes table names and conditions of connector definitions, which come
// from Azure, not from arguments.) Each hostile value below must come out as one string literal or
// quoted name: the query built from it has exactly the tokens of the query built from a plain value,
// only the literal's content differs, and it decodes back to the value.

var hostileValues = []string{
	`"`, `\`, `\"`, `'`, `''`, `x\`, `x"`, `x'`,
	`x" | take 1 //`,
	`x"; .drop table SigninLogs //`,
	"x\n| union SecurityEvent",
	"x\r\n.set-or-append T <| print 1",
	`x' or 1==1 or '`,
	`x" or 1==1 or "`,
	`// comment`, `|`, `;`, `;.show tables`,
	`@"x`, `@'x'`, `h"x`, `H'x'`, `x"h"y`, `x" h"y" "`,
	"```x```", "~~~x~~~",
	`“x” ‘y’ ＂z＂`, // typographic and fullwidth quotes are not KQL quotes
	"x\u2028y\u2029z", "tab\there", "x\u202e\u200by", `$left.x`, `{x}`, `[x]`, `['x']`,
	`x\" | where true | extend y=\"`,
	`\u0022 | take 1`, // an escape sequence written out: stays text
}

// kinds is the token kinds of a query, without the content of strings.
func kinds(q string) ([]syntax.TokenKind, []string, error) {
	toks, diags := syntax.Lex(q)
	if len(diags) > 0 {
		return nil, nil, fmt.Errorf("%s (%s)", diags[0].Message, diags[0].Code)
	}
	var ks []syntax.TokenKind
	var strs []string
	for _, t := range toks {
		ks = append(ks, t.Kind)
		if t.Kind == syntax.TokString {
			strs = append(strs, t.Value)
		}
	}
	return ks, strs, nil
}

// sameShape checks that the query built from a hostile value has the structure of the one built
// from a plain value and carries the value intact in a string literal (in one of the forms wants).
func sameShape(plain, hostile string, wants ...string) error {
	pk, _, err := kinds(plain)
	if err != nil {
		return fmt.Errorf("the query from a plain value does not lex: %v", err)
	}
	hk, strs, err := kinds(hostile)
	if err != nil {
		return fmt.Errorf("the query does not lex: %v", err)
	}
	if !slices.Equal(pk, hk) {
		return fmt.Errorf("the value changed the query's structure: %d tokens instead of %d", len(hk), len(pk))
	}
	if !slices.ContainsFunc(strs, func(s string) bool {
		return slices.ContainsFunc(wants, func(w string) bool { return strings.Contains(s, w) })
	}) {
		return fmt.Errorf("no string literal carries the value (%q): %q", wants, strs)
	}
	if _, diags := syntax.Parse(hostile); len(diags) > 0 && diags[0].Severity == syntax.SeverityError {
		return fmt.Errorf("the query does not parse: %s", diags[0].Message)
	}
	return nil
}

// plainOf is a harmless value of the same kind: letters where v has anything but the characters
// the hunts' narrowing looks at (@ and \ of accounts, dots of host names).
func plainOf(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '@' || r == '.' || r == '\\' {
			return r
		}
		return 'a'
	}, strings.TrimSpace(v))
}

// accountPart is what the hunts compare with an account's name column (after a \ or before an @).
func accountPart(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.LastIndexByte(v, '\\'); i >= 0 && i < len(v)-1 {
		v = v[i+1:]
	}
	if i := strings.IndexByte(v, '@'); i > 0 {
		v = v[:i]
	}
	return v
}

// TestShapeCheckCatchesNaiveQuoting shows that sameShape detects injection: a query built by pasting
// the value between quotes fails it for most hostile values.
func TestShapeCheckCatchesNaiveQuoting(t *testing.T) {
	naive := func(v string) string { return `SigninLogs | where UserPrincipalName == "` + v + `" | take 10` }
	for _, v := range hostileValues {
		if strings.ContainsAny(v, `"\`+"\n") && sameShape(naive(plainOf(v)), naive(v), v) == nil {
			t.Errorf("the shape check misses the injection of %q pasted between quotes", v)
		}
	}
}

func TestKQLInjection(t *testing.T) {
	env := startAll(t, toolsettest.Options{})
	own := world.MustWorkspace(world.WSContosoProd)

	t.Run("get_kql_examples", func(t *testing.T) {
		examples := func(arg, value string) (map[string]string, string) {
			res, text, err := call(env, "get_kql_examples", map[string]any{arg: value})
			if err != nil {
				t.Fatalf("%s=%q: protocol error %v", arg, value, err)
			}
			if res.IsError {
				return nil, text
			}
			var out struct {
				Examples []struct{ Name, Query string }
			}
			b, _ := json.Marshal(res.StructuredContent)
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}
			m := map[string]string{}
			for _, e := range out.Examples {
				m[e.Name] = e.Query
			}
			return m, ""
		}
		values := map[string][]string{"account": hostileValues, "host": hostileValues,
			// ip must be an address; an IPv6 zone may hold any text.
			"ip": {`fe80::1%x" | take 1 //`, "fe80::1%x\n| union SecurityEvent", `fe80::1%\`, `fe80::1%@"y`}}
		for arg, vs := range values {
			for _, v := range vs {
				plainValue := plainOf(v)
				if arg == "ip" {
					plainValue = "fe80::1%plain"
				}
				plain, msg := examples(arg, plainValue)
				if len(plain) == 0 {
					t.Fatalf("%s: no hunt narrowed to the plain value %q: %s", arg, plainValue, msg)
				}
				wants := []string{strings.TrimSpace(v)}
				switch arg {
				case "account":
					wants = append(wants, accountPart(v))
				case "host":
					if i := strings.IndexByte(strings.TrimSpace(v), '.'); i > 0 {
						wants = append(wants, strings.TrimSpace(v)[:i])
					}
				}
				got, msg := examples(arg, v)
				if got == nil {
					if strings.Contains(msg, "invalid arguments") || msg == "" {
						t.Errorf("%s=%q: %s", arg, v, msg)
					}
					continue // refused with a reason (e.g. a control character): nothing built
				}
				for name, q := range got {
					if err := sameShape(plain[name], q, wants...); err != nil {
						t.Errorf("%s=%q, hunt %q: %v\n%s", arg, v, name, err, q)
					}
				}
			}
		}
	})

	t.Run("get_table_schema", func(t *testing.T) {
		sent := func(value string) (string, string) {
			n := len(env.Queries())
			res, text, err := call(env, "get_table_schema", map[string]any{"workspace": own.Alias(), "table": value})
			if err != nil {
				t.Fatalf("table=%q: protocol error %v", value, err)
			}
			qs := env.Queries()[n:]
			if !res.IsError && strings.Contains(text, "TimeGenerated") && value != "plain table" {
				t.Errorf("table=%q returned a table's columns: %s", value, short(text))
			}
			if len(qs) == 0 {
				return "", text
			}
			return qs[0], text
		}
		plain, text := sent("plain table")
		if plain == "" {
			t.Fatalf("no query sent for a table name with a space: %s", text)
		}
		for _, v := range hostileValues {
			q, text := sent(v)
			plain, _ := sent("plain " + plainOf(v))
			if q == "" {
				if !strings.Contains(text, "table") {
					t.Errorf("table=%q: nothing sent and no reason: %s", v, short(text))
				}
				continue
			}
			if err := sameShape(plain, q, v); err != nil {
				t.Errorf("table=%q: %v\n%s", v, err, q)
			}
		}
	})
}
