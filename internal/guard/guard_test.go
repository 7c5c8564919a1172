// Package guard holds the tests that keep the module's layering rules (DESIGN.md, issue 6)
// true as the code grows, in the style of golang/vuln's all_test.go: they read every Go file
// of the module with go/parser, so they need no subprocess and no network.
package guard

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/matrixgen/matrixgen"

// allowedMutable lists exported mutable package-level vars the tree may hold: none. Keys
// are "<package dir>.Name" with the root package written "matrixgen". (The ones issue 6
// found are functions or unexported tables now; the build service runs many requests
// in one process.)
var allowedMutable = []string{}

// srcFile is one parsed Go file of the module.
type srcFile struct {
	rel  string // slash path from the module root, e.g. "crawlers/fetch/options.go"
	dir  string // slash dir from the module root, "." for the root package
	test bool   // a _test.go file
	f    *ast.File
}

func (s srcFile) main() bool { return s.f.Name.Name == "main" }

// inCmd reports whether the file is under cmd/, the only tree that may use cobra.
func (s srcFile) inCmd() bool { return s.dir == "cmd" || strings.HasPrefix(s.dir, "cmd/") }

// finding is one broken rule, at file:line.
type finding struct {
	pos  token.Position
	rule string
}

func (f finding) String() string { return fmt.Sprintf("%s:%d: %s", f.pos.Filename, f.pos.Line, f.rule) }

// moduleRoot walks up from the test's directory to the go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// parseModule parses every Go file under root, skipping testdata, hidden and underscore
// directories, as the go command does.
func parseModule(t *testing.T, fset *token.FileSet, root string) []srcFile {
	t.Helper()
	var files []srcFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, rel, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, srcFile{rel: rel, dir: path.Dir(rel), test: strings.HasSuffix(name, "_test.go"), f: f})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files under %s", root)
	}
	return files
}

// imports maps each import's local name in f to its path ("" names dot and blank imports
// by their path's last element, which no selector can use).
func imports(f *ast.File) map[string]string {
	m := map[string]string{}
	for _, is := range f.Imports {
		p, err := strconv.Unquote(is.Path.Value)
		if err != nil {
			continue
		}
		name := path.Base(p)
		if is.Name != nil {
			name = is.Name.Name
		}
		m[name] = p
	}
	return m
}

// check returns every rule s breaks. The rules:
//   - the root package imports nothing of this module (it is the domain; everything imports it);
//   - only cmd/ imports cobra or pflag;
//   - outside package main, no os.Exit, log.Fatal*, log.Panic* or panic (tests may panic);
//   - outside package main and tests, no exported package-level var of map, slice, array,
//     struct, interface or func type: shared mutable state that one request of the build service could change
//     for every other (allowed: the names in allow).
func check(fset *token.FileSet, s srcFile, allow []string) []finding {
	var out []finding
	add := func(n ast.Node, format string, args ...any) {
		out = append(out, finding{pos: fset.Position(n.Pos()), rule: fmt.Sprintf(format, args...)})
	}
	for _, is := range s.f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		if s.dir == "." && !s.test && (p == module || strings.HasPrefix(p, module+"/")) {
			add(is, "root package imports %s: the domain imports nothing of this module", p)
		}
		if !s.inCmd() && (p == "github.com/spf13/cobra" || strings.HasPrefix(p, "github.com/spf13/cobra/") || p == "github.com/spf13/pflag") {
			add(is, "imports %s outside cmd/: only the CLI wiring uses cobra", p)
		}
	}
	if s.main() {
		return out
	}
	names := imports(s.f)
	ast.Inspect(s.f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		switch fn := call.Fun.(type) {
		case *ast.Ident:
			if fn.Name == "panic" && !s.test {
				add(call, "panic outside main: return an error")
			}
		case *ast.SelectorExpr:
			x, ok := fn.X.(*ast.Ident)
			if !ok {
				return true
			}
			switch names[x.Name] {
			case "os":
				if fn.Sel.Name == "Exit" {
					add(call, "os.Exit outside main: return an error that main turns into an exit code")
				}
			case "log":
				if strings.HasPrefix(fn.Sel.Name, "Fatal") || strings.HasPrefix(fn.Sel.Name, "Panic") {
					add(call, "log.%s outside main: return an error", fn.Sel.Name)
				}
			}
		}
		return true
	})
	if s.test {
		return out
	}
	pkg := s.dir
	if pkg == "." {
		pkg = "matrixgen"
	}
	composite := compositeTypes(s.f)
	for _, d := range s.f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !name.IsExported() {
					continue
				}
				var value ast.Expr
				if i < len(vs.Values) {
					value = vs.Values[i]
				}
				kind := mutableKind(vs.Type, value, composite)
				if kind == "" || slices.Contains(allow, pkg+"."+name.Name) {
					continue
				}
				add(name, "exported mutable var %s.%s (%s): make it a function returning a fresh value or an unexported table behind a lookup", pkg, name.Name, kind)
			}
		}
	}
	return out
}

