package eval

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

func init() {
	S, D := data.String, data.Dynamic
	reg(&fnDef{name: "extract", minArgs: 3, maxArgs: 4, constArgs: []int{0}, ret: extractType, row: func(_ *fnCtx, a []data.Value) data.Value {
		re, err := compileRegex(a[0].String())
		if err != nil {
			return data.StringValue("")
		}
		g, ok := argInt(a[1])
		if !ok || g < 0 || int(g) > re.NumSubexp() {
			return data.StringValue("")
		}
		m := re.FindStringSubmatchIndex(a[2].String())
		if m == nil || m[2*g] < 0 {
			if len(a) == 4 {
				return data.NullValue(typeArg(a[3]))
			}
			return data.StringValue("")
		}
		s := a[2].String()[m[2*g]:m[2*g+1]]
		if len(a) == 4 {
			return data.Convert(data.StringValue(s), typeArg(a[3]))
		}
		return data.StringValue(s)
	}})
	reg(&fnDef{name: "extract_all", minArgs: 2, maxArgs: 3, constArgs: []int{0}, retType: D, row: fnExtractAll})
	reg(&fnDef{name: "parse_url", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.DynamicValue(parseURL(a[0].String()))
	}})
	reg(&fnDef{name: "parse_urlquery", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.DynamicValue(map[string]any{"Query Parameters": queryParams(strings.TrimPrefix(a[0].String(), "?"))})
	}})
	reg(&fnDef{name: "parse_path", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.DynamicValue(parsePath(a[0].String()))
	}})
	reg(&fnDef{name: "url_decode", minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		s, err := url.QueryUnescape(a[0].String())
		if err != nil {
			return data.NullValue(S)
		}
		return data.StringValue(s)
	}})
	reg(&fnDef{name: "url_encode", minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.StringValue(urlEncode(a[0].String(), "+"))
	}})
	reg(&fnDef{name: "url_encode_component", minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.StringValue(urlEncode(a[0].String(), "%20"))
	}})
	reg(&fnDef{name: "base64_encode_tostring", minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.StringValue(base64.StdEncoding.EncodeToString([]byte(a[0].String())))
	}}, "base64_encodestring")
	reg(&fnDef{name: "base64_decode_tostring", minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		b, ok := decodeBase64(a[0].String())
		if !ok {
			return data.StringValue("")
		}
		return data.StringValue(strings.ToValidUTF8(string(b), "\uFFFD"))
	}}, "base64_decodestring")
	reg(&fnDef{name: "base64_decode_toarray", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		b, ok := decodeBase64(a[0].String())
		if !ok {
			return data.NullValue(D)
		}
		out := make([]any, len(b))
		for i, x := range b {
			out[i] = int64(x)
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "base64_decode_toguid", minArgs: 1, retType: data.Guid, row: func(_ *fnCtx, a []data.Value) data.Value {
		b, ok := decodeBase64(a[0].String())
		if !ok || len(b) != 16 {
			return data.NullValue(data.Guid)
		}
		// .NET byte order: the first three groups are little-endian.
		var u data.UUID
		u[0], u[1], u[2], u[3] = b[3], b[2], b[1], b[0]
		u[4], u[5], u[6], u[7] = b[5], b[4], b[7], b[6]
		copy(u[8:], b[8:])
		return data.GuidValue(u)
	}})
	reg(&fnDef{name: "parse_command_line", minArgs: 2, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		args := splitCommandLine(a[0].String())
		out := make([]any, len(args))
		for i, s := range args {
			out[i] = s
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "parse_csv", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		r := csv.NewReader(strings.NewReader(a[0].String()))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		rec, err := r.Read()
		out := []any{}
		if err == nil {
			for _, f := range rec {
				out = append(out, f)
			}
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "parse_xml", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		v, err := parseXML(a[0].String())
		if err != nil {
			return data.NullValue(D)
		}
		return data.DynamicValue(v)
	}})
	reg(&fnDef{name: "parse_user_agent", minArgs: 2, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.DynamicValue(parseUserAgent(a[0].String()))
	}})
}

