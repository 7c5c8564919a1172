package guard

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

// The rules of issue 14, that make a distribution one value:
//   - outside the distribution table (tableFiles), no switch case, ==/!= comparison or
//     map-literal key on a distribution's name: a string literal the table accepts as a
//     distribution ("ubuntu", "ol", "amzn") or one of the root package's constants for them
//     (matrixgen.Ubuntu); read the table instead;
//   - the crawl runner's package (crawlers/) imports no format package: the configurations
//     over formats live in crawlers/distros, and Run is given them;
//   - cmd/ imports no format package (crawlers/deb, crawlers/rpm, crawlers/koji);
//   - outside the root package, no non-empty matrixgen.Kernel{...} literal: a kernel is
//     built by matrixgen.Make, the one constructor (the zero Kernel{} returned with an
//     error is not a kernel). Tests are exempt from all four.

// tableFiles hold the distribution table; they alone may spell names out.
var tableFiles = []string{"distros.go"}

// formatPackages are the repository-format packages.
var formatPackages = []string{module + "/crawlers/deb", module + "/crawlers/rpm", module + "/crawlers/koji", module + "/crawlers/flatcar", module + "/crawlers/fcos"}

// allowedKernelLiterals are files that still build a matrixgen.Kernel by literal, each with
// why, and emptied as they convert (as allowedMutable): the rpm collector's drafts (release
// and header URLs of an index, memoised, each run through Make by the job before it leaves
// the package), and --from-plan entries, which another branch moves to the constructor.
var allowedKernelLiterals = []string{"crawlers/rpm/crawl.go", "matrix/plan.go"}

// distroNames are the spellings the guard treats as a distribution's name.
func distroNames() map[string]bool {
	m := map[string]bool{}
	for _, d := range matrixgen.Distros() {
		for _, n := range d.TargetNames() {
			m[n] = true
		}
	}
	return m
}

// distroConsts are the root package's constants whose value is a distribution's name
// (Ubuntu, Debian, ...), read from its source.
func distroConsts(files []srcFile, names map[string]bool) map[string]bool {
	m := map[string]bool{}
	for _, s := range files {
		if s.dir != "." || s.test {
			continue
		}
		for _, d := range s.f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) && names[stringLit(vs.Values[i])] {
						m[n.Name] = true
					}
				}
			}
		}
	}
	return m
}

func stringLit(e ast.Expr) string {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return ""
	}
	v, err := strconv.Unquote(lit.Value)
	if err != nil {
		return ""
	}
	return v
}

// checkDistros returns every broken rule of the four above in s.
func checkDistros(fset *token.FileSet, s srcFile, names, consts map[string]bool) []finding {
	if s.test {
		return nil
	}
	var out []finding
	add := func(n ast.Node, format string, args ...any) {
		out = append(out, finding{pos: fset.Position(n.Pos()), rule: fmt.Sprintf(format, args...)})
	}
	for _, is := range s.f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		format := slices.ContainsFunc(formatPackages, func(f string) bool { return p == f || strings.HasPrefix(p, f+"/") })
		switch {
		case format && s.dir == "crawlers":
			add(is, "the crawl runner's package imports format package %s: configurations go in crawlers/distros", p)
		case format && s.inCmd():
			add(is, "cmd/ imports format package %s: call a package that owns it", p)
		}
	}
	mg := "" // the local name of the root package in s
	for name, p := range imports(s.f) {
		if p == module {
			mg = name
		}
	}
	// isName: a string literal naming a distribution, or a constant of the root package for one.
	isName := func(e ast.Expr) (string, bool) {
		if v := stringLit(e); names[v] {
			return strconv.Quote(v), true
		}
		switch e := e.(type) {
		case *ast.Ident:
			if s.dir == "." && consts[e.Name] {
				return e.Name, true
			}
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok && mg != "" && x.Name == mg && consts[e.Sel.Name] {
				return mg + "." + e.Sel.Name, true
			}
		}
		return "", false
	}
	table := s.dir == "." && slices.Contains(tableFiles, path.Base(s.rel))
	ast.Inspect(s.f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CaseClause:
			for _, e := range n.List {
				if v, ok := isName(e); ok && !table {
					add(e, "case on the distribution name %s: read the distribution table (distros.go)", v)
				}
			}
		case *ast.BinaryExpr:
			if n.Op != token.EQL && n.Op != token.NEQ {
				return true
			}
			for _, e := range []ast.Expr{n.X, n.Y} {
				if v, ok := isName(e); ok && !table {
					add(e, "comparison with the distribution name %s: read the distribution table (distros.go)", v)
				}
			}
		case *ast.CompositeLit:
			if _, ok := n.Type.(*ast.MapType); ok {
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if v, ok := isName(kv.Key); ok && !table {
							add(kv.Key, "map literal keyed by the distribution name %s: read the distribution table (distros.go)", v)
						}
					}
				}
			}
			if sel, ok := n.Type.(*ast.SelectorExpr); ok && s.dir != "." && len(n.Elts) > 0 && !slices.Contains(allowedKernelLiterals, s.rel) {
				if x, ok := sel.X.(*ast.Ident); ok && mg != "" && x.Name == mg && sel.Sel.Name == "Kernel" {
					add(n, "%s.Kernel literal: build kernels with %s.Make, the one constructor", mg, mg)
				}
			}
		}
		return true
	})
	return out
}

