package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECommandLinesExist checks the command lines the README shows (in sh blocks and in the
// "args" of the client snippets): each names a real command, and every flag it uses is one that
// command documents in its --help. Docs that show a flag the binary does not have cost a user their
// first try.
func TestREADMECommandLinesExist(t *testing.T) {
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	lines := readmeCommandLines(string(b))
	if len(lines) < 10 {
		t.Fatalf("found only %d sentinel-mcp command lines in the README: %q", len(lines), lines)
	}
	helps := map[string]string{}
	flagRE := regexp.MustCompile(`(?:^|\s)(--[a-z][a-z0-9-]*)`)
	for _, line := range lines {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			t.Errorf("README command line without a command: %q", line)
			continue
		}
		cmd := fields[1]
		help, ok := helps[cmd]
		if !ok {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), []string{cmd, "--help"}, &out, &errOut); code != exitOK {
				t.Errorf("README command line %q: `sentinel-mcp %s --help` exits %d: %s", line, cmd, code, errOut.String())
				helps[cmd] = ""
				continue
			}
			help = out.String() + errOut.String()
			helps[cmd] = help
		}
		if help == "" {
			continue
		}
		for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
			if f := m[1]; f != "--help" && !regexp.MustCompile(regexp.QuoteMeta(f)+`\b`).MatchString(help) {
				t.Errorf("README command line %q: sentinel-mcp %s has no flag %s", line, cmd, f)
			}
		}
	}
}

// readmeCommandLines returns the sentinel-mcp command lines of the README's sh blocks (comments cut,
// "go run ./cmd/sentinel-mcp" read as sentinel-mcp) and of the JSON snippets' args arrays.
func readmeCommandLines(readme string) []string {
	var out []string
	inSh := false
	argsRE := regexp.MustCompile(`"args":\s*\[([^\]]*)\]`)
	for _, line := range strings.Split(readme, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```sh"):
			inSh = true
			continue
		case strings.HasPrefix(trimmed, "```"):
			inSh = false
			continue
		}
		if m := argsRE.FindStringSubmatch(line); m != nil {
			var args []string
			for _, a := range strings.Split(m[1], ",") {
				args = append(args, strings.Trim(strings.TrimSpace(a), `"`))
			}
			out = append(out, "sentinel-mcp "+strings.Join(args, " "))
			continue
		}
		if !inSh {
			continue
		}
		if i := strings.Index(trimmed, "#"); i >= 0 {
			trimmed = strings.TrimSpace(trimmed[:i])
		}
		trimmed = strings.Replace(trimmed, "go run ./cmd/sentinel-mcp", "sentinel-mcp", 1)
		if strings.HasPrefix(trimmed, "sentinel-mcp ") {
			out = append(out, trimmed)
		}
	}
	return out
}
