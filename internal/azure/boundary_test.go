package azure

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// sdkPrefix is the import path of every Azure SDK for Go module.
const sdkPrefix = "github.com/Azure/azure-sdk-for-go/"

// This package is the product's only door to the Azure SDK (docs/ARCHITECTURE.md): every other
// package, tests included, reaches Azure through a Provider, so credentials, retries, api-versions
// and the secret hygiene of errors and logs are decided in one place. The test reads the imports of
// every Go file of the module.
func TestOnlyThisPackageImportsTheAzureSDK(t *testing.T) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	here := filepath.Dir(self)
	root := filepath.Join(here, "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s: %v", here, err)
	}
	fset := token.NewFileSet()
	files, inside := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		ours := strings.HasPrefix(rel, "internal/azure/")
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, sdkPrefix) {
				continue
			}
			if ours {
				inside++
				continue
			}
			t.Errorf("%s imports %s: only internal/azure may import the Azure SDK; use azure.Provider (ARM, Logs) instead", rel, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk must have seen the module and this package's own SDK imports, or it proves nothing.
	if files < 100 || inside == 0 {
		t.Fatalf("read %d Go files, %d SDK imports inside internal/azure: the walk missed the module", files, inside)
	}
}