// compositeTypes maps the names of f's own types whose definition is a map, slice, array,
// struct, interface or func to that kind, so "var X T" with such a T is seen as mutable. Types of other files of
// the package are not seen; the rule is syntactic on purpose (no type checker, no build).
func compositeTypes(f *ast.File) map[string]string {
	m := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			if k := typeKind(ts.Type, nil); k != "" {
				m[ts.Name.Name] = k
			}
		}
	}
	return m
}

// typeKind names the mutable kind of a type expression, or "" for anything else.
func typeKind(t ast.Expr, composite map[string]string) string {
	switch t := t.(type) {
	case *ast.MapType:
		return "map"
	case *ast.ArrayType:
		if t.Len == nil {
			return "slice"
		}
		return "array"
	case *ast.StructType:
		return "struct"
	case *ast.InterfaceType:
		return "interface" // any caller can swap the value every other caller uses
	case *ast.FuncType:
		return "func"
	case *ast.StarExpr:
		if k := typeKind(t.X, composite); k != "" {
			return "pointer to " + k
		}
	case *ast.Ident:
		return composite[t.Name]
	}
	return ""
}

// mutableKind names the kind of a var declared with type typ and initial value, or "" when
// neither says map, slice, array or struct. A value built by a call (errors.New, a
// constructor) is not judged: its type is not in the syntax.
func mutableKind(typ, value ast.Expr, composite map[string]string) string {
	if typ != nil {
		return typeKind(typ, composite)
	}
	switch v := value.(type) {
	case *ast.CompositeLit:
		if k := typeKind(v.Type, composite); k != "" {
			return k
		}
		if sel, ok := v.Type.(*ast.SelectorExpr); ok {
			return "composite literal of " + sel.Sel.Name
		}
	case *ast.UnaryExpr:
		if lit, ok := v.X.(*ast.CompositeLit); ok && v.Op == token.AND {
			if k := mutableKind(nil, lit, composite); k != "" {
				return "pointer to " + k
			}
		}
	case *ast.CallExpr:
		if id, ok := v.Fun.(*ast.Ident); ok && id.Name == "make" && len(v.Args) > 0 {
			return typeKind(v.Args[0], composite)
		}
	}
	return ""
}

// TestModuleRules applies check to every Go file of the module.
func TestModuleRules(t *testing.T) {
	fset := token.NewFileSet()
	files := parseModule(t, fset, moduleRoot(t))
	seen := map[string]bool{}
	for _, s := range files {
		if !s.test && !s.main() {
			for _, d := range s.f.Decls {
				if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.VAR {
					for _, spec := range gd.Specs {
						for _, n := range spec.(*ast.ValueSpec).Names {
							pkg := s.dir
							if pkg == "." {
								pkg = "matrixgen"
							}
							seen[pkg+"."+n.Name] = true
						}
					}
				}
			}
		}
		for _, f := range check(fset, s, allowedMutable) {
			t.Error(f)
		}
	}
	// Entries converted already are only logged: the list is emptied after the conversions
	// are merged, and until then a branch may still have them.
	for _, name := range allowedMutable {
		if !seen[name] {
			t.Logf("allowedMutable lists %s, which no longer exists: remove it from the list", name)
		}
	}
}

