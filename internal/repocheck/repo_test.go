package repocheck

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository's top directory.
const root = "../.."

// packages returns every directory holding non-test Go files.
func packages(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			pkgs[filepath.Dir(path)] = append(pkgs[filepath.Dir(path)], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestEveryPackageHasDocComment(t *testing.T) {
	for dir, files := range packages(t) {
		documented := false
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if af.Doc != nil && strings.TrimSpace(af.Doc.Text()) != "" {
				documented = true
			}
		}
		if !documented {
			t.Errorf("package in %s has no doc comment", dir)
		}
	}
}

// TestNoMachinePaths keeps paths of a developer's machine out of the code.
func TestNoMachinePaths(t *testing.T) {
	forbidden := []string{"/work/main", "/root/", "/home/"}
	for _, files := range packages(t) {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range forbidden {
				if strings.Contains(string(data), p) {
					t.Errorf("%s mentions %q", f, p)
				}
			}
		}
	}
}

// TestDomainPackagesStayInward checks that only the wiring and the CLI know
// every concrete component: domain packages must not import the server.
func TestDomainPackagesStayInward(t *testing.T) {
	for dir, files := range packages(t) {
		if strings.Contains(dir, "cmd/") || strings.Contains(dir, "internal/server") || strings.Contains(dir, "internal/cli") || strings.Contains(dir, "internal/bench") {
			continue
		}
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				if strings.Contains(imp.Path.Value, "/internal/server") || strings.Contains(imp.Path.Value, "/internal/cli") {
					t.Errorf("%s imports %s", f, imp.Path.Value)
				}
			}
		}
	}
}
