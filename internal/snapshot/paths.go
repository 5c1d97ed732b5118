package snapshot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Folders named by an MCP client are confined to a root (the configured backup.dir): CleanRel refuses
// anything but a plain relative path, checkRel refuses symbolic links and non-directories on the way,
// and every file operation then goes through an os.Root opened at the root, which the operating
// system keeps from escaping it even if the tree changes meanwhile.

// ErrOutsideRoot marks a folder that is not a plain folder under the root.
var ErrOutsideRoot = errors.New("not a folder under the export root")

// CleanRel checks a folder given relative to the root and returns it cleaned ("a/b"; "." for the root
// itself). Absolute paths, ".." segments, backslashes, drive letters and control characters are
// refused.
func CleanRel(rel string) (string, error) {
	rel = strings.TrimSpace(rel)
	bad := func(why string) error { return fmt.Errorf("folder %q: %s: %w", rel, why, ErrOutsideRoot) }
	switch {
	case rel == "":
		return ".", nil
	case len(rel) > 240:
		return "", bad("longer than 240 characters")
	case strings.HasPrefix(rel, "/") || filepath.IsAbs(rel) || filepath.VolumeName(rel) != "":
		return "", bad("absolute paths are not accepted; name a folder relative to the export root")
	case strings.Contains(rel, `\`):
		return "", bad(`use "/" between folder names`)
	case strings.HasPrefix(rel, "~"):
		return "", bad("a home directory is outside the export root")
	}
	var parts []string
	for _, p := range strings.Split(rel, "/") {
		switch p {
		case "", ".":
			continue
		case "..":
			return "", bad(`".." is not accepted`)
		}
		for _, r := range p {
			if r < 0x20 || r == 0x7f || r == ':' {
				return "", bad("a folder name contains a control character or ':'")
			}
		}
		parts = append(parts, p)
	}
	if len(parts) > 8 {
		return "", bad("more than 8 levels deep")
	}
	if len(parts) == 0 {
		return ".", nil
	}
	return path.Join(parts...), nil
}

// checkRel refuses a path under root whose existing components include a symbolic link or a file
// where a folder is expected. It reports whether the full path exists.
func checkRel(root *os.Root, rel string) (bool, error) {
	if rel == "." {
		return true, nil
	}
	parts := strings.Split(rel, "/")
	for i := range parts {
		p := path.Join(parts[:i+1]...)
		fi, err := root.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("folder %q: %w", rel, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return false, fmt.Errorf("folder %q: %s is a symbolic link, which exports do not follow: %w", rel, p, ErrOutsideRoot)
		}
		if !fi.IsDir() {
			return false, fmt.Errorf("folder %q: %s is a file, not a folder", rel, p)
		}
	}
	return true, nil
}

// openRoot opens the root folder, creating it (0700) when create is set.
func openRoot(dir string, create bool) (*os.Root, error) {
	if dir == "" {
		return nil, errors.New("no export root folder is configured (backup.dir)")
	}
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("creating the export folder %s: %w", dir, err)
		}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("the folder %s does not exist", dir)
		}
		return nil, err
	}
	return r, nil
}

// validFile checks a file name listed in a manifest: a plain relative path of one kind folder and a
// .yaml file (a manifest cannot make a restore read another file).
func validFile(name string) error {
	clean, err := CleanRel(name)
	if err != nil || clean != name || clean == "." {
		return fmt.Errorf("file %q is not a plain relative path", name)
	}
	dir, file := path.Split(clean)
	dir = strings.TrimSuffix(dir, "/")
	known := false
	for _, k := range kinds {
		if dir == k.dir {
			known = true
		}
	}
	if !known || !strings.HasSuffix(file, ".yaml") || strings.HasPrefix(file, ".") {
		return fmt.Errorf("file %q is not in a content folder (analytics-rules/..., watchlists/...) or not a .yaml file", name)
	}
	return nil
}
