package syntax

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lexer turns KQL source into tokens on demand. Errors (unterminated
// strings, bad escapes, invalid characters) are collected as diagnostics;
// the lexer always makes progress and ends with TokEOF.
type Lexer struct {
	src   string
	pos   int
	diags []Diagnostic
	li    *LineIndex
}

// NewLexer returns a lexer over src.
func NewLexer(src string) *Lexer { return &Lexer{src: src} }

// Lex returns all tokens of src (the last one TokEOF) and the lexical
// diagnostics.
func Lex(src string) ([]Token, []Diagnostic) {
	lx := NewLexer(src)
	var toks []Token
	for {
		t := lx.Next()
		toks = append(toks, t)
		if t.Kind == TokEOF {
			return toks, lx.Diagnostics()
		}
	}
}

// Diagnostics returns the diagnostics found so far.
func (lx *Lexer) Diagnostics() []Diagnostic { return lx.diags }

func (lx *Lexer) errorf(code string, from, to int, hint, msg string) {
	if len(lx.diags) >= maxErrors {
		return // the rest is noise; the tokens still come
	}
	if lx.li == nil {
		lx.li = NewLineIndex(lx.src)
	}
	line, col := lx.li.Position(from)
	lx.diags = append(lx.diags, Diagnostic{Code: code, Message: msg, Hint: hint, Line: line, Col: col,
		Offset: from, End: to, Severity: SeverityError})
}

// hyphenated lists the operator and keyword names that contain '-': the
// lexer returns them as one identifier token.
var hyphenated = map[string]bool{
	"project-away": true, "project-keep": true, "project-rename": true, "project-reorder": true,
	"project-smart": true, "mv-expand": true, "mv-apply": true, "make-series": true, "top-nested": true,
	"top-hitters": true, "parse-where": true, "parse-kv": true, "sample-distinct": true,
	"assert-schema": true, "macro-expand": true, "make-graph": true, "graph-match": true,
	"graph-merge": true, "graph-to-table": true, "graph-shortest-paths": true, "granny-asc": true,
	"granny-desc": true, "execute-and-cache": true, "partition-by": true,
}

// typedLitNames are the type names that, followed by '(', start a typed
// literal whose content is raw text: datetime(2020-01-01 10:00), guid(...),
// long(null) ...
var typedLitNames = map[string]bool{
	"bool": true, "boolean": true, "int": true, "int32": true, "int64": true, "long": true,
	"real": true, "double": true, "decimal": true, "datetime": true, "date": true,
	"timespan": true, "time": true, "guid": true, "uuid": true, "uniqueid": true,
}

// bangWords are the words that form a negated operator after '!'.
var bangWords = map[string]bool{
	"has": true, "has_cs": true, "hasprefix": true, "hasprefix_cs": true, "hassuffix": true,
	"hassuffix_cs": true, "contains": true, "contains_cs": true, "startswith": true,
	"startswith_cs": true, "endswith": true, "endswith_cs": true, "in": true, "between": true,
}

func isIdentStart(r rune) bool {
	return r == '_' || r == '$' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r >= 0x80 && unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (lx *Lexer) peekByte(off int) byte {
	if lx.pos+off < len(lx.src) {
		return lx.src[lx.pos+off]
	}
	return 0
}

// skipTrivia skips whitespace and // comments.
func (lx *Lexer) skipTrivia() {
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			lx.pos++
		case c == '/' && lx.peekByte(1) == '/':
			if i := strings.IndexByte(lx.src[lx.pos:], '\n'); i >= 0 {
				lx.pos += i + 1
			} else {
				lx.pos = len(lx.src)
			}
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(lx.src[lx.pos:])
			if r == utf8.RuneError || !unicode.IsSpace(r) && r != '\uFEFF' {
				return
			}
			lx.pos += n
		default:
			return
		}
	}
}

