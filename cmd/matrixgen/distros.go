package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
)

type distrosOptions struct {
	io   *ioStreams
	JSON bool
}

func newCmdDistros(ios *ioStreams, runF func(*distrosOptions) error) *cobra.Command {
	opts := &distrosOptions{io: ios}
	cmd := &cobra.Command{
		Use:   "distros [--json]",
		Short: "List the distributions matrixgen supports, as its distribution table says",
		Long: `List every distribution matrixgen builds for, from the one table the whole
program reads (derivation, the consistency rule, targets and filters, crawl,
matrix base images, request-build): its name and the aliases accepted wherever
a distribution is given, its os-release IDs, the distro versions it knows,
the arches it ships, the default build image ({version} is the distro
version), the header packages a build installs ({release} is the kernel
release), and whether crawl reads it and under which --mirror keys.

With --json, an array of objects with the fields name, aliases,
os_release_ids, versions, arches, default_image, header_packages, crawled,
mirror_keys (schemas/distros.schema.json).` + exitCodesHelp(),
		Example: `  matrixgen distros
  matrixgen distros --json | jq -r '.[] | select(.crawled) | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return distrosRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array, one object per distribution")
	return cmd
}

// distroRow is one distribution as `distros` prints it.
type distroRow struct {
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

func distroRows() []distroRow {
	var rows []distroRow
	for _, d := range matrixgen.Distros() {
		r := distroRow{
			Name:           d.Name,
			Aliases:        []string{},
			OSReleaseIDs:   d.OSReleaseIDs,
			Versions:       d.KnownVersions(),
			DefaultImage:   d.Image,
			HeaderPackages: d.HeaderPackages,
			Crawled:        len(d.Crawl) > 0,
			MirrorKeys:     d.MirrorKeys(),
		}
		for _, n := range d.TargetNames() {
			if n != d.Name {
				r.Aliases = append(r.Aliases, n)
			}
		}
		for _, a := range d.Arches {
			r.Arches = append(r.Arches, string(a))
		}
		if r.Versions == nil {
			r.Versions = []string{}
		}
		if r.MirrorKeys == nil {
			r.MirrorKeys = []string{}
		}
		rows = append(rows, r)
	}
	return rows
}

func distrosRun(opts *distrosOptions) error {
	rows := distroRows()
	if opts.JSON {
		enc := json.NewEncoder(opts.io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	w := tabwriter.NewWriter(opts.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tALIASES\tVERSIONS\tARCHES\tDEFAULT IMAGE\tCRAWLED")
	for _, r := range rows {
		crawled := "no"
		if r.Crawled {
			crawled = "yes (" + strings.Join(r.MirrorKeys, ", ") + ")"
		}
		versions := strings.Join(r.Versions, ", ")
		switch n := len(r.Versions); {
		case n == 0:
			versions = "any number"
		case n > 6:
			versions = r.Versions[0] + " … " + strings.Join(r.Versions[n-4:], ", ")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, strings.Join(r.Aliases, ", "), versions, strings.Join(r.Arches, ", "), r.DefaultImage, crawled)
	}
	return w.Flush()
}
