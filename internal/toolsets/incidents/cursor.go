package incidents

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// A list_incidents cursor resumes a listing where the previous page stopped, in every workspace at
// once: for each workspace, the page to read again (by $skipToken, or nextLink when the service's
// link has none), how many of its incidents were already shown, and, for the severity order, which
// severity is being read. It also carries the time the listing started (so a relative window does
// not slide between pages) and a digest of the filters, so it cannot be replayed with others.
//
// It is not a security boundary: every request it leads to is rebuilt from the workspaces the
// arguments select (a nextLink must address that workspace's incident list), so an altered cursor
// can at worst skip or repeat incidents. The checksum only turns accidental damage into a clear
// error.

// position is where a workspace's listing resumes.
type position struct {
	Alias string `json:"a"`
	Phase int    `json:"p,omitempty"` // index into the severities being read (severity order)
	Token string `json:"t,omitempty"` // $skipToken of the page to read ("" = first page of the phase)
	Link  string `json:"l,omitempty"` // nextLink of that page when it has no $skipToken
	Index int    `json:"i,omitempty"` // items of that page already consumed
	Done  bool   `json:"x,omitempty"` // nothing left (or the workspace failed)
}

type cursorState struct {
	Version int        `json:"v"`
	Args    string     `json:"h"` // digest of the filters
	Anchor  int64      `json:"n"` // Unix time the listing started
	Top     int        `json:"k"` // $top of the listing, so that pages split as before
	Pos     []position `json:"w"`
}

const cursorVersion = 1

// checksumKey is not a secret (see above): it only makes the checksum specific to these cursors.
const checksumKey = "sentinel-mcp list_incidents cursor v1"

func checksum(payload string) string {
	h := sha256.Sum256([]byte(checksumKey + "\x00" + payload))
	return hex.EncodeToString(h[:6])
}

func encodeCursor(st cursorState) string {
	st.Version = cursorVersion
	b, _ := json.Marshal(st)
	p := base64.RawURLEncoding.EncodeToString(b)
	return p + "." + checksum(p)
}

var errBadCursor = toolkit.ArgError("cursor", "is not a cursor returned by list_incidents (it is damaged or was edited): call list_incidents again without cursor to start from the first page")

func decodeCursor(s string) (cursorState, error) {
	var st cursorState
	p, sum, ok := strings.Cut(strings.TrimSpace(s), ".")
	if !ok || checksum(p) != sum {
		return st, errBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || json.Unmarshal(b, &st) != nil || st.Version != cursorVersion || len(st.Pos) == 0 {
		return st, errBadCursor
	}
	for _, p := range st.Pos {
		if p.Alias == "" || p.Phase < 0 || p.Phase > 3 || p.Index < 0 || p.Index > 1000 {
			return st, errBadCursor
		}
	}
	return st, nil
}

// argsDigest identifies the filters of a listing: the cursor of one listing is refused by another.
// limit and format may change between pages.
func argsDigest(in listIn) string {
	norm := func(ss []string) []string {
		out := make([]string, 0, len(ss))
		for _, s := range ss {
			out = append(out, strings.ToLower(strings.TrimSpace(s)))
		}
		slices.Sort(out)
		return out
	}
	key := struct {
		W, WS, T, St, Sev, Cl []string
		O, A, B, In, Txt, S   string
	}{
		W: norm([]string{in.Workspace}), WS: norm(in.Workspaces), T: norm([]string{in.Tenant}), St: norm(in.Status),
		Sev: norm(in.Severity), Cl: norm(in.Classification), O: strings.ToLower(strings.TrimSpace(in.Owner)),
		A: strings.TrimSpace(in.CreatedAfter), B: strings.TrimSpace(in.CreatedBefore), In: strings.TrimSpace(in.CreatedWithin),
		Txt: strings.ToLower(strings.TrimSpace(in.Search)), S: in.Sort,
	}
	b, _ := json.Marshal(key)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// resumeCursor checks a cursor against the call's arguments and the workspaces they select now.
func resumeCursor(s string, in listIn, aliases []string) (cursorState, error) {
	st, err := decodeCursor(s)
	if err != nil {
		return st, err
	}
	if st.Args != argsDigest(in) {
		return st, toolkit.ArgError("cursor", "was returned by a list_incidents call with other filters: repeat exactly the arguments of that call (only limit and format may change), or drop cursor to start again")
	}
	var have []string
	for _, p := range st.Pos {
		have = append(have, p.Alias)
	}
	slices.Sort(have)
	want := slices.Clone(aliases)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		return st, errors.New("the workspaces these arguments select have changed since the cursor was made (tenant discovery was refreshed): call list_incidents again without cursor")
	}
	if st.Anchor <= 0 || st.Top < 1 || st.Top > 1000 {
		return st, errBadCursor
	}
	return st, nil
}

func (st cursorState) anchor() time.Time { return time.Unix(st.Anchor, 0).UTC() }
