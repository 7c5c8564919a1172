package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/matrix"
)

// Format is an output format, as a command's flags choose it.
type Format string

const (
	Text Format = "text" // aligned table for people
	JSON Format = "json" // one document for machines
)

// Handler receives a command's results and renders them in one format.
// A command calls the methods for what it produces; a new kind of result
// is a new method, implemented once per format. New is the one place that
// picks the implementation.
type Handler interface {
	// Diff renders the kernels added and removed between two sets.
	Diff(d matrix.Diff) error
	// Derivations renders derive's results, one per input.
	Derivations(rs []Derivation) error
}

// Derivation is one derive result, as the JSON format prints it (one
// object per line, JSON Lines): a distro version and its rule, or an error
// whose first word says its kind ("invalid:", "underivable:").
type Derivation struct {
	Target        string `json:"target"`
	KernelRelease string `json:"kernelrelease"`
	DistroVersion string `json:"distroversion,omitempty"`
	Rule          string `json:"rule,omitempty"`
	Error         string `json:"error,omitempty"`
}

// Options say where and how to render.
type Options struct {
	// TTY says Out is a terminal: JSON is indented for people. Default false:
	// one compact line, which is what jq and GitHub Actions read.
	TTY bool
}

// New returns the Handler for f writing to w.
func New(f Format, w io.Writer, o Options) (Handler, error) {
	switch f {
	case Text:
		return &textHandler{w: w}, nil
	case JSON:
		return &jsonHandler{w: w, tty: o.TTY}, nil
	}
	return nil, fmt.Errorf("output format %q: want %s or %s", f, Text, JSON)
}

// DiffKernel is one kernel of a diff, as the JSON format prints it.
type DiffKernel struct {
	Distribution  string `json:"distribution"`
	DistroVersion string `json:"distroversion"`
	Arch          string `json:"arch"`
	KernelRelease string `json:"kernelrelease"`
	Flavor        string `json:"flavor,omitempty"`
}

// DiffDoc is the JSON document of a diff: {"added": [...], "removed": [...]},
// each list sorted as matrix.Compare sorts it and never null.
type DiffDoc struct {
	Added   []DiffKernel `json:"added"`
	Removed []DiffKernel `json:"removed"`
}

// NewDiffDoc converts a diff to its JSON document.
func NewDiffDoc(d matrix.Diff) DiffDoc {
	return DiffDoc{Added: diffKernels(d.Added), Removed: diffKernels(d.Removed)}
}

func diffKernels(ks []matrixgen.Kernel) []DiffKernel {
	out := make([]DiffKernel, 0, len(ks))
	for _, k := range ks {
		out = append(out, DiffKernel{k.Distribution, k.DistroVersion, string(k.Arch), k.Release, k.Flavor})
	}
	return out
}

type jsonHandler struct {
	w   io.Writer
	tty bool
}

func (h *jsonHandler) encode(v any) error {
	enc := json.NewEncoder(h.w)
	enc.SetEscapeHTML(false)
	if h.tty {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

func (h *jsonHandler) Diff(d matrix.Diff) error { return h.encode(NewDiffDoc(d)) }

// Derivations writes JSON Lines: one compact object per input, so a stream
// of releases can be piped through and read back line by line.
func (h *jsonHandler) Derivations(rs []Derivation) error {
	enc := json.NewEncoder(h.w)
	enc.SetEscapeHTML(false)
	for _, r := range rs {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// Derivations prints an aligned table; a refusal shows "-" as its version
// and the reason in the rule column.
func (h *textHandler) Derivations(rs []Derivation) error {
	tw := tabwriter.NewWriter(h.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tRELEASE\tDISTROVERSION\tRULE")
	for _, r := range rs {
		if r.Error != "" {
			fmt.Fprintf(tw, "%s\t%s\t-\t%s\n", r.Target, r.KernelRelease, r.Error)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Target, r.KernelRelease, r.DistroVersion, r.Rule)
	}
	return tw.Flush()
}

type textHandler struct{ w io.Writer }

// Diff prints one aligned table, grouped by distribution and arch,
// additions before removals within a group, then a count line.
func (h *textHandler) Diff(d matrix.Diff) error {
	type row struct {
		sign string
		k    matrixgen.Kernel
	}
	rows := make([]row, 0, len(d.Added)+len(d.Removed))
	for _, k := range d.Added {
		rows = append(rows, row{"+", k})
	}
	for _, k := range d.Removed {
		rows = append(rows, row{"-", k})
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if c := strings.Compare(a.k.Distribution, b.k.Distribution); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.k.Arch), string(b.k.Arch)); c != 0 {
			return c
		}
		if a.sign != b.sign {
			return strings.Compare(a.sign, b.sign) // "+" sorts before "-"
		}
		return matrixgen.Compare(a.k, b.k)
	})
	tw := tabwriter.NewWriter(h.w, 0, 4, 2, ' ', 0)
	if len(rows) > 0 {
		fmt.Fprintln(tw, "\tDISTRIBUTION\tARCH\tVERSION\tRELEASE")
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.sign, r.k.Distribution, r.k.Arch, r.k.DistroVersion, r.k.Release)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(h.w, "%d added, %d removed\n", len(d.Added), len(d.Removed))
	return err
}

// Count writes "1 build", "2 builds".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// WriteJSONLine prints a compact JSON document and a newline, indented
// when indent is set (a person reading one document on a terminal).
// json.Indent keeps the fields in their order (an any round trip would
// sort them).
func WriteJSONLine(w io.Writer, compact []byte, indent bool) error {
	if indent {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, compact, "", "  "); err == nil {
			compact = pretty.Bytes()
		}
	}
	_, err := w.Write(append(compact, '\n'))
	return err
}
