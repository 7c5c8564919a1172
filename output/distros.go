package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/matrixgen/matrixgen"
)

// DistroRow is one distribution as `matrixgen distros` prints it: a row
// of the distribution table (schemas/distros.schema.json).
type DistroRow struct {
	Name           string   `json:"name"`
	Aliases        []string `json:"aliases"`
	OSReleaseIDs   []string `json:"os_release_ids"`
	Versions       []string `json:"versions"`
	Arches         []string `json:"arches"`
	DefaultImage   string   `json:"default_image"`
	HeaderPackages []string `json:"header_packages"`
	Crawled        bool     `json:"crawled"`
	MirrorKeys     []string `json:"mirror_keys"`
}

// DistroRows are the distribution table's rows, in its order; every list
// is non-nil, so JSON has [] rather than null.
func DistroRows() []DistroRow {
	var rows []DistroRow
	for _, d := range matrixgen.Distros() {
		r := DistroRow{
			Name:           d.Name,
			Aliases:        []string{},
			OSReleaseIDs:   nonNil(d.OSReleaseIDs),
			Versions:       nonNil(d.KnownVersions()),
			Arches:         []string{},
			DefaultImage:   d.Image,
			HeaderPackages: nonNil(d.HeaderPackages),
			Crawled:        len(d.Crawl) > 0,
			MirrorKeys:     nonNil(d.MirrorKeys()),
		}
		for _, n := range d.TargetNames() {
			if n != d.Name {
				r.Aliases = append(r.Aliases, n)
			}
		}
		for _, a := range d.Arches {
			r.Arches = append(r.Arches, string(a))
		}
		rows = append(rows, r)
	}
	return rows
}

// nonNil is s, or an empty list where s is nil: JSON's [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WriteDistros prints the distribution table on out: an indented JSON
// array of DistroRows, or an aligned text table with the long version
// lists shortened.
func WriteDistros(out io.Writer, format Format) error {
	rows := DistroRows()
	switch format {
	case JSON:
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case Text:
	default:
		return fmt.Errorf("output format %q: want %s or %s", format, Text, JSON)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tALIASES\tVERSIONS\tARCHES\tDEFAULT IMAGE\tCRAWLED")
	for _, r := range rows {
		crawled := "no"
		if r.Crawled {
			crawled = "yes (" + strings.Join(r.MirrorKeys, ", ") + ")"
		}
		versions := strings.Join(r.Versions, ", ")
		switch n := len(r.Versions); {
		case n == 0:
			versions = "any" // Fedora any number, Flatcar any release
		case n > 6:
			versions = r.Versions[0] + " … " + strings.Join(r.Versions[n-4:], ", ")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, strings.Join(r.Aliases, ", "), versions, strings.Join(r.Arches, ", "), r.DefaultImage, crawled)
	}
	return w.Flush()
}
