package query

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// MaxQueryBytes bounds the text of one query (64 KiB). Log Analytics accepts longer queries, but a
// query this long is nearly always pasted data (use a watchlist or externaldata instead), and the
// bound keeps tool calls and their audit records small. Real detection and hunting queries are well
// under 10 KiB.
const MaxQueryBytes = 64 << 10

// checkQuery refuses what this server never sends to Log Analytics: an empty or oversized query,
// text that is not UTF-8, and control commands (.drop, .set, .create, ...), which are not queries.
// Log Analytics refuses control commands too; refusing them here says why without a round trip
// and holds even against an endpoint that would not.
func checkQuery(arg, q string) error {
	if strings.TrimSpace(q) == "" {
		return toolkit.ArgError(arg, "the query is empty: send a KQL query such as SigninLogs | take 10")
	}
	if len(q) > MaxQueryBytes {
		return toolkit.ArgError(arg, "the query is %d bytes long; the limit is %d bytes (64 KiB): shorten it, and keep long lists of values in a watchlist (_GetWatchlist) rather than in the query", len(q), MaxQueryBytes)
	}
	if !utf8.ValidString(q) {
		return toolkit.ArgError(arg, "the query is not valid UTF-8 text")
	}
	if strings.ContainsRune(q, 0) {
		return toolkit.ArgError(arg, "the query contains a NUL character")
	}
	if cmd, line, ok := controlCommand(q); ok {
		return toolkit.ArgError(arg, "control commands are not allowed (%q on line %d): this server only runs read-only KQL queries. Tables, functions and settings are managed with their own tools", cmd, line)
	}
	return nil
}

// controlCommand finds a statement that starts with '.' (after white space and comments): a Kusto
// control command. It returns the command's first words and its line.
func controlCommand(q string) (string, int, bool) {
	for _, st := range statements(q) {
		i := firstCode(q, st)
		if i < 0 || q[i] != '.' {
			continue
		}
		cmd := q[i:st.end]
		if nl := strings.IndexAny(cmd, "\r\n"); nl >= 0 {
			cmd = cmd[:nl]
		}
		cmd = strings.Join(strings.Fields(cmd), " ")
		if len(cmd) > 40 {
			cut := 40
			for cut > 0 && !utf8.RuneStart(cmd[cut]) {
				cut--
			}
			cmd = cmd[:cut] + "…"
		}
		line, _ := lineCol(q, i)
		return cmd, line, true
	}
	return "", 0, false
}

// checkValue bounds a user value that the server puts into a query (as a quoted literal).
func checkValue(arg, v string) error {
	switch {
	case len(v) > 1024:
		return toolkit.ArgError(arg, "is %d bytes long; at most 1024", len(v))
	case !utf8.ValidString(v):
		return toolkit.ArgError(arg, "is not valid UTF-8 text")
	case strings.ContainsRune(v, 0):
		return toolkit.ArgError(arg, "contains a NUL character")
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
