package guard

import (
	"go/ast"
	"go/token"
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
