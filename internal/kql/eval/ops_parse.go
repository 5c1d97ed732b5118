package eval

import (
	"regexp"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// parseSeg is one element of a parse pattern: a literal, a wildcard or a
// column to extract.
type parseSeg struct {
	literal  string
	wildcard bool
	column   string
	t        data.Type
}

// compileParsePattern builds the regular expression of a parse pattern.
// kind is simple, relaxed or regex (literals are then regexes themselves).
func compileParsePattern(kind, flags string, segs []parseSeg) (*regexp.Regexp, []parseSeg, error) {
	var sb strings.Builder
	if flags != "" {
		sb.WriteString("(?" + flags + ")")
	}
	if kind != "regex" {
		sb.WriteString("(?s)")
	}
	sb.WriteString("^")
	var cols []parseSeg
	for i, s := range segs {
		switch {
		case s.wildcard:
			sb.WriteString(".*?")
		case s.column != "":
			cols = append(cols, s)
			last := true
			for _, rest := range segs[i+1:] {
				if rest.literal != "" || rest.column != "" {
					last = false
				}
			}
			switch {
			case kind != "regex" && (s.t == data.Int || s.t == data.Long):
				sb.WriteString(`(-?\d+)`)
			case kind != "regex" && (s.t == data.Real || s.t == data.Decimal):
				sb.WriteString(`(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)`)
			case last:
				sb.WriteString("(.*)")
			default:
				sb.WriteString("(.*?)")
			}
		default:
			if kind == "regex" {
				sb.WriteString(s.literal)
			} else {
				sb.WriteString(regexp.QuoteMeta(s.literal))
			}
		}
	}
	re, err := compileRegex(sb.String())
	if err != nil {
		return nil, nil, err
	}
	return re, cols, nil
}

// parseRel implements parse and parse-where: matching rows get the
// extracted columns; others get nulls (parse) or are dropped (parse-where).
func parseRel(rc *runCtx, sc *scope, r *rel, src expr, re *regexp.Regexp, cols []parseSeg, where bool) (*rel, error) {
	sv, err := evalColumn(rc, sc, r, src, false)
	if err != nil {
		return nil, err
	}
	builders := make([]*data.VectorBuilder, len(cols))
	for i, c := range cols {
		builders[i] = data.NewVectorBuilder(c.t, r.n)
	}
	var keep []int32
	cache := map[string][]string{}
	for i := 0; i < r.n; i++ {
		if i&4095 == 0 {
			if err := rc.check(); err != nil {
				return nil, err
			}
		}
		s := sv.Value(i).String()
		m, seen := cache[s]
		if !seen {
			m = re.FindStringSubmatch(s)
			if len(cache) < 4096 {
				cache[s] = m
			}
		}
		if m == nil {
			if where {
				continue
			}
			for _, b := range builders {
				b.AppendNull()
			}
			continue
		}
		ok := true
		vals := make([]data.Value, len(cols))
		for j, c := range cols {
			v := data.StringValue(m[j+1])
			if c.t != data.String {
				v = data.Convert(v, c.t)
				if v.Null && m[j+1] != "" {
					ok = false
				}
			}
			vals[j] = v
		}
		if where && !ok {
			continue
		}
		keep = append(keep, int32(i))
		for j, b := range builders {
			b.Append(vals[j])
		}
	}
	out := r
	if where {
		out = r.keep(nonNil(keep))
	}
	for j, c := range cols {
		out = out.withColumn(c.column, builders[j].Build())
	}
	return out, nil
}

// parseKVRel implements parse-kv: keys are looked up in text made of
// key<kvDelim>value pairs separated by pairDelim (values optionally quoted).
func parseKVRel(rc *runCtx, sc *scope, r *rel, src expr, cols []parseSeg, pairDelim, kvDelim, quote string, greedy bool) (*rel, error) {
	sv, err := evalColumn(rc, sc, r, src, false)
	if err != nil {
		return nil, err
	}
	builders := make([]*data.VectorBuilder, len(cols))
	for i, c := range cols {
		builders[i] = data.NewVectorBuilder(c.t, r.n)
	}
	for i := 0; i < r.n; i++ {
		kv := splitKV(sv.Value(i).String(), pairDelim, kvDelim, quote)
		for j, c := range cols {
			v, ok := kv[c.column]
			if !ok {
				builders[j].AppendNull()
				continue
			}
			builders[j].Append(data.Convert(data.StringValue(v), c.t))
		}
	}
	out := r
	for j, c := range cols {
		out = out.withColumn(c.column, builders[j].Build())
	}
	return out, nil
}

func splitKV(s, pairDelim, kvDelim, quote string) map[string]string {
	out := map[string]string{}
	if pairDelim == "" {
		pairDelim = " "
	}
	if kvDelim == "" {
		kvDelim = "="
	}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ")
		kEnd := strings.Index(s, kvDelim)
		if kEnd < 0 {
			break
		}
		key := strings.TrimSpace(s[:kEnd])
		s = s[kEnd+len(kvDelim):]
		var value string
		if quote != "" && len(s) > 0 && strings.ContainsRune(quote, rune(s[0])) {
			q := s[0]
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				value, s = s[1:], ""
			} else {
				value, s = s[1:end+1], s[end+2:]
			}
			if i := strings.Index(s, pairDelim); i >= 0 {
				s = s[i+len(pairDelim):]
			} else {
				s = ""
			}
		} else if i := strings.Index(s, pairDelim); i >= 0 {
			value, s = s[:i], s[i+len(pairDelim):]
		} else {
			value, s = s, ""
		}
		if _, dup := out[key]; !dup {
			out[key] = strings.TrimSpace(value)
		}
	}
	return out
}
