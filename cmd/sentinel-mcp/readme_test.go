package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/all"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

const readmePath = "../../README.md"

// generatedSections are the README sections generated from the code.
func generatedSections() map[string]string {
	return map[string]string{
		"config": config.Markdown(),
		"tools":  inventory.Reference(all.Toolsets(), all.Tools(&toolkit.Deps{Config: config.Default()})),
	}
}

// replaceSections replaces the text between <!-- BEGIN GENERATED: name --> and <!-- END GENERATED: name -->.
func replaceSections(doc string, sections map[string]string) (string, error) {
	for name, body := range sections {
		begin := fmt.Sprintf("<!-- BEGIN GENERATED: %s -->\n", name)
		end := fmt.Sprintf("<!-- END GENERATED: %s -->", name)
		i := strings.Index(doc, begin)
		j := strings.Index(doc, end)
		if i < 0 || j < i {
			return "", fmt.Errorf("README.md has no %q ... %q markers", strings.TrimSpace(begin), end)
		}
		doc = doc[:i+len(begin)] + body + doc[j:]
	}
	return doc, nil
}

// TestREADMEGeneratedSectionsAreCurrent fails when the configuration or tool reference in README.md
// differs from what the code generates. Refresh with:
//
//	UPDATE_README=1 go test ./cmd/sentinel-mcp -run TestREADME   (or: go generate ./cmd/sentinel-mcp)
func TestREADMEGeneratedSectionsAreCurrent(t *testing.T) {
	old, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	updated, err := replaceSections(string(old), generatedSections())
	if err != nil {
		t.Fatal(err)
	}
	if updated == string(old) {
		return
	}
	if os.Getenv("UPDATE_README") == "1" {
		if err := os.WriteFile(readmePath, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("README.md updated")
		return
	}
	a, b := strings.Split(string(old), "\n"), strings.Split(updated, "\n")
	line := 0
	for line < len(a) && line < len(b) && a[line] == b[line] {
		line++
	}
	got, want := "", ""
	if line < len(a) {
		got = a[line]
	}
	if line < len(b) {
		want = b[line]
	}
	t.Errorf("README.md generated sections are stale (first difference at line %d):\n  README:    %q\n  generated: %q\nRun: UPDATE_README=1 go test ./cmd/sentinel-mcp -run TestREADME", line+1, got, want)
}
