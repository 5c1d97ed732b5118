package syntax

import (
	"regexp"
	"strings"
)

// CrossRef is a call in a query that reaches data outside the workspace the query is sent to:
// workspace("x") (another Log Analytics workspace), app("x") (Application Insights), resource("x"),
// adx("x") / cluster("x") / database("x") (Azure Data Explorer) or arg("") (Azure Resource Graph).
// Log Analytics resolves them with the caller's credential, wherever it has access.
type CrossRef struct {
	Func    string // the function, as written (the names are case-sensitive)
	Arg     string // the decoded literal argument ("" when Literal is false)
	Literal bool   // the argument is one string literal (adjacent literals concatenated)
	Offset  int    // byte offset of the function name
}

// crossFuncs are the cross-resource functions of Log Analytics and Azure Data Explorer.
var crossFuncs = map[string]bool{
	"workspace": true, "app": true, "resource": true, "adx": true, "cluster": true, "database": true, "arg": true,
}

// crossLike finds a cross-resource function name followed by '(' in raw text, whatever surrounds it.
var crossLike = regexp.MustCompile(`\b(workspace|app|resource|adx|cluster|database|arg)\s*\(`)

// CrossRefs returns the cross-resource calls of a query, in source order. It works on tokens, so
// comments and string contents are not mistaken for calls, and it sees a call whatever the parser
// would make of the rest. When the text does not lex cleanly (an unterminated string, a bad
// character), a raw match of a cross-resource name before '(' anywhere in it is reported as a
// non-literal call: a scanner that cannot be sure says so rather than guessing.
func CrossRefs(src string) []CrossRef {
	toks, diags := Lex(src)
	var out []CrossRef
	for i := 0; i < len(toks); i++ {
		name, next := callee(toks, i)
		if name == "" || !crossFuncs[name] || next >= len(toks) || toks[next].Kind != TokLParen {
			continue
		}
		ref := CrossRef{Func: name, Offset: toks[i].Pos}
		j := next + 1
		var arg strings.Builder
		for j < len(toks) && toks[j].Kind == TokString {
			arg.WriteString(toks[j].Value)
			j++
		}
		if j > next+1 && j < len(toks) && toks[j].Kind == TokRParen {
			ref.Arg, ref.Literal = arg.String(), true
		}
		out = append(out, ref)
		i = next
	}
	if len(diags) > 0 {
		for _, m := range crossLike.FindAllStringSubmatchIndex(src, -1) {
			seen := false
			for _, r := range out {
				if r.Offset == m[2] {
					seen = true
				}
			}
			if !seen {
				out = append(out, CrossRef{Func: src[m[2]:m[3]], Offset: m[2]})
			}
		}
	}
	return out
}

// callee returns the function name a call at toks[i] would have (a plain or bracketed identifier:
// ['workspace']) and the index of the token after it.
func callee(toks []Token, i int) (string, int) {
	switch t := toks[i]; t.Kind {
	case TokIdent:
		return t.Text, i + 1
	case TokLBracket:
		if i+2 < len(toks) && toks[i+1].Kind == TokString && toks[i+2].Kind == TokRBracket {
			return toks[i+1].Value, i + 3
		}
	}
	return "", i + 1
}
