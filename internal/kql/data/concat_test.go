package data

import (
	"fmt"
	"testing"
)

// cells renders every cell of v, "null" for nulls.
func cells(v *Vector) string {
	s := ""
	for i := 0; i < v.N; i++ {
		if i > 0 {
			s += ","
		}
		if v.Type != String && v.IsNull(i) {
			s += "null"
			continue
		}
		s += v.Value(i).String()
	}
	return s
}

func longs(xs ...any) *Vector {
	b := NewVectorBuilder(Long, len(xs))
	for _, x := range xs {
		if x == nil {
			b.AppendNull()
		} else {
			b.AppendInt(int64(x.(int)))
		}
	}
	return b.Build()
}

func dictStrings(xs ...string) *Vector {
	b := NewDictBuilder(len(xs))
	for _, x := range xs {
		b.AppendString(x)
	}
	return b.Build()
}

func TestNullAndConstVectors(t *testing.T) {
	for _, ty := range []Type{Bool, Int, Long, Real, Decimal, String, DateTime, TimeSpan, Guid, Dynamic} {
		v := NullVector(ty, 130)
		if v.N != 130 || v.Value(129) != NullValue(ty) || v.Value(0) != NullValue(ty) {
			t.Errorf("NullVector(%v): N=%d last=%v", ty, v.N, v.Value(129))
		}
		if ty != String && v.Nulls.Count() != 130 {
			t.Errorf("NullVector(%v): %d null bits", ty, v.Nulls.Count())
		}
	}
	if got := cells(ConstVector(LongValue(7), 3)); got != "7,7,7" {
		t.Errorf("ConstVector(7) = %s", got)
	}
	if got := cells(ConstVector(StringValue("x"), 2)); got != "x,x" {
		t.Errorf("ConstVector(x) = %s", got)
	}
	if got := cells(ConstVector(BoolValue(true), 2)); got != "true,true" {
		t.Errorf("ConstVector(true) = %s", got)
	}
	if v := ConstVector(DynamicValue([]any{int64(1)}), 2); cells(v) != "[1],[1]" || v.HasNulls() {
		t.Errorf("ConstVector(dynamic) = %s", cells(v))
	}
}

func TestConcatAndAssemble(t *testing.T) {
	// Offsets that are not multiples of 64 exercise the bit copies.
	a := longs(1, nil, 3)
	big := make([]any, 70)
	for i := range big {
		if i%7 == 0 {
			big[i] = nil
		} else {
			big[i] = i
		}
	}
	b := longs(big...)
	got := Concat(Long, []*Vector{a, b, a.Slice(1, 3)})
	want := "1,null,3"
	for _, x := range big {
		want += "," + fmt.Sprint(map[bool]any{true: "null", false: x}[x == nil])
	}
	want += ",null,3"
	if cells(got) != want {
		t.Errorf("Concat:\n got %s\nwant %s", cells(got), want)
	}
	as := Assemble(Long, 8, []*Vector{a, longs(5)}, []int{1, 6})
	if got := cells(as); got != "null,1,null,3,null,null,5,null" {
		t.Errorf("Assemble = %s", got)
	}

	// Dictionary parts with different dictionaries stay encoded, merged.
	s := Assemble(String, 6, []*Vector{dictStrings("x", "y"), dictStrings("y", "z")}, []int{0, 3})
	if !s.IsDict() || cells(s) != "x,y,,y,z," || len(s.Dict) != 4 {
		t.Errorf("Assemble(dict) = %s dict %q", cells(s), s.Dict)
	}
	plain := &Vector{Type: String, N: 2, Strs: []string{"p", "q"}}
	s = Concat(String, []*Vector{dictStrings("x"), plain})
	if s.IsDict() || cells(s) != "x,p,q" {
		t.Errorf("Concat(dict, plain) = %s", cells(s))
	}
	shared := dictStrings("a", "b", "a")
	s = Concat(String, []*Vector{shared, shared.Slice(1, 3)})
	if !s.IsDict() || &s.Dict[0] != &shared.Dict[0] || cells(s) != "a,b,a,b,a" {
		t.Errorf("Concat(shared dict) = %s", cells(s))
	}
}
