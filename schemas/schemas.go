package schemas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Kind names one of the file formats matrixgen reads or writes.
type Kind string

const (
	// Kernels is kernels.json, the demand list keyed by architecture.
	Kernels Kind = "kernels"
	// Crawl is the output of `matrixgen crawl`: Falco's list.json shape plus distroversion.
	Crawl Kind = "crawl"
	// FalcoList is Falco kernel-crawler's own list.json, read as input.
	FalcoList Kind = "falco-list"
	// Matrix is the GitHub Actions matrix, {"include": [...]}.
	Matrix Kind = "matrix"
	// Plan is every build of a run with its chunking: `matrix --plan-out`.
	Plan Kind = "plan"
	// Distros is the distribution table: `matrixgen distros --json`.
	Distros Kind = "distros"
)

// Kinds lists every kind, in a fixed order.
func Kinds() []Kind { return []Kind{Kernels, Crawl, FalcoList, Matrix, Plan, Distros} }

var (
	// ErrUnknownKind is returned for a Kind that is none of Kinds().
	ErrUnknownKind = errors.New("unknown schema kind")
	// ErrUnknownFormat is returned by Detect when the document matches none of the kinds;
	// the wrapping error says why.
	ErrUnknownFormat = errors.New("cannot tell which kind of matrixgen file this is")
)

//go:embed *.schema.json
var files embed.FS

// fileName is the schema file of k, or "" for an unknown kind.
func fileName(k Kind) string {
	switch k {
	case Kernels, Crawl, FalcoList, Matrix, Plan, Distros:
		return string(k) + ".schema.json"
	}
	return ""
}

// Schema returns the raw text of kind's schema (a fresh copy), or nil for an unknown kind.
func Schema(kind Kind) []byte {
	name := fileName(kind)
	if name == "" {
		return nil
	}
	b, err := files.ReadFile(name)
	if err != nil { // cannot happen: every kind's file is embedded, and a test checks it
		return nil
	}
	return b
}

// compiled holds one schema, compiled on first use.
type compiled struct {
	once sync.Once
	sch  *jsonschema.Schema
	doc  any // the schema as parsed JSON, to explain violations
	err  error
}

var cache = map[Kind]*compiled{
	Kernels:   {},
	Crawl:     {},
	FalcoList: {},
	Matrix:    {},
	Plan:      {},
	Distros:   {},
}

func load(kind Kind) (*compiled, error) {
	c, ok := cache[kind]
	if !ok {
		return nil, fmt.Errorf("%w %q (want one of %v)", ErrUnknownKind, kind, Kinds())
	}
	c.once.Do(func() { c.sch, c.doc, c.err = compile(kind) })
	return c, c.err
}

// noLoader refuses every URL: all schemas are embedded, so any fetch is a mistake in a
// schema ($ref to a URL we do not hold) and must never reach the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("refusing to load %s: only the embedded schemas are available", url)
}

func compile(kind Kind) (*jsonschema.Schema, any, error) {
	name := fileName(kind)
	raw, err := files.ReadFile(name)
	if err != nil {
		return nil, nil, fmt.Errorf("schemas: read %s: %w", name, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("schemas: parse %s: %w", name, err)
	}
	obj, _ := doc.(map[string]any)
	id, _ := obj["$id"].(string)
	if id == "" {
		return nil, nil, fmt.Errorf("schemas: %s has no $id", name)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	// Draft 2020-12 treats "format" as an annotation unless asked; we want "uri" checked.
	c.AssertFormat()
	c.UseLoader(noLoader{})
	if err := c.AddResource(id, doc); err != nil {
		return nil, nil, fmt.Errorf("schemas: add %s: %w", name, err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		return nil, nil, fmt.Errorf("schemas: compile %s: %w", name, err)
	}
	return sch, doc, nil
}

// Validate checks data against kind's schema. A malformed document gives a
// *jsonpos.Error (line and column) wrapping ErrMalformed, a document that breaks the schema a *ValidationError listing
// every violation with its JSON pointer. The error does not name the file: callers add it.
func Validate(kind Kind, data []byte) error {
	c, err := load(kind)
	if err != nil {
		return err
	}
	v, err := decode(data)
	if err != nil {
		return err
	}
	return c.validate(kind, v)
}

func (c *compiled) validate(kind Kind, v any) error {
	err := c.sch.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("validate against %s: %w", fileName(kind), err)
	}
	return &ValidationError{Kind: kind, Violations: explain(ve, c.doc, v)}
}

// ValidateAny detects the kind of data and validates it as that kind. It returns the
// detected kind even when validation fails, so callers can say what the file was taken for.
func ValidateAny(data []byte) (Kind, error) {
	v, err := decode(data)
	if err != nil {
		return "", err
	}
	kind, err := detect(v)
	if err != nil {
		return "", err
	}
	c, err := load(kind)
	if err != nil {
		return kind, err
	}
	return kind, c.validate(kind, v)
}
