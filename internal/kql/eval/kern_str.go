package eval

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// strPred tests one string.
type strPred func(s string) bool

// isTermByte reports whether c is part of a term for has-family operators:
// ASCII letters and digits; bytes of multi-byte UTF-8 sequences count as
// term characters so non-ASCII words stay whole.
func isTermByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// indexFold returns the first index >= from of needle in h ignoring ASCII
// case; needle must be lower-case ASCII. It avoids allocating a lowered copy
// of every cell.
func indexFold(h, needle string, from int) int {
	n := len(needle)
	if n == 0 {
		return from
	}
	first := needle[0]
	upper := first
	if first >= 'a' && first <= 'z' {
		upper = first - 32
	}
	for i := from; i+n <= len(h); i++ {
		c := h[i]
		if c != first && c != upper {
			// Skip quickly to the next candidate byte.
			j := strings.IndexByte(h[i+1:], first)
			k := -1
			if upper != first {
				k = strings.IndexByte(h[i+1:], upper)
			}
			switch {
			case j < 0 && k < 0:
				return -1
			case j < 0 || (k >= 0 && k < j):
				j = k
			}
			i += j // loop increments once more
			continue
		}
		match := true
		for k := 1; k < n; k++ {
			if lowerASCII(h[i+k]) != needle[k] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

// foldMatcher finds a needle case-insensitively in any string.
type foldMatcher struct {
	needle string // lower-cased
	ascii  bool
}

func newFold(needle string) foldMatcher {
	if isASCII(needle) {
		return foldMatcher{needle: strings.ToLower(needle), ascii: true}
	}
	return foldMatcher{needle: strings.ToLower(needle)}
}

// index returns the index of the needle in h at or after from, and the
// haystack the index refers to (h itself, or its lower-cased form).
func (m foldMatcher) index(h string, from int) (int, string) {
	if m.ascii {
		return indexFold(h, m.needle, from), h
	}
	l := strings.ToLower(h)
	if from > len(l) {
		return -1, l
	}
	i := strings.Index(l[from:], m.needle)
	if i < 0 {
		return -1, l
	}
	return i + from, l
}

// termMatch reports whether needle occurs in h on term boundaries: the
// characters around the match must not extend the needle's edge terms.
// prefixOnly/suffixOnly implement hasprefix/hassuffix.
func termMatch(h string, find func(h string, from int) (int, string), needle string, prefixOnly, suffixOnly bool) bool {
	if needle == "" {
		return true
	}
	startTerm := isTermByte(needle[0])
	endTerm := isTermByte(needle[len(needle)-1])
	for from := 0; ; {
		i, hs := find(h, from)
		if i < 0 {
			return false
		}
		end := i + len(needle)
		okStart := !startTerm || i == 0 || !isTermByte(hs[i-1])
		okEnd := !endTerm || end >= len(hs) || !isTermByte(hs[end])
		if prefixOnly {
			okEnd = true
		}
		if suffixOnly {
			okStart = true
		}
		if okStart && okEnd {
			return true
		}
		from = i + 1
	}
}

// makeStrPred returns the predicate of a string operator (without
// negation) against a constant right-hand side.
func makeStrPred(op string, rhs string) (strPred, error) {
	switch op {
	case "has":
		m := newFold(rhs)
		return func(s string) bool { return termMatch(s, m.index, m.needle, false, false) }, nil
	case "has_cs":
		find := func(h string, from int) (int, string) {
			if from > len(h) {
				return -1, h
			}
			i := strings.Index(h[from:], rhs)
			if i < 0 {
				return -1, h
			}
			return i + from, h
		}
		return func(s string) bool { return termMatch(s, find, rhs, false, false) }, nil
	case "hasprefix", "hassuffix":
		m := newFold(rhs)
		pre, suf := op == "hasprefix", op == "hassuffix"
		return func(s string) bool { return termMatch(s, m.index, m.needle, pre, suf) }, nil
	case "hasprefix_cs", "hassuffix_cs":
		find := func(h string, from int) (int, string) {
			if from > len(h) {
				return -1, h
			}
			i := strings.Index(h[from:], rhs)
			if i < 0 {
				return -1, h
			}
			return i + from, h
		}
		pre, suf := op == "hasprefix_cs", op == "hassuffix_cs"
		return func(s string) bool { return termMatch(s, find, rhs, pre, suf) }, nil
	case "contains":
		m := newFold(rhs)
		return func(s string) bool { i, _ := m.index(s, 0); return i >= 0 }, nil
	case "contains_cs":
		return func(s string) bool { return strings.Contains(s, rhs) }, nil
	case "startswith":
		return func(s string) bool { return len(s) >= len(rhs) && strings.EqualFold(s[:len(rhs)], rhs) }, nil
	case "startswith_cs":
		return func(s string) bool { return strings.HasPrefix(s, rhs) }, nil
	case "endswith":
		return func(s string) bool { return len(s) >= len(rhs) && strings.EqualFold(s[len(s)-len(rhs):], rhs) }, nil
	case "endswith_cs":
		return func(s string) bool { return strings.HasSuffix(s, rhs) }, nil
	case "=~":
		return func(s string) bool { return strings.EqualFold(s, rhs) }, nil
	case "==":
		return func(s string) bool { return s == rhs }, nil
	case "matches regex":
		re, err := compileRegex(rhs)
		if err != nil {
			return nil, err
		}
		return re.MatchString, nil
	}
	return nil, errorf(CodeNotSupported, -1, "string operator %q is not supported", op)
}

var regexCache = newLRU[string, *regexp.Regexp](256)

// compileRegex compiles an RE2 pattern (Kusto's regex dialect is RE2) with
// a small cache, since the same patterns recur across queries.
func compileRegex(p string) (*regexp.Regexp, error) {
	if re, ok := regexCache.get(p); ok {
		return re, nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, errorf(CodeSemantic, -1, "invalid regular expression %q: %v", p, err)
	}
	regexCache.put(p, re)
	return re, nil
}

// applyStrPred evaluates pred over a value rendered as strings.
func applyStrPred(a val, n int, pred strPred, negate bool) val {
	if a.isConst() {
		return boolConst(pred(a.k.String()) != negate)
	}
	out := make([]bool, n)
	v := a.v
	switch {
	case v.IsDict():
		mapDict(v, out, pred)
	case v.Type == data.String:
		for i, s := range v.Strs[:n] {
			out[i] = pred(s)
		}
	default:
		for i := 0; i < n; i++ {
			out[i] = pred(v.Value(i).String())
		}
	}
	if negate {
		for i := range out {
			out[i] = !out[i]
		}
	}
	return vecVal(boolVec(out, nil))
}

// anyPred returns a predicate true when any (or all) of preds hold.
func anyPred(preds []strPred, all bool) strPred {
	return func(s string) bool {
		for _, p := range preds {
			if p(s) != all {
				return !all
			}
		}
		return all
	}
}

// hasAnyTerms builds has_any over many terms with one tokenization of the
// cell instead of one scan per term, when every term is a single word.
func hasAnyTerms(terms []string) (strPred, bool) {
	set := make(map[string]struct{}, len(terms))
	for _, t := range terms {
		if t == "" {
			return nil, false
		}
		for i := 0; i < len(t); i++ {
			if !isTermByte(t[i]) {
				return nil, false
			}
		}
		set[strings.ToLower(t)] = struct{}{}
	}
	return func(s string) bool {
		var arr [64]byte
		buf := arr[:0]
		for i := 0; i < len(s); {
			if !isTermByte(s[i]) {
				i++
				continue
			}
			j := i
			for j < len(s) && isTermByte(s[j]) {
				j++
			}
			buf = buf[:0]
			for k := i; k < j; k++ {
				buf = append(buf, lowerASCII(s[k]))
			}
			if !isASCII(s[i:j]) {
				buf = []byte(strings.ToLower(s[i:j]))
			}
			if _, ok := set[string(buf)]; ok {
				return true
			}
			i = j
		}
		return false
	}, true
}

// foldString lower-cases s for case-insensitive keys (in~, =~ joins).
func foldString(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || (c >= 'A' && c <= 'Z') {
			return strings.Map(unicode.ToLower, s)
		}
	}
	return s
}
