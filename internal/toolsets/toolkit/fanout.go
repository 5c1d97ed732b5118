package toolkit

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
)

// AllFailed is the error of a multi-workspace call in which every workspace failed, nil when at least
// one answered (or none was asked). A result made only of failures is a tool error, not an empty
// table that would read as "nothing found"; partial failures stay in the result, per workspace.
//
//	outs := fanout.Run(ctx, wss, opts, fn)
//	if err := toolkit.AllFailed("listing watchlists", outs); err != nil {
//		return nil, listOut{}, err
//	}
func AllFailed[T, V any](what string, outs []fanout.Outcome[T, V]) error {
	if len(outs) == 0 || len(fanout.Failed(outs)) < len(outs) {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s failed in every workspace (%d), so there is no result:", what, len(outs))
	for i, o := range outs {
		if i == 5 {
			fmt.Fprintf(&b, "\n- and %d more", len(outs)-i)
			break
		}
		msg := o.Err.Error()
		if len(msg) > 300 {
			cut := 300
			for cut > 0 && !utf8.RuneStart(msg[cut]) {
				cut--
			}
			msg = msg[:cut] + "…"
		}
		fmt.Fprintf(&b, "\n- %s: %s", fanout.Label(o.Target), msg)
	}
	b.WriteString("\nAzure may be unavailable or throttling: retry in a minute, or with fewer workspaces")
	return fmt.Errorf("%s", b.String())
}
