package eval

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// joinKind enumerates Kusto's join flavors.
type joinKind string

const (
	joinInnerUnique joinKind = "innerunique"
	joinInner       joinKind = "inner"
	joinLeftOuter   joinKind = "leftouter"
	joinRightOuter  joinKind = "rightouter"
	joinFullOuter   joinKind = "fullouter"
	joinLeftAnti    joinKind = "leftanti"
	joinRightAnti   joinKind = "rightanti"
	joinLeftSemi    joinKind = "leftsemi"
	joinRightSemi   joinKind = "rightsemi"
)

func parseJoinKind(s string) (joinKind, bool) {
	switch s {
	case "", "innerunique":
		return joinInnerUnique, true
	case "inner":
		return joinInner, true
	case "leftouter", "left":
		return joinLeftOuter, true
	case "rightouter", "right":
		return joinRightOuter, true
	case "fullouter", "outer", "full":
		return joinFullOuter, true
	case "leftanti", "anti", "leftantisemi":
		return joinLeftAnti, true
	case "rightanti", "rightantisemi":
		return joinRightAnti, true
	case "leftsemi", "semi":
		return joinLeftSemi, true
	case "rightsemi":
		return joinRightSemi, true
	}
	return "", false
}

// joinKeys computes a hashable key per row from the key vectors; ok is
// false for rows with a null key (they never match).
type joinKeyer struct {
	vecs []*data.Vector
	buf  []byte
}

func (k *joinKeyer) key(i int) (string, bool) {
	k.buf = k.buf[:0]
	for _, v := range k.vecs {
		val := v.Value(i)
		key, ok := keyOf(val, false)
		if !ok {
			return "", false
		}
		k.buf = append(k.buf, key.k)
		switch key.k {
		case 3, 7:
			k.buf = binary.AppendUvarint(k.buf, uint64(len(key.s)))
			k.buf = append(k.buf, key.s...)
		default:
			k.buf = binary.LittleEndian.AppendUint64(k.buf, uint64(key.i))
		}
	}
	return string(k.buf), true
}

// singleStringKeys returns the rows' keys directly for one string key
// column (no encoding needed).
func keysOf(rc *runCtx, vecs []*data.Vector, n int) ([]string, []bool, error) {
	keys := make([]string, n)
	ok := make([]bool, n)
	if len(vecs) == 1 && vecs[0].Type == data.String {
		v := vecs[0]
		for i := 0; i < n; i++ {
			keys[i], ok[i] = v.Str(i), true
		}
		return keys, ok, nil
	}
	kr := &joinKeyer{vecs: vecs}
	for i := 0; i < n; i++ {
		if i&4095 == 0 {
			if err := rc.check(); err != nil {
				return nil, nil, err
			}
		}
		keys[i], ok[i] = kr.key(i)
	}
	return keys, ok, nil
}

