package posture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
)

// Where policies come from: the built-in baseline, a file of the configured policy directory (the
// only files a tool call may read: a model must not be able to make the server read arbitrary
// paths), inline YAML, or, on the command line, any file the operator names.

// BuiltinPolicy is the name that selects the shipped policy.
const BuiltinPolicy = "built-in"

// MaxPolicyBytes bounds a policy file or inline policy.
const MaxPolicyBytes = 1 << 20

// ErrNoPolicyDir is returned when a policy file is asked for and no policy directory is configured.
var ErrNoPolicyDir = errors.New("no policy directory is configured: set compliance.policy_dir (SENTINEL_COMPLIANCE_POLICY_DIR) to read policy files, or pass the policy inline")

// ResolvePolicy returns the policy a tool call asks for: inline YAML if given, else the file name
// (relative to dir) if given, else fallback (a file name in dir; "" or "built-in" for the shipped
// policy). The second result says where it came from.
func ResolvePolicy(name, inline, dir, fallback string) (*content.Policy, string, error) {
	if strings.TrimSpace(inline) != "" {
		if len(inline) > MaxPolicyBytes {
			return nil, "", fmt.Errorf("the inline policy is %d bytes; at most %d", len(inline), MaxPolicyBytes)
		}
		p, err := content.ParsePolicy([]byte(inline))
		if err != nil {
			return nil, "", fmt.Errorf("the inline policy is not valid: %w", err)
		}
		return p, "inline", nil
	}
	if strings.TrimSpace(name) == "" {
		name = fallback
	}
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, BuiltinPolicy) || strings.EqualFold(name, "default") {
		return content.DefaultPolicy(), BuiltinPolicy, nil
	}
	if dir == "" {
		return nil, "", ErrNoPolicyDir
	}
	path, err := policyPath(dir, name)
	if err != nil {
		return nil, "", err
	}
	p, err := readPolicy(path)
	if err != nil {
		return nil, "", err
	}
	return p, name, nil
}

// policyPath resolves a file name inside dir, refusing anything that would leave it (absolute
// paths, "..", a symbolic link pointing elsewhere).
func policyPath(dir, name string) (string, error) {
	if !filepath.IsLocal(name) {
		return "", fmt.Errorf("policy %q: name a file inside the policy directory (no absolute path, no ..)", name)
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
	default:
		return "", fmt.Errorf("policy %q: policy files end in .yaml, .yml or .json", name)
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("the policy directory %s: %w", dir, err)
	}
	full, err := filepath.EvalSymlinks(filepath.Join(root, name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("policy %q not found in the policy directory%s", name, available(root))
		}
		return "", fmt.Errorf("policy %q: %w", name, err)
	}
	if rel, err := filepath.Rel(root, full); err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("policy %q resolves outside the policy directory", name)
	}
	return full, nil
}

// PolicyFiles lists the policy files of a policy directory.
func PolicyFiles(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".yaml", ".yml", ".json":
			if e.Type().IsRegular() || e.Type()&os.ModeSymlink != 0 {
				names = append(names, e.Name())
			}
		}
	}
	return names
}

// PolicyFileYAML returns the text of a policy file of dir (with its comments), checked as
// ResolvePolicy checks it.
func PolicyFileYAML(dir, name string) (string, error) {
	if dir == "" {
		return "", ErrNoPolicyDir
	}
	path, err := policyPath(dir, name)
	if err != nil {
		return "", err
	}
	if _, err := readPolicy(path); err != nil {
		return "", err
	}
	raw, err := os.ReadFile(path)
	return string(raw), err
}

// available lists the policy files of dir, for the not-found message.
func available(dir string) string {
	names := PolicyFiles(dir)
	if len(names) == 0 {
		return " (it holds no policy files)"
	}
	return " (available: " + capJoin(names, 10) + ")"
}

// LoadPolicyFile reads a policy from any path (the command line's --policy).
func LoadPolicyFile(path string) (*content.Policy, error) {
	return readPolicy(path)
}

func readPolicy(path string) (*content.Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, MaxPolicyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("policy file %s: %w", filepath.Base(path), err)
	}
	if len(raw) > MaxPolicyBytes {
		return nil, fmt.Errorf("policy file %s is larger than %d bytes", filepath.Base(path), MaxPolicyBytes)
	}
	p, err := content.ParsePolicy(raw)
	if err != nil {
		return nil, fmt.Errorf("policy file %s: %w", filepath.Base(path), err)
	}
	return p, nil
}
