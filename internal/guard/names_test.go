package guard

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// oneDeclaration lists type names that stand for one idea each (issue 14): each is declared
// (as a defined type; an alias is a second name for the same type, not a second type) in
// at most one package outside tests.
//   - Fetcher: the fetch layer as formats, the runner, resolve and Koji read through it
//     (crawlers/source);
//   - CollisionError: builds of a matrix sharing an artifact name or cache key (matrix);
//     the PR bot's taken branch is a BranchConflictError;
//   - the HTTP stack's ideas, declared in internal/transport only.
var oneDeclaration = []string{
	"Fetcher", "CollisionError", "BranchConflictError",
	"Backoff", "Wait", "TimeoutError", "DeadlineError", "HostError", "GaveUpError",
}

// typeDecls maps each name of oneDeclaration to the packages that declare it.
func typeDecls(files []srcFile) map[string][]string {
	out := map[string][]string{}
	for _, s := range files {
		if s.test {
			continue
		}
		for _, d := range s.f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if ts.Assign.IsValid() || !slices.Contains(oneDeclaration, ts.Name.Name) {
					continue
				}
				if !slices.Contains(out[ts.Name.Name], s.dir) {
					out[ts.Name.Name] = append(out[ts.Name.Name], s.dir)
				}
			}
		}
	}
	return out
}

// TestOneNamePerIdea: no idea of oneDeclaration is declared twice.
func TestOneNamePerIdea(t *testing.T) {
	fset := token.NewFileSet()
	for name, pkgs := range typeDecls(parseModule(t, fset, moduleRoot(t))) {
		if len(pkgs) > 1 {
			t.Errorf("type %s is declared in %d packages (%s): one idea, one declaration; use the one, or name the other idea apart", name, len(pkgs), strings.Join(pkgs, ", "))
		}
	}
}

// networkImports are the imports that give a package network I/O: its own, or through the
// fetch layer it is handed.
var networkImports = []string{"net", "net/http", module + "/crawlers/fetch", module + "/crawlers/source", module + "/crawlers/listing", module + "/internal/transport"}

// TestDocsTellNetworkIO: a package whose doc says it does no network I/O imports nothing
// that does it (issue 14: deb's doc said so while it crawled).
func TestDocsTellNetworkIO(t *testing.T) {
	fset := token.NewFileSet()
	root := moduleRoot(t)
	files := parseModule(t, fset, root)
	claims := map[string]bool{}
	for _, s := range files {
		if s.test {
			continue
		}
		// parseModule drops comments: read the package clause again with its doc.
		f, err := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(s.rel)), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if f.Doc != nil {
			doc := strings.Join(strings.Fields(strings.ToLower(f.Doc.Text())), " ")
			if strings.Contains(doc, "does no network i/o") || strings.Contains(doc, "it does no network") {
				claims[s.dir] = true
			}
		}
	}
	for _, s := range files {
		if s.test || !claims[s.dir] {
			continue
		}
		for _, is := range s.f.Imports {
			if p := strings.Trim(is.Path.Value, `"`); slices.Contains(networkImports, p) {
				t.Errorf("%s: package %s says it does no network I/O, but imports %s", s.rel, s.dir, p)
			}
		}
	}
}
