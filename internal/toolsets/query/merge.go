package query

import (
	"strconv"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// Merging per-workspace results into one table: the attribution columns TenantName and Workspace
// first, then the union of the workspaces' columns in order of first appearance. A column that has
// different types in different workspaces becomes one column per type, named Name_type, as Kusto's
// union names them, so no value is coerced.

const (
	colTenant    = "TenantName"
	colWorkspace = "Workspace"
)

// part is the rows one workspace contributed (ws nil: rows of a cross-workspace query that could
// not be attributed to a workspace).
type part struct {
	ws    *tenancy.Workspace
	cols  []azure.Column
	rows  [][]any // at most the row budget: the rest are only counted
	total int     // rows the workspace returned
}

type colKey struct{ name, typ string }

// merged is the union table and, per part, how many of its rows it holds.
type merged struct {
	table *render.Table
	kept  []int
}

// mergeParts builds the union table keeping at most maxRows rows, shared fairly between the parts
// (every part gets an equal share; what a small part leaves is spread over the larger ones).
func mergeParts(parts []part, maxRows int) merged {
	// Which names carry more than one type?
	types := map[string][]string{}
	var order []colKey
	seen := map[colKey]bool{}
	for _, p := range parts {
		for _, c := range p.cols {
			k := colKey{c.Name, c.Type}
			if seen[k] {
				continue
			}
			seen[k] = true
			order = append(order, k)
			types[c.Name] = append(types[c.Name], c.Type)
		}
	}
	cols := []render.Column{{Name: colTenant, Type: "string"}, {Name: colWorkspace, Type: "string"}}
	taken := map[string]bool{colTenant: true, colWorkspace: true}
	index := map[colKey]int{}
	for _, k := range order {
		name := k.name
		if len(types[k.name]) > 1 {
			name = k.name + "_" + k.typ
		}
		name = unique(name, taken)
		taken[name] = true
		index[k] = len(cols)
		cols = append(cols, render.Column{Name: name, Type: k.typ})
	}

	kept := quotas(parts, maxRows)
	t := &render.Table{Columns: cols}
	for i, p := range parts {
		tenant, alias := "", ""
		if p.ws != nil {
			tenant, alias = p.ws.TenantName, p.ws.Alias
		}
		pos := make([]int, len(p.cols))
		for j, c := range p.cols {
			pos[j] = index[colKey{c.Name, c.Type}]
		}
		for _, r := range p.rows[:kept[i]] {
			row := make([]any, len(cols))
			row[0], row[1] = tenant, alias
			for j, v := range r {
				if j < len(pos) {
					row[pos[j]] = v
				}
			}
			t.Rows = append(t.Rows, row)
		}
		t.Total += p.total
	}
	return merged{table: t, kept: kept}
}

// unique returns name, or name1, name2... when taken (Kusto's rule for duplicate column names).
func unique(name string, taken map[string]bool) string {
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

// quotas shares maxRows between the parts by water-filling: equal shares, then what small parts
// leave goes to the others.
func quotas(parts []part, maxRows int) []int {
	q := make([]int, len(parts))
	left := maxRows
	for left > 0 {
		active := 0
		for i, p := range parts {
			if q[i] < len(p.rows) {
				active++
			}
		}
		if active == 0 {
			break
		}
		share := max(1, left/active)
		for i, p := range parts {
			if left == 0 {
				break
			}
			take := min(share, len(p.rows)-q[i], left)
			if take > 0 {
				q[i] += take
				left -= take
			}
		}
	}
	return q
}

// shownPerPart converts the rows a render kept (the first n of the merged table) into rows per part.
func shownPerPart(kept []int, n int) []int {
	out := make([]int, len(kept))
	for i, k := range kept {
		s := min(k, n)
		out[i] = s
		n -= s
	}
	return out
}