// TestCheck shows that each rule fires, where, and only where it should.
func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		rel  string
		src  string
		want []string // "line: rule prefix"
	}{
		{
			name: "root imports a package of ours",
			rel:  "kernel.go",
			src:  "package matrixgen\nimport (\n\t\"fmt\"\n\t\"github.com/matrixgen/matrixgen/matrix\"\n)\nvar _ = fmt.Sprint\nvar _ = matrix.X\n",
			want: []string{"4: root package imports github.com/matrixgen/matrixgen/matrix"},
		},
		{
			name: "root test may import ours",
			rel:  "corpus_test.go",
			src:  "package matrixgen_test\nimport \"github.com/matrixgen/matrixgen/falco\"\nvar _ = falco.X\n",
		},
		{
			name: "cobra outside cmd",
			rel:  "matrix/flags.go",
			src:  "package matrix\nimport (\n\t\"github.com/spf13/cobra\"\n\tpf \"github.com/spf13/pflag\"\n)\nvar _ cobra.Command\nvar _ pf.Value\n",
			want: []string{"3: imports github.com/spf13/cobra outside cmd/", "4: imports github.com/spf13/pflag outside cmd/"},
		},
		{
			name: "cobra inside cmd",
			rel:  "cmd/matrixgen/root.go",
			src:  "package main\nimport \"github.com/spf13/cobra\"\nvar X = map[string]*cobra.Command{}\nfunc main() { panic(1) }\n",
		},
		{
			name: "exits and panics outside main",
			rel:  "crawlers/run.go",
			src:  "package crawlers\nimport (\n\t\"log\"\n\tstdos \"os\"\n)\nfunc f() {\n\tstdos.Exit(1)\n\tlog.Fatalf(\"x\")\n\tpanic(\"x\")\n\tlog.Panicln(1)\n\tlog.Printf(\"fine\")\n}\n",
			want: []string{"7: os.Exit outside main", "8: log.Fatalf outside main", "9: panic outside main", "10: log.Panicln outside main"},
		},
		{
			name: "a test may panic but not exit",
			rel:  "crawlers/run_test.go",
			src:  "package crawlers\nimport \"os\"\nfunc f() {\n\tpanic(1)\n\tos.Exit(2)\n}\n",
			want: []string{"5: os.Exit outside main"},
		},
		{
			name: "os.Exit of another package named os",
			rel:  "crawlers/x.go",
			src:  "package crawlers\nimport myos \"example.com/os\"\nfunc f() { myos.Exit(1) }\n",
		},
		{
			name: "exported mutable vars",
			rel:  "crawlers/fetch/options.go",
			src: "package fetch\nimport \"time\"\ntype Table map[string]int\ntype Opts struct{}\n" +
				"var A = map[string]int{}\n" + // 5
				"var (\n\tB = []string{\"x\"}\n\tc = []string{}\n\tD []int\n\tE = &Opts{}\n\tF Table\n\tG = make(map[int]int)\n\tH [4]byte\n\tI = time.Time{}\n\tErrX = fmt.Errorf(\"x\")\n\tJ = 3\n)\n",
			want: []string{
				"5: exported mutable var crawlers/fetch.A (map)",
				"7: exported mutable var crawlers/fetch.B (slice)",
				"9: exported mutable var crawlers/fetch.D (slice)",
				"10: exported mutable var crawlers/fetch.E (pointer to struct)",
				"11: exported mutable var crawlers/fetch.F (map)",
				"12: exported mutable var crawlers/fetch.G (map)",
				"13: exported mutable var crawlers/fetch.H (array)",
				"14: exported mutable var crawlers/fetch.I (composite literal of Time)",
			},
		},
		{
			name: "exported interface and func vars",
			rel:  "crawlers/rpm/match.go",
			src: "package rpm\ntype Matcher interface{ Match(string) bool }\ntype m struct{}\nfunc (m) Match(string) bool { return true }\n" +
				"var Headers Matcher = m{}\n" + // 5
				"var Hook func() int\n" + // 6
				"var Any interface{ M() }\n" + // 7
				"var ErrX error = nil\n" + // 8: an error value is not judged
				"func Livepatches() Matcher { return m{} }\n",
			want: []string{
				"5: exported mutable var crawlers/rpm.Headers (interface)",
				"6: exported mutable var crawlers/rpm.Hook (func)",
				"7: exported mutable var crawlers/rpm.Any (interface)",
			},
		},
		{
			name: "allowed while being converted",
			rel:  "matrix/build.go",
			src:  "package matrix\nvar Presets = map[string]string{}\nvar Other = []int{}\n",
			want: []string{"3: exported mutable var matrix.Other (slice)"},
		},
		{
			name: "root package var is named matrixgen",
			rel:  "arch.go",
			src:  "package matrixgen\nvar Arches = []string{}\nvar More = []string{}\n",
			want: []string{"3: exported mutable var matrixgen.More (slice)"},
		},
		{
			name: "tests and main may hold exported vars",
			rel:  "matrix/build_test.go",
			src:  "package matrix\nvar Cases = []int{1}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, tt.rel, tt.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			s := srcFile{rel: tt.rel, dir: path.Dir(tt.rel), test: strings.HasSuffix(tt.rel, "_test.go"), f: f}
			var got []string
			for _, fd := range check(fset, s, []string{"matrix.Presets", "matrixgen.Arches"}) {
				if fd.pos.Filename != tt.rel {
					t.Errorf("finding names file %q, want %q", fd.pos.Filename, tt.rel)
				}
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
