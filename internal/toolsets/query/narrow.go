package query

import (
	"net/netip"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Narrowing a shipped hunt to one account, IP or host: the hunt's entity mappings name the result
// columns that hold each entity, and a where clause on them goes before the hunt's trailing
// sort/take (so "top 25" does not hide the entity asked for). Values enter the query only as quoted
// literals (toolkit.QuoteKQL) and column names as quoted identifiers, whatever they contain.

// Entity types, as in Sentinel entity mappings.
const (
	entAccount = "Account"
	entIP      = "IP"
	entHost    = "Host"
)

type entity struct{ kind, arg, value string }

func (in examplesIn) entities() ([]entity, error) {
	var out []entity
	for _, e := range []entity{{entAccount, "account", in.Account}, {entIP, "ip", in.IP}, {entHost, "host", in.Host}} {
		e.value = strings.TrimSpace(e.value)
		if e.value == "" {
			continue
		}
		if err := checkValue(e.arg, e.value); err != nil {
			return nil, err
		}
		if e.kind == entIP {
			a, err := netip.ParseAddr(e.value)
			if err != nil {
				return nil, toolkit.ArgError("ip", "%q is not an IP address (e.g. 203.0.113.7 or 2001:db8::1)", e.value)
			}
			e.value = a.String()
		}
		out = append(out, e)
	}
	return out, nil
}

// narrow returns the hunt's query filtered to the entities, or false when its results have no
// column for one of them.
func narrow(h *content.Hunt, q string, ents []entity) (string, bool) {
	var conds []string
	for _, e := range ents {
		c, ok := condition(h, e)
		if !ok {
			return "", false
		}
		conds = append(conds, c)
	}
	return insertFilter(q, strings.Join(conds, " and ")), true
}

func condition(h *content.Hunt, e entity) (string, bool) {
	for _, m := range h.EntityMappings {
		if !strings.EqualFold(m.EntityType, e.kind) {
			continue
		}
		var alts []string
		for _, f := range m.FieldMappings {
			col := toolkit.QuoteKQLName(f.ColumnName)
			switch e.kind {
			case entIP:
				alts = append(alts, col+" == "+toolkit.QuoteKQL(e.value))
			case entAccount:
				switch {
				case strings.EqualFold(f.Identifier, "Name"):
					alts = append(alts, col+" =~ "+toolkit.QuoteKQL(accountName(e.value)))
				case !strings.Contains(e.value, "@"):
					// A bare name against a UPN column: match the name part.
					alts = append(alts, col+" =~ "+toolkit.QuoteKQL(e.value), col+" startswith "+toolkit.QuoteKQL(e.value+"@"))
				default:
					alts = append(alts, col+" =~ "+toolkit.QuoteKQL(e.value))
				}
			case entHost:
				// Logs name hosts both ways (CONTOSO-WKS-017, contoso-wks-017.contoso.com): match the
				// name as given, and its first label bare or qualified.
				alts = append(alts, col+" =~ "+toolkit.QuoteKQL(e.value))
				if short := hostName(e.value); short != e.value {
					alts = append(alts, col+" =~ "+toolkit.QuoteKQL(short))
				}
				if _, err := netip.ParseAddr(e.value); err != nil {
					alts = append(alts, col+" startswith "+toolkit.QuoteKQL(hostName(e.value)+"."))
				}
			}
		}
		if len(alts) > 0 {
			return "(" + strings.Join(alts, " or ") + ")", true
		}
	}
	return "", false
}

// accountName is the account name of a UPN or DOMAIN\name (what SecurityEvent and Defender log).
func accountName(v string) string {
	if i := strings.LastIndexByte(v, '\\'); i >= 0 && i < len(v)-1 {
		v = v[i+1:]
	}
	if i := strings.IndexByte(v, '@'); i > 0 {
		v = v[:i]
	}
	return v
}

// hostName is the first label of a fully qualified host name.
func hostName(v string) string {
	if _, err := netip.ParseAddr(v); err == nil {
		return v
	}
	if i := strings.IndexByte(v, '.'); i > 0 {
		return v[:i]
	}
	return v
}

// trailing operators of a hunt's pipeline that a filter must precede.
var trailing = map[string]bool{"sort": true, "order": true, "take": true, "limit": true, "top": true}

// insertFilter adds "| where cond" to the last statement of q, before its trailing sort/take/top
// stages.
func insertFilter(q, cond string) string {
	sts := statements(q)
	last := sts[len(sts)-1]
	for i := len(sts) - 1; i >= 0; i-- {
		if firstCode(q, sts[i]) >= 0 {
			last = sts[i]
			break
		}
	}
	stmt := q[last.start:last.end]
	stages := pipeStages(stmt)
	cut := -1 // offset in stmt of the '|' of the first trailing stage
	for i := len(stages) - 1; i >= 1; i-- {
		s := stages[i]
		j := firstCode(stmt, s)
		if j < 0 {
			break
		}
		words := strings.FieldsFunc(stmt[j:s.end], func(r rune) bool {
			return !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		})
		if len(words) == 0 || !trailing[strings.ToLower(words[0])] {
			break
		}
		cut = s.start - 1
	}
	filter := "| where " + cond
	if cut < 0 {
		body := strings.TrimRight(stmt, " \t\r\n")
		return q[:last.start] + body + "\n" + filter + stmt[len(body):] + q[last.end:]
	}
	return q[:last.start] + stmt[:cut] + filter + "\n" + stmt[cut:] + q[last.end:]
}
