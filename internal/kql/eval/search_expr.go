package eval

import (
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// anyColumnExpr is true for the rows where any column matches pred (a
// search term). Every search predicate needs the term in the cell's text,
// which lets whole columns and cells be ruled out without rendering them:
// a datetime never contains "megan", and a dynamic value whose strings do
// not contain it cannot either.
type anyColumnExpr struct {
	pred strPred
	term string // lower-case; "" disables the pruning
	// word reports a term of ASCII letters, digits and '_' only: it cannot
	// span JSON punctuation, so a dynamic value's leaves can be tested one
	// by one.
	word bool
}

func newAnyColumnExpr(pred strPred, term string) *anyColumnExpr {
	e := &anyColumnExpr{pred: pred, term: strings.ToLower(term), word: term != ""}
	for i := 0; i < len(term); i++ {
		if !isWordByte(term[i]) {
			e.word = false
		}
	}
	return e
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// alphabets are supersets of the characters (lower-cased) of each type's
// text form (tostring()).
var alphabets = map[data.Type]string{
	data.Bool:     "truefals",
	data.Int:      "0123456789-",
	data.Long:     "0123456789-",
	data.Real:     "0123456789-+.enaify",
	data.Decimal:  "0123456789-+.enaify",
	data.DateTime: "0123456789-:.tz",
	data.TimeSpan: "0123456789-:.",
	data.Guid:     "0123456789abcdef-",
}

// impossible reports that no cell of type t can contain the term.
func (e *anyColumnExpr) impossible(t data.Type) bool {
	alpha, ok := alphabets[t]
	if !ok || e.term == "" {
		return false
	}
	for _, r := range e.term {
		if !strings.ContainsRune(alpha, r) {
			return true
		}
	}
	return false
}

func (e *anyColumnExpr) typ() data.Type { return data.Bool }

func (e *anyColumnExpr) eval(b *batch) (val, error) {
	out := make([]bool, b.n)
	for i, col := range b.r.schema.Columns {
		if strings.HasPrefix(col.Name, "\x00") || e.impossible(col.Type) {
			continue
		}
		if col.Type == data.Dynamic && e.word {
			e.dynamicColumn(b.column(i), out)
			continue
		}
		m := applyStrPred(vecVal(b.column(i)), b.n, e.pred, false)
		if m.isConst() {
			if m.k.Bool() {
				for k := range out {
					out[k] = true
				}
			}
			continue
		}
		for k, hit := range m.v.Bools[:b.n] {
			out[k] = out[k] || hit
		}
	}
	return vecVal(boolVec(out, nil)), nil
}

// dynamicColumn sets out for the cells of v that match, rendering only the
// cells that may contain the term.
func (e *anyColumnExpr) dynamicColumn(v *data.Vector, out []bool) {
	var scratch []byte
	for k := range out {
		if out[k] || v.IsNull(k) {
			continue
		}
		d := v.Dyns[k]
		var may bool
		may, scratch = e.mayContain(d, scratch)
		if may {
			out[k] = e.pred(data.DynamicToString(d))
		}
	}
}

// mayContain reports whether the text of dynamic value d may contain the
// term; false is certain.
func (e *anyColumnExpr) mayContain(d any, scratch []byte) (bool, []byte) {
	switch x := d.(type) {
	case string:
		return e.leafMay(x), scratch
	case []any:
		for _, el := range x {
			var may bool
			if may, scratch = e.mayContain(el, scratch); may {
				return true, scratch
			}
		}
		return false, scratch
	case map[string]any:
		for k, el := range x {
			if e.leafMay(k) {
				return true, scratch
			}
			var may bool
			if may, scratch = e.mayContain(el, scratch); may {
				return true, scratch
			}
		}
		return false, scratch
	}
	scratch = data.AppendJSON(scratch[:0], d)
	return e.leafMay(string(scratch)), scratch
}

// leafMay tests one string: a string JSON would escape (its text then
// differs from the string) may contain the term.
func (e *anyColumnExpr) leafMay(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return true
		}
	}
	return containsFoldASCII(s, e.term)
}

// containsFoldASCII reports whether s contains the lower-case ASCII term,
// ignoring ASCII case (a superset of the case-sensitive test).
func containsFoldASCII(s, term string) bool {
	n := len(term)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != term[j] {
				break
			}
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}