// typeArg reads a type-literal argument (typeof(long)), which the compiler
// passes as the type's name.
func typeArg(v data.Value) data.Type {
	t, ok := data.ParseType(v.String())
	if !ok {
		return data.String
	}
	return t
}

func extractType(a []data.Type) (data.Type, error) { return data.String, nil }

func fnExtractAll(_ *fnCtx, a []data.Value) data.Value {
	re, err := compileRegex(a[0].String())
	if err != nil {
		return data.NullValue(data.Dynamic)
	}
	text := a[len(a)-1].String()
	var groups []int
	if len(a) == 3 {
		if arr, ok := argDyn(a[1]).([]any); ok {
			for _, g := range arr {
				if i, ok := argInt(data.FromDynamic(g)); ok {
					groups = append(groups, int(i))
				}
			}
		}
	}
	matches := re.FindAllStringSubmatch(text, -1)
	if len(matches) == 0 {
		return data.NullValue(data.Dynamic)
	}
	out := make([]any, 0, len(matches))
	for _, m := range matches {
		switch {
		case groups != nil:
			row := make([]any, 0, len(groups))
			for _, g := range groups {
				if g >= 0 && g < len(m) {
					row = append(row, m[g])
				}
			}
			out = append(out, row)
		case re.NumSubexp() == 0:
			out = append(out, m[0])
		case re.NumSubexp() == 1:
			out = append(out, m[1])
		default:
			row := make([]any, 0, len(m)-1)
			for _, s := range m[1:] {
				row = append(row, s)
			}
			out = append(out, row)
		}
	}
	return data.DynamicValue(out)
}

func decodeBase64(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

func queryParams(q string) map[string]any {
	out := map[string]any{}
	for _, kv := range strings.Split(q, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		out[k] = v
	}
	return out
}

func parseURL(s string) map[string]any {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" {
		return map[string]any{}
	}
	user, pass := "", ""
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	return map[string]any{
		"Scheme":           u.Scheme,
		"Host":             u.Hostname(),
		"Port":             u.Port(),
		"Path":             u.EscapedPath(),
		"Username":         user,
		"Password":         pass,
		"Query Parameters": queryParams(u.RawQuery),
		"Fragment":         u.Fragment,
	}
}

func parsePath(p string) map[string]any {
	out := map[string]any{"Scheme": "", "RootPath": "", "DirectoryPath": "", "DirectoryName": "", "Filename": "", "Extension": "", "AlternateDataStreamName": ""}
	if i := strings.Index(p, "://"); i > 0 {
		out["Scheme"] = p[:i]
		p = p[i+3:]
	}
	sep := strings.LastIndexAny(p, `\/`)
	dir, file := "", p
	if sep >= 0 {
		dir, file = p[:sep], p[sep+1:]
	}
	if name, ads, ok := strings.Cut(file, ":"); ok && !strings.HasSuffix(dir, ":") {
		file = name
		out["AlternateDataStreamName"] = ads
	}
	out["Filename"] = file
	if dot := strings.LastIndexByte(file, '.'); dot >= 0 {
		out["Extension"] = file[dot+1:]
	}
	out["DirectoryPath"] = dir
	if d := strings.LastIndexAny(dir, `\/`); d >= 0 {
		out["DirectoryName"] = dir[d+1:]
	} else {
		out["DirectoryName"] = dir
	}
	switch {
	case len(p) >= 2 && p[1] == ':':
		out["RootPath"] = p[:2]
	case strings.HasPrefix(p, `\\`):
		rest := p[2:]
		if i := strings.IndexAny(rest, `\/`); i >= 0 {
			out["RootPath"] = p[:2+i]
		}
	case strings.HasPrefix(p, "/"):
		out["RootPath"] = "/"
	}
	return out
}

