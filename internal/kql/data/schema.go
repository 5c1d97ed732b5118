package data

import "strings"

// Column is a named, typed column of a schema.
type Column struct {
	Name string
	Type Type
}

// Schema describes a table: its name, ordered columns and the column that
// the query time range (Options.From/To) filters on.
type Schema struct {
	Name    string
	Columns []Column
	// TimeColumn is the datetime column the query API's timespan applies to.
	// Empty means "TimeGenerated" when the table has such a datetime column,
	// and no time filtering otherwise.
	TimeColumn string
}

// Index returns the position of the column named name (case-sensitive, as in
// Kusto), or -1.
func (s *Schema) Index(name string) int {
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return i
		}
	}
	return -1
}

// IndexFold returns the position of the column named name ignoring case, or
// -1; used for "did you mean" hints.
func (s *Schema) IndexFold(name string) int {
	for i := range s.Columns {
		if strings.EqualFold(s.Columns[i].Name, name) {
			return i
		}
	}
	return -1
}

// Column returns the column named name.
func (s *Schema) Column(name string) (Column, bool) {
	if i := s.Index(name); i >= 0 {
		return s.Columns[i], true
	}
	return Column{}, false
}

// TimeColumnIndex returns the index of the effective time column, or -1.
func (s *Schema) TimeColumnIndex() int {
	name := s.TimeColumn
	if name == "" {
		name = "TimeGenerated"
	}
	i := s.Index(name)
	if i < 0 || s.Columns[i].Type != DateTime {
		return -1
	}
	return i
}

// Names returns the column names in order.
func (s *Schema) Names() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

// Clone returns a deep copy of s.
func (s *Schema) Clone() *Schema {
	c := *s
	c.Columns = append([]Column(nil), s.Columns...)
	return &c
}