// identEnd returns the end of the identifier starting at i (i if none).
func (lx *Lexer) identEnd(i int) int {
	for i < len(lx.src) {
		c := lx.src[i]
		if c < 0x80 {
			if !isIdentPart(rune(c)) {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(lx.src[i:])
		if !isIdentPart(r) {
			break
		}
		i += n
	}
	return i
}

// Next returns the next token.
func (lx *Lexer) Next() Token {
	lx.skipTrivia()
	start := lx.pos
	if start >= len(lx.src) {
		return Token{Kind: TokEOF, Pos: start, End: start}
	}
	c := lx.src[start]
	tok := func(k TokenKind, n int) Token {
		lx.pos = start + n
		return Token{Kind: k, Pos: start, End: lx.pos, Text: lx.src[start:lx.pos]}
	}
	switch c {
	case '|':
		return tok(TokPipe, 1)
	case '(':
		return tok(TokLParen, 1)
	case ')':
		return tok(TokRParen, 1)
	case '[':
		return tok(TokLBracket, 1)
	case ']':
		return tok(TokRBracket, 1)
	case '{':
		return tok(TokLBrace, 1)
	case '}':
		return tok(TokRBrace, 1)
	case ',':
		return tok(TokComma, 1)
	case ';':
		return tok(TokSemi, 1)
	case ':':
		return tok(TokColon, 1)
	case '+':
		return tok(TokPlus, 1)
	case '-':
		return tok(TokMinus, 1)
	case '*':
		return tok(TokStar, 1)
	case '/':
		return tok(TokSlash, 1)
	case '%':
		return tok(TokPercent, 1)
	case '?':
		return tok(TokQuestion, 1)
	case '.':
		if lx.peekByte(1) == '.' {
			return tok(TokDotDot, 2)
		}
		return tok(TokDot, 1)
	case '=':
		switch lx.peekByte(1) {
		case '=':
			return tok(TokEq, 2)
		case '~':
			return tok(TokEqTilde, 2)
		case '>':
			return tok(TokArrow, 2)
		}
		return tok(TokAssign, 1)
	case '<':
		switch lx.peekByte(1) {
		case '=':
			return tok(TokLe, 2)
		case '>':
			return tok(TokLtGt, 2)
		}
		return tok(TokLt, 1)
	case '>':
		if lx.peekByte(1) == '=' {
			return tok(TokGe, 2)
		}
		return tok(TokGt, 1)
	case '!':
		switch lx.peekByte(1) {
		case '=':
			return tok(TokNe, 2)
		case '~':
			return tok(TokNeTilde, 2)
		}
		end := lx.identEnd(start + 1)
		if w := lx.src[start+1 : end]; bangWords[w] {
			if w == "in" && end < len(lx.src) && lx.src[end] == '~' {
				end++
			}
			return tok(TokBangWord, end-start)
		}
		return tok(TokBang, 1)
	case '"', '\'':
		return lx.quoted(start, start, false)
	case '@':
		if q := lx.peekByte(1); q == '"' || q == '\'' {
			return lx.verbatim(start, start, false)
		}
	case '`', '~':
		if strings.HasPrefix(lx.src[start:], "```") || strings.HasPrefix(lx.src[start:], "~~~") {
			return lx.multiline(start, start, false)
		}
	}
	if isDigit(c) {
		return lx.number(start)
	}
	r, n := utf8.DecodeRuneInString(lx.src[start:])
	if isIdentStart(r) {
		if (c == 'h' || c == 'H') && start+1 < len(lx.src) {
			switch q := lx.src[start+1]; {
			case q == '"' || q == '\'':
				return lx.quoted(start, start+1, true)
			case q == '@' && (lx.peekByte(2) == '"' || lx.peekByte(2) == '\''):
				return lx.verbatim(start, start+1, true)
			case q == '`' && strings.HasPrefix(lx.src[start+1:], "```"),
				q == '~' && strings.HasPrefix(lx.src[start+1:], "~~~"):
				return lx.multiline(start, start+1, true)
			}
		}
		return lx.ident(start)
	}
	if r == utf8.RuneError && n <= 1 {
		n = 1
	}
	// A run of invalid characters is one token and one diagnostic.
	for start+n < len(lx.src) {
		r2, n2 := utf8.DecodeRuneInString(lx.src[start+n:])
		if r2 == utf8.RuneError && n2 <= 1 {
			n2 = 1
		} else if r2 < 0x80 && (strings.IndexByte(" \t\r\n|()[]{},;:.=<>!+-*/%?\"'@`~", byte(r2)) >= 0 || isIdentPart(r2)) ||
			r2 >= 0x80 && (isIdentStart(r2) || unicode.IsSpace(r2)) {
			break
		}
		n += n2
	}
	lx.pos = start + n
	lx.errorf(CodeBadChar, start, lx.pos, "remove it, or put it inside a string",
		"unexpected character "+quoteRune(lx.src[start:lx.pos]))
	return Token{Kind: TokBad, Pos: start, End: lx.pos, Text: lx.src[start:lx.pos]}
}

func quoteRune(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !unicode.IsPrint(r) {
		return "U+" + strings.ToUpper(strings.TrimLeft(hex4(r), "0"))
	}
	return "'" + s + "'"
}

func hex4(r rune) string {
	const digits = "0123456789abcdef"
	b := []byte{'0', '0', '0', '0'}
	for i := 3; i >= 0; i-- {
		b[i] = digits[r&15]
		r >>= 4
	}
	return string(b)
}

func (lx *Lexer) ident(start int) Token {
	end := lx.identEnd(start + 1)
	word := lx.src[start:end]
	// Hyphenated keywords: the longest known name wins (graph-to-table).
	for e := end; e < len(lx.src) && lx.src[e] == '-'; {
		e2 := lx.identEnd(e + 1)
		if e2 == e+1 {
			break
		}
		w := lx.src[start:e2]
		known := hyphenated[w]
		if !known && !hyphenPrefix(w) {
			break
		}
		if known {
			end, word = e2, w
		}
		e = e2
	}
	if word == "in" && end < len(lx.src) && lx.src[end] == '~' {
		end++
		word = "in~"
	}
	lx.pos = end
	if end < len(lx.src) && lx.src[end] == '(' && typedLitNames[word] {
		if t, ok := lx.typedLit(start, end); ok {
			return t
		}
	}
	return Token{Kind: TokIdent, Pos: start, End: end, Text: word}
}

// hyphenPrefix reports whether w is a proper prefix of a hyphenated name.
func hyphenPrefix(w string) bool {
	for k := range hyphenated {
		if len(k) > len(w) && strings.HasPrefix(k, w) && k[len(w)] == '-' {
			return true
		}
	}
	return false
}

// typedLit lexes `name(raw text)` after a typed-literal name ('(' right
// after the name, as Kusto requires). The text ends at the first ')'; a
// newline or the end of input before it is an unterminated literal.
func (lx *Lexer) typedLit(start, nameEnd int) (Token, bool) {
	i := nameEnd
	if i >= len(lx.src) || lx.src[i] != '(' {
		return Token{}, false
	}
	open := i
	j := strings.IndexAny(lx.src[open+1:], ")\n")
	if j < 0 || lx.src[open+1+j] == '\n' {
		end := len(lx.src)
		if j >= 0 {
			end = open + 1 + j
		}
		// Not a literal after all when the content starts like an
		// expression spanning lines; let the parser see the tokens.
		if strings.ContainsAny(lx.src[open+1:end], "(") {
			return Token{}, false
		}
		lx.pos = end
		lx.errorf(CodeUnterminated, end, end, "close the literal with ')'",
			"unterminated "+lx.src[start:nameEnd]+"(...) literal: expected ')'")
		return Token{Kind: TokTypedLit, Pos: start, End: end, Text: lx.src[start:end],
			Value: strings.TrimSpace(lx.src[open+1 : end])}, true
	}
	inner := lx.src[open+1 : open+1+j]
	if strings.IndexByte(inner, '(') >= 0 {
		// long(x(...)) is not a literal; the parser reports it.
		return Token{}, false
	}
	end := open + 1 + j + 1
	lx.pos = end
	return Token{Kind: TokTypedLit, Pos: start, End: end, Text: lx.src[start:end],
		Value: strings.TrimSpace(inner)}, true
}