// TestDistributionRules applies checkDistros to every Go file of the module.
func TestDistributionRules(t *testing.T) {
	fset := token.NewFileSet()
	files := parseModule(t, fset, moduleRoot(t))
	names := distroNames()
	consts := distroConsts(files, names)
	if len(consts) < len(matrixgen.Distributions()) {
		t.Fatalf("found constants %v for %d distributions: the guard no longer sees the root package's names", consts, len(matrixgen.Distributions()))
	}
	seen := map[string]bool{}
	for _, s := range files {
		seen[s.rel] = true
		for _, f := range checkDistros(fset, s, names, consts) {
			t.Error(f)
		}
	}
	for _, f := range allowedKernelLiterals {
		if !seen[f] {
			t.Logf("allowedKernelLiterals lists %s, which no longer exists: remove it", f)
		}
	}
}

// TestCheckDistros shows that each rule fires, where, and only where it should.
func TestCheckDistros(t *testing.T) {
	const imp = "import mg \"github.com/matrixgen/matrixgen\"\n"
	tests := []struct {
		name string
		rel  string
		src  string
		want []string // "line: rule prefix"
	}{
		{
			name: "switch on names",
			rel:  "matrix/x.go",
			src:  "package matrix\n" + imp + "func f(d string) {\n\tswitch d {\n\tcase mg.Ubuntu, \"debian\":\n\tcase \"ol\":\n\tcase \"other\":\n\t}\n}\n",
			want: []string{"5: case on the distribution name mg.Ubuntu", "5: case on the distribution name \"debian\"", "6: case on the distribution name \"ol\""},
		},
		{
			name: "comparisons and map keys",
			rel:  "service/x.go",
			src:  "package service\n" + imp + "var m = map[string]string{\"amzn\": \"amazonlinux\", \"x\": \"y\"}\nfunc f(d string) bool { return d == mg.Debian || \"fedora\" != d || d == \"x\" }\n",
			want: []string{"3: map literal keyed by the distribution name \"amzn\"", "4: comparison with the distribution name mg.Debian", "4: comparison with the distribution name \"fedora\""},
		},
		{
			name: "root package constants by bare name",
			rel:  "derive.go",
			src:  "package matrixgen\nfunc f(d string) bool { return d == Ubuntu }\n",
			want: []string{"2: comparison with the distribution name Ubuntu"},
		},
		{
			name: "the table may",
			rel:  "distros.go",
			src:  "package matrixgen\nvar m = map[string]int{\"ubuntu\": 1}\nfunc f(d string) bool { return d == Ubuntu }\n",
		},
		{
			name: "tests may",
			rel:  "matrix/x_test.go",
			src:  "package matrix\nfunc f(d string) bool { return d == \"ubuntu\" }\n",
		},
		{
			name: "names as values are fine",
			rel:  "crawlers/distros/debian.go",
			src:  "package distros\ntype S struct{ MirrorKey string }\nvar s = S{MirrorKey: \"debian\"}\nfunc f() []string { return []string{\"debian\"} }\n",
		},
		{
			name: "runner imports a format",
			rel:  "crawlers/run.go",
			src:  "package crawlers\nimport (\n\t\"github.com/matrixgen/matrixgen/crawlers/deb\"\n\t\"github.com/matrixgen/matrixgen/crawlers/source\"\n)\nvar _ = deb.X\nvar _ = source.X\n",
			want: []string{"3: the crawl runner's package imports format package github.com/matrixgen/matrixgen/crawlers/deb"},
		},
		{
			name: "configurations may import formats",
			rel:  "crawlers/distros/fedora.go",
			src:  "package distros\nimport \"github.com/matrixgen/matrixgen/crawlers/rpm\"\nvar _ = rpm.X\n",
		},
		{
			name: "cmd imports a format",
			rel:  "cmd/matrixgen/resolve.go",
			src:  "package main\nimport \"github.com/matrixgen/matrixgen/crawlers/koji/kojitest\"\nvar _ = kojitest.X\n",
			want: []string{"2: cmd/ imports format package github.com/matrixgen/matrixgen/crawlers/koji/kojitest"},
		},
		{
			name: "kernel literals",
			rel:  "inputs/x.go",
			src:  "package inputs\n" + imp + "func f() (mg.Kernel, []mg.Kernel) {\n\tif true {\n\t\treturn mg.Kernel{}, nil\n\t}\n\treturn mg.Kernel{Release: \"6.1.0\"}, []mg.Kernel{}\n}\n",
			want: []string{"7: mg.Kernel literal: build kernels with mg.Make"},
		},
	}
	names := distroNames()
	consts := map[string]bool{"Ubuntu": true, "Debian": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, tt.rel, tt.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			s := srcFile{rel: tt.rel, dir: path.Dir(tt.rel), test: strings.HasSuffix(tt.rel, "_test.go"), f: f}
			var got []string
			for _, fd := range checkDistros(fset, s, names, consts) {
				got = append(got, fmt.Sprintf("%d: %s", fd.pos.Line, fd.rule))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("finding %d = %q, want prefix %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}
