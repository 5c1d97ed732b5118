package syntax

import (
	"reflect"
	"testing"
)

var nodeType = reflect.TypeOf((*Node)(nil)).Elem()

// children finds the direct child nodes of n by reflection, independently
// of Walk's hand-written switch.
func children(n Node) []Node {
	var out []Node
	var visit func(v reflect.Value, top bool)
	visit = func(v reflect.Value, top bool) {
		switch v.Kind() {
		case reflect.Interface, reflect.Pointer:
			if v.IsNil() {
				return
			}
			if !top && v.Type().Implements(nodeType) {
				out = append(out, v.Interface().(Node))
				return
			}
			visit(v.Elem(), false)
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					visit(v.Field(i), false)
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				visit(v.Index(i), false)
			}
		}
	}
	visit(reflect.ValueOf(n), true)
	return out
}

// checkTree verifies that Walk visits exactly the nodes reflection finds,
// and that every child's span lies within its parent's.
func checkTree(t *testing.T, name, src string, root Node) {
	t.Helper()
	seen := map[Node]bool{}
	Walk(root, func(n Node) bool { seen[n] = true; return true })
	var reach func(n Node)
	found := 0
	reached := map[Node]bool{}
	reach = func(n Node) {
		if reached[n] {
			return // JoinCond.Left/Right alias nodes inside JoinCond.X
		}
		reached[n] = true
		found++
		if !seen[n] {
			t.Errorf("%s: Walk misses %T at %d", name, n, n.Pos())
		}
		if n.Pos() < 0 || n.End() < n.Pos() || n.End() > len(src) {
			t.Errorf("%s: %T has span %d-%d outside the source (%d bytes)", name, n, n.Pos(), n.End(), len(src))
		}
		for _, c := range children(n) {
			if c.Pos() < n.Pos() || c.End() > n.End() {
				t.Errorf("%s: %T %d-%d is outside its parent %T %d-%d", name, c, c.Pos(), c.End(), n, n.Pos(), n.End())
			}
			reach(c)
		}
	}
	reach(root)
	if found != len(seen) {
		t.Errorf("%s: Walk visits %d nodes, reflection finds %d", name, len(seen), found)
	}
}

func TestWalkAndSpans(t *testing.T) {
	qs, _ := loadCorpus(t)
	for _, q := range qs {
		s, _ := Parse(q.Query)
		checkTree(t, q.Path, q.Query, s)
	}
	for _, src := range sampleQueries {
		s, _ := Parse(src)
		checkTree(t, src, src, s)
	}
}

func TestWalkSkipsChildren(t *testing.T) {
	s, _ := Parse("T | where a == 1 and b == 2 | extend c = f(a)")
	var idents []string
	Walk(s, func(n Node) bool {
		if _, ok := n.(*WhereOp); ok {
			return false
		}
		if id, ok := n.(*Ident); ok {
			idents = append(idents, id.Name)
		}
		return true
	})
	want := []string{"T", "c", "f", "a"}
	if !reflect.DeepEqual(idents, want) {
		t.Errorf("idents = %v, want %v", idents, want)
	}
}