// splitCommandLine splits a Windows command line the way CommandLineToArgvW
// does for the common cases: whitespace separates, double quotes group,
// backslash-escaped quotes are literal.
func splitCommandLine(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			n := 0
			for i < len(s) && s[i] == '\\' {
				n++
				i++
			}
			if i < len(s) && s[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
				} else {
					inQuote = !inQuote
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
				i--
			}
			have = true
		case c == '"':
			inQuote = !inQuote
			have = true
		case (c == ' ' || c == '\t') && !inQuote:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// parseXML converts XML to a dynamic value: an element becomes a bag keyed
// by its name holding attributes ("@name"), child elements and "#text".
func parseXML(s string) (any, error) {
	dec := xml.NewDecoder(strings.NewReader(s))
	dec.Strict = false
	type frame struct {
		name string
		bag  map[string]any
		text strings.Builder
	}
	var stack []*frame
	root := map[string]any{}
	for depth := 0; ; depth++ {
		if depth > 1_000_000 {
			return nil, fmt.Errorf("XML too large")
		}
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > 256 {
				return nil, fmt.Errorf("XML nested too deeply")
			}
			f := &frame{name: t.Name.Local, bag: map[string]any{}}
			for _, at := range t.Attr {
				f.bag["@"+at.Name.Local] = at.Value
			}
			stack = append(stack, f)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			var v any = f.bag
			text := strings.TrimSpace(f.text.String())
			if len(f.bag) == 0 {
				v = text
				if text == "" {
					v = nil
				}
			} else if text != "" {
				f.bag["#text"] = text
			}
			parent := root
			if len(stack) > 0 {
				parent = stack[len(stack)-1].bag
			}
			if prev, dup := parent[f.name]; dup {
				if arr, ok := prev.([]any); ok {
					parent[f.name] = append(arr, v)
				} else {
					parent[f.name] = []any{prev, v}
				}
			} else {
				parent[f.name] = v
			}
		}
	}
	return root, nil
}

// parseUserAgent recognizes the common browsers and operating systems; it
// is a best-effort subset of Kusto's UA parser.
func parseUserAgent(ua string) map[string]any {
	browser := map[string]any{"Family": "Other", "MajorVersion": "", "MinorVersion": "", "Patch": ""}
	for _, b := range []struct{ token, family string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"MSIE ", "IE"},
	} {
		if i := strings.Index(ua, b.token); i >= 0 {
			ver := ua[i+len(b.token):]
			if end := strings.IndexAny(ver, " ;)"); end >= 0 {
				ver = ver[:end]
			}
			parts := strings.SplitN(ver, ".", 4)
			browser["Family"] = b.family
			for j, k := range []string{"MajorVersion", "MinorVersion", "Patch"} {
				if j < len(parts) {
					browser[k] = parts[j]
				}
			}
			break
		}
	}
	os := "Other"
	for _, o := range []struct{ token, family string }{
		{"Windows", "Windows"}, {"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iOS"}, {"Mac OS X", "Mac OS X"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			os = o.family
			break
		}
	}
	return map[string]any{
		"Browser":         browser,
		"OperatingSystem": map[string]any{"Family": os, "MajorVersion": "", "MinorVersion": "", "Patch": "", "PatchMinor": ""},
		"Device":          map[string]any{"Family": "Other", "Brand": "", "Model": ""},
	}
}

// urlEncode percent-encodes as Kusto does (.NET's UrlEncode): letters,
// digits and -_.!*() stay, a space becomes space, every other byte of the
// UTF-8 text %xx in lower-case hex (url_encode("a/b c") is "a%2fb+c").
func urlEncode(s, space string) string {
	const hexDigits = "0123456789abcdef"
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-_.!*()", c) >= 0:
			sb.WriteByte(c)
		case c == ' ':
			sb.WriteString(space)
		default:
			sb.WriteByte('%')
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&15])
		}
	}
	return sb.String()
}
