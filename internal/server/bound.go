package server

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
)

// Results are bounded whatever a tool returns: an error that repeats a long argument value (a
// 200 KB "rule name" in "reading analytics rule ...: not found") quotes only its beginning, and no
// text content goes past the result budget (limits.max_bytes). Tools budget their own results; this
// is the rail for the ones that do not.

// echoQuote is how much of a long argument value an error keeps when it repeats it.
const echoQuote = 100

// boundMW applies the bounds on the way out.
func (s *Server) boundMW(next inventory.Handler) inventory.Handler {
	return func(ctx context.Context, call *inventory.Call) (*mcp.CallToolResult, error) {
		res, err := next(ctx, call)
		if res == nil {
			return res, err
		}
		limit := s.opts.Config.Limits.MaxBytes
		if limit <= 0 {
			limit = 32 << 10
		}
		var long []string
		if res.IsError {
			long = longValues(call.Args)
		}
		for i, c := range res.Content {
			tc, ok := c.(*mcp.TextContent)
			if !ok {
				continue
			}
			text := elide(tc.Text, long)
			if len(text) > limit {
				text = cutText(text, limit)
			}
			if text != tc.Text {
				cp := *tc
				cp.Text = text
				res.Content[i] = &cp
			}
		}
		return res, err
	}
}

// longValues returns the string values of the arguments longer than echoQuote characters, longest
// first (at most 32 of them).
func longValues(args json.RawMessage) []string {
	var v any
	if json.Unmarshal(args, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if utf8.RuneCountInString(x) > echoQuote && len(out) < 32 {
				out = append(out, x)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// elide replaces each repetition of a long value in text (as is, or as Go or JSON quoting escapes
// it) by its beginning and the length of the rest.
func elide(text string, long []string) string {
	for _, v := range long {
		if len(text) < len(v) {
			continue
		}
		forms := []string{v}
		if l := strings.ToLower(v); l != v {
			forms = append(forms, l)
		}
		if q := strconv.Quote(v); q[1:len(q)-1] != v {
			forms = append(forms, q[1:len(q)-1])
		}
		if j, err := json.Marshal(v); err == nil && string(j[1:len(j)-1]) != v {
			forms = append(forms, string(j[1:len(j)-1]))
		}
		for _, f := range forms {
			if strings.Contains(text, f) {
				head := []rune(f)[:echoQuote]
				text = strings.ReplaceAll(text, f, fmt.Sprintf("%s…(%d more characters)", string(head), utf8.RuneCountInString(f)-echoQuote))
			}
		}
	}
	return elideTokens(text, long)
}

// elideTokens shortens the long words of text that are pieces of a long value (an error that quotes
// a 20,000-character identifier of a query, for instance).
func elideTokens(text string, long []string) string {
	if len(long) == 0 {
		return text
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(text); {
		j := i
		for j < len(text) && !isBreak(text[j]) {
			j++
		}
		word := text[i:j]
		if core := strings.Trim(word, "\"'`()[]{},.;:…"); utf8.RuneCountInString(core) > 2*echoQuote && slices.ContainsFunc(long, func(v string) bool { return strings.Contains(v, core) }) {
			head := []rune(core)[:echoQuote]
			b.WriteString(strings.Replace(word, core, fmt.Sprintf("%s…(%d more characters)", string(head), utf8.RuneCountInString(core)-echoQuote), 1))
			changed = true
		} else {
			b.WriteString(word)
		}
		if j < len(text) {
			b.WriteByte(text[j])
		}
		i = j + 1
	}
	if !changed {
		return text
	}
	return b.String()
}

func isBreak(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// cutText cuts text to about limit bytes at a rune boundary, with a note.
func cutText(text string, limit int) string {
	cut := max(limit-200, 0)
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return fmt.Sprintf("%s\n… (cut: %d more bytes over the result budget, limits.max_bytes = %d)", text[:cut], len(text)-cut, limit)
}
