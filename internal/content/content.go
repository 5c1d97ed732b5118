// Package content is the product's embedded content: the shipped analytics rules (Azure-Sentinel YAML rule
// format), hunting queries / KQL examples, the default compliance policy and a KQL cheat sheet.
//
// The content is parsed once on first use; every accessor returns copies, so callers may modify what they
// get. A defect in the embedded files is caught by the package tests, never at run time: accessors panic on
// one, as on any other build defect.
package content

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
)

//go:embed rules/*.yaml hunts/*.yaml policy/default.yaml kql-cheatsheet.md
var files embed.FS

type catalog struct {
	rules  []*Rule
	hunts  []*Hunt
	policy *Policy
}

var load = sync.OnceValue(func() *catalog {
	c := &catalog{}
	c.rules = mustParseDir("rules", ParseRule)
	c.hunts = mustParseDir("hunts", ParseHunt)
	raw, err := files.ReadFile("policy/default.yaml")
	if err != nil {
		panic(err)
	}
	if c.policy, err = ParsePolicy(raw); err != nil {
		panic(fmt.Errorf("content: default policy: %w", err))
	}
	return c
})

func mustParseDir[T any](dir string, parse func([]byte) (T, error)) []T {
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		panic(err)
	}
	var out []T
	for _, e := range entries { // fs.ReadDir sorts by name: stable order
		raw, err := files.ReadFile(dir + "/" + e.Name())
		if err != nil {
			panic(err)
		}
		v, err := parse(raw)
		if err != nil {
			panic(fmt.Errorf("content: %s/%s: %w", dir, e.Name(), err))
		}
		out = append(out, v)
	}
	return out
}

// Rules returns the shipped analytics rules, ordered by file name.
func Rules() []*Rule {
	src := load().rules
	out := make([]*Rule, len(src))
	for i, r := range src {
		out[i] = r.clone()
	}
	return out
}

// RuleByID returns a shipped rule by id (case-insensitive).
func RuleByID(id string) (*Rule, bool) {
	for _, r := range load().rules {
		if strings.EqualFold(r.ID, id) {
			return r.clone(), true
		}
	}
	return nil, false
}

// RuleByName returns a shipped rule by display name (case-insensitive).
func RuleByName(name string) (*Rule, bool) {
	for _, r := range load().rules {
		if strings.EqualFold(r.Name, name) {
			return r.clone(), true
		}
	}
	return nil, false
}

// Hunts returns the shipped hunting queries, ordered by file name.
func Hunts() []*Hunt {
	src := load().hunts
	out := make([]*Hunt, len(src))
	for i, h := range src {
		c := *h
		out[i] = &c
	}
	return out
}

// HuntsTagged returns the hunts carrying a tag (the planted story kinds are tags: "password-spray", ...).
func HuntsTagged(tag string) []*Hunt {
	var out []*Hunt
	for _, h := range Hunts() {
		for _, t := range h.Tags {
			if strings.EqualFold(t, tag) {
				out = append(out, h)
				break
			}
		}
	}
	return out
}

// DefaultPolicy returns the default compliance policy.
func DefaultPolicy() *Policy { return load().policy.clone() }

// DefaultPolicyYAML returns the default compliance policy file as shipped (with its comments), for users to
// copy and adapt.
func DefaultPolicyYAML() []byte {
	raw, err := files.ReadFile("policy/default.yaml")
	if err != nil {
		panic(err)
	}
	return raw
}

// CheatSheet returns the KQL cheat sheet (Markdown).
func CheatSheet() string {
	raw, err := files.ReadFile("kql-cheatsheet.md")
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// Coverage maps each MITRE ATT&CK tactic and technique to the names of the rules covering it.
type Coverage struct {
	Tactics    map[string][]string
	Techniques map[string][]string
}

// MITRECoverage summarizes which tactics and techniques a set of rules covers.
func MITRECoverage(rules []*Rule) Coverage {
	c := Coverage{Tactics: map[string][]string{}, Techniques: map[string][]string{}}
	for _, r := range rules {
		for _, t := range r.Tactics {
			c.Tactics[t] = append(c.Tactics[t], r.Name)
		}
		for _, t := range r.RelevantTechniques {
			c.Techniques[t] = append(c.Techniques[t], r.Name)
		}
	}
	for _, m := range []map[string][]string{c.Tactics, c.Techniques} {
		for k := range m {
			sort.Strings(m[k])
		}
	}
	return c
}

func (r *Rule) clone() *Rule {
	c := *r
	c.RequiredDataConnectors = append([]DataConnectorRef(nil), r.RequiredDataConnectors...)
	c.Tactics = append([]string(nil), r.Tactics...)
	c.RelevantTechniques = append([]string(nil), r.RelevantTechniques...)
	c.EntityMappings = append([]EntityMapping(nil), r.EntityMappings...)
	if r.TriggerThreshold != nil {
		v := *r.TriggerThreshold
		c.TriggerThreshold = &v
	}
	if r.CustomDetails != nil {
		c.CustomDetails = map[string]string{}
		for k, v := range r.CustomDetails {
			c.CustomDetails[k] = v
		}
	}
	return &c
}