// joinRel joins left and right on key expressions (one per side, pairwise
// equal).
func joinRel(rc *runCtx, sc *scope, kind joinKind, left, right *rel, lkeys, rkeys []expr, lookup bool) (*rel, error) {
	lv := make([]*data.Vector, len(lkeys))
	rv := make([]*data.Vector, len(rkeys))
	for i := range lkeys {
		var err error
		if lv[i], err = evalColumn(rc, sc, left, lkeys[i], false); err != nil {
			return nil, err
		}
		if rv[i], err = evalColumn(rc, sc, right, rkeys[i], false); err != nil {
			return nil, err
		}
	}
	lk, lok, err := keysOf(rc, lv, left.n)
	if err != nil {
		return nil, err
	}
	rk, rok, err := keysOf(rc, rv, right.n)
	if err != nil {
		return nil, err
	}
	if err := rc.charge(int64(right.n)*48, "join"); err != nil {
		return nil, err
	}
	// Hash the right side.
	index := make(map[string][]int32, right.n)
	for i := 0; i < right.n; i++ {
		if rok[i] {
			index[rk[i]] = append(index[rk[i]], int32(i))
		}
	}
	var lpos, rpos []int32
	rightMatched := make([]bool, right.n)
	seenLeft := map[string]bool{}
	// Output rows are charged (and the deadline checked) as they are made:
	// one left row may match every right row, so a many-to-many join can
	// grow by millions of rows between two left rows.
	rowBytes := int64(8*(len(left.cols)+len(right.cols)) + 8)
	charged := 0
	for i := 0; i < left.n; i++ {
		if i&4095 == 0 || len(lpos)-charged >= 65536 {
			if err := rc.check(); err != nil {
				return nil, err
			}
			if err := rc.charge(int64(len(lpos)-charged)*rowBytes, "join"); err != nil {
				return nil, err
			}
			charged = len(lpos)
		}
		var matches []int32
		if lok[i] {
			matches = index[lk[i]]
		}
		switch kind {
		case joinInnerUnique:
			if !lok[i] || seenLeft[lk[i]] {
				continue
			}
			seenLeft[lk[i]] = true
			for _, m := range matches {
				lpos, rpos = append(lpos, int32(i)), append(rpos, m)
			}
		case joinInner:
			for _, m := range matches {
				lpos, rpos = append(lpos, int32(i)), append(rpos, m)
			}
		case joinLeftOuter, joinFullOuter:
			if len(matches) == 0 {
				lpos, rpos = append(lpos, int32(i)), append(rpos, -1)
			}
			for _, m := range matches {
				lpos, rpos = append(lpos, int32(i)), append(rpos, m)
				rightMatched[m] = true
			}
			if lookup && len(matches) > 1 {
				// lookup keeps one row per left row (the dimension is unique).
				lpos, rpos = lpos[:len(lpos)-len(matches)+1], rpos[:len(rpos)-len(matches)+1]
			}
		case joinRightOuter:
			for _, m := range matches {
				lpos, rpos = append(lpos, int32(i)), append(rpos, m)
				rightMatched[m] = true
			}
		case joinLeftAnti:
			if len(matches) == 0 {
				lpos = append(lpos, int32(i))
			}
		case joinLeftSemi:
			if len(matches) > 0 {
				lpos = append(lpos, int32(i))
			}
		case joinRightAnti, joinRightSemi:
			for _, m := range matches {
				rightMatched[m] = true
			}
		}
	}
	if lookup && kind == joinInner {
		// inner lookup keeps one match per left row as well.
		lpos, rpos = dedupeLeft(lpos, rpos)
	}
	switch kind {
	case joinRightOuter, joinFullOuter:
		for m := 0; m < right.n; m++ {
			if !rightMatched[m] {
				lpos, rpos = append(lpos, -1), append(rpos, int32(m))
			}
		}
	case joinLeftAnti, joinLeftSemi:
		return left.keep(nonNil(lpos)), nil
	case joinRightAnti, joinRightSemi:
		var keep []int32
		for m := 0; m < right.n; m++ {
			if rightMatched[m] == (kind == joinRightSemi) {
				keep = append(keep, int32(m))
			}
		}
		return right.keep(nonNil(keep)), nil
	}
	if err := rc.charge(int64(len(lpos)-charged)*rowBytes, "join"); err != nil {
		return nil, err
	}
	// Output: left columns then right columns, duplicates renamed.
	var cols []data.Column
	var lc []lazyCol
	names := map[string]bool{}
	for i, c := range left.schema.Columns {
		cols = append(cols, c)
		lc = append(lc, lazyCol{base: gatherOpt(left.dense(i), lpos)})
		names[c.Name] = true
	}
	var rkeyNames map[string]bool
	if lookup {
		rkeyNames = map[string]bool{}
		for _, k := range rkeys {
			if ce, ok := k.(*colExpr); ok {
				rkeyNames[ce.name] = true
			}
		}
	}
	for i, c := range right.schema.Columns {
		if lookup && rkeyNames[c.Name] {
			continue
		}
		name := uniqueName(c.Name, names)
		names[name] = true
		cols = append(cols, data.Column{Name: name, Type: c.Type})
		lc = append(lc, lazyCol{base: gatherOpt(right.dense(i), rpos)})
	}
	return newRel(left.schema.Name, cols, lc, len(lpos)), nil
}

func dedupeLeft(lpos, rpos []int32) ([]int32, []int32) {
	var l, r []int32
	last := int32(-2)
	for i, p := range lpos {
		if p == last {
			continue
		}
		last = p
		l, r = append(l, p), append(r, rpos[i])
	}
	return l, r
}

func nonNil(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return s
}

// uniqueName returns name, or name1, name2 ... when taken (Kusto's rule for
// duplicate output columns).
func uniqueName(name string, taken map[string]bool) string {
	if !taken[name] {
		return name
	}
	for i := 1; ; i++ {
		n := name + strconv.Itoa(i)
		if !taken[n] {
			return n
		}
	}
}

// gatherOpt gathers cells by position; -1 yields null.
func gatherOpt(v *data.Vector, pos []int32) *data.Vector {
	hasMissing := false
	for _, p := range pos {
		if p < 0 {
			hasMissing = true
			break
		}
	}
	if !hasMissing {
		return v.Gather(pos)
	}
	b := data.NewVectorBuilder(v.Type, len(pos))
	for _, p := range pos {
		if p < 0 {
			b.AppendNull()
		} else {
			b.AppendFrom(v, int(p))
		}
	}
	return b.Build()
}

func joinKeyError(pos int, side string, name string) error {
	return semErr(SemUnknownColumn, pos, name, "join key %s refers to column %q which the %s side does not have", side, name, side)
}

var _ = fmt.Sprintf
