package syntax

// TokenKind classifies a token.
type TokenKind uint8

// Token kinds. Keywords are TokIdent tokens: KQL's keywords are contextual
// (a column may be named kind or type), so the parser decides. Hyphenated
// operator names (mv-expand, project-away ...) and in~ are single TokIdent
// tokens; !has, !contains, !in~ ... are TokBangWord.
const (
	TokEOF      TokenKind = iota
	TokIdent              // name or keyword; $left and $right too
	TokInt                // 12, 0x1F
	TokReal               // 1.5, 1e5, 1.
	TokTimespan           // 1d, 1.5h, 100ms, 10ticks
	TokString             // any string form; Value holds the decoded text
	TokTypedLit           // datetime(...), guid(...), long(...) ...: Value holds the text between the parentheses
	TokBangWord           // !has, !contains_cs, !in, !in~, !between ...
	TokPipe               // |
	TokLParen             // (
	TokRParen             // )
	TokLBracket           // [
	TokRBracket           // ]
	TokLBrace             // {
	TokRBrace             // }
	TokComma              // ,
	TokSemi               // ;
	TokDot                // .
	TokDotDot             // ..
	TokColon              // :
	TokAssign             // =
	TokEq                 // ==
	TokNe                 // !=
	TokLtGt               // <>
	TokLt                 // <
	TokLe                 // <=
	TokGt                 // >
	TokGe                 // >=
	TokEqTilde            // =~
	TokNeTilde            // !~
	TokPlus               // +
	TokMinus              // -
	TokStar               // *
	TokSlash              // /
	TokPercent            // %
	TokArrow              // =>
	TokBang               // ! alone
	TokQuestion           // ?
	TokBad                // a character that starts no token
)

var tokenNames = [...]string{
	TokEOF: "end of query", TokIdent: "name", TokInt: "number", TokReal: "number",
	TokTimespan: "timespan", TokString: "string", TokTypedLit: "literal", TokBangWord: "operator",
	TokPipe: "'|'", TokLParen: "'('", TokRParen: "')'", TokLBracket: "'['", TokRBracket: "']'",
	TokLBrace: "'{'", TokRBrace: "'}'", TokComma: "','", TokSemi: "';'", TokDot: "'.'",
	TokDotDot: "'..'", TokColon: "':'", TokAssign: "'='", TokEq: "'=='", TokNe: "'!='",
	TokLtGt: "'<>'", TokLt: "'<'", TokLe: "'<='", TokGt: "'>'", TokGe: "'>='",
	TokEqTilde: "'=~'", TokNeTilde: "'!~'", TokPlus: "'+'", TokMinus: "'-'", TokStar: "'*'",
	TokSlash: "'/'", TokPercent: "'%'", TokArrow: "'=>'", TokBang: "'!'", TokQuestion: "'?'",
	TokBad: "invalid character",
}

// String describes the kind for messages ("')'", "name", "string" ...).
func (k TokenKind) String() string {
	if int(k) < len(tokenNames) && tokenNames[k] != "" {
		return tokenNames[k]
	}
	return "token"
}

// Token is a lexical token. Pos and End are byte offsets; Text is the
// source text of the token.
type Token struct {
	Kind       TokenKind
	Pos, End   int
	Text       string
	Value      string // TokString: decoded value; TokTypedLit: the text inside the parentheses
	Obfuscated bool   // TokString written h"..." / H'...'
}
