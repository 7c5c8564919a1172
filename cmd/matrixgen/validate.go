package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/falco"
	"github.com/matrixgen/matrixgen/kernelsfile"
	"github.com/matrixgen/matrixgen/schemas"
)

func newCmdValidate(ios *ioStreams, runF func([]string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Validate kernels.json, crawl output or a matrix against its schema",
		Long: `Detect which file each FILE is (kernels.json, crawl output, Falco's own
list.json, or a matrix), validate it against the JSON Schema in schemas/, and
for kernel files also apply the domain rules the schema cannot express
(duplicates, ".." in releases, unknown targets). Each problem is printed with
its JSON pointer. Exit 1 when any file is invalid.`,
		Example: `  matrixgen validate kernels.json
  matrixgen matrix > m.json && matrixgen validate m.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(args)
			}
			bad := 0
			for _, path := range args {
				kind, err := validateFile(path)
				if err != nil {
					msg := err.Error()
					if !strings.HasPrefix(msg, path+":") { // domain errors already say file:line:col
						msg = path + ": invalid: " + msg
					}
					fmt.Fprintln(ios.ErrOut, msg)
					bad++
					continue
				}
				fmt.Fprintf(ios.Out, "%s: valid %s\n", path, kind)
			}
			if bad > 0 {
				return silentExit(exitFailure)
			}
			return nil
		},
	}
}

func validateFile(path string) (schemas.Kind, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	kind, err := schemas.ValidateAny(data)
	if err != nil {
		return kind, err
	}
	switch kind {
	case schemas.Kernels:
		_, err = kernelsfile.Parse(data, path)
	case schemas.Crawl:
		var probs []falco.Problem
		arch, ok := falco.ArchFromPath(path)
		if !ok {
			arch = matrixgen.X86_64
		}
		_, probs, err = falco.Decode(bytes.NewReader(data), path, arch)
		if err == nil && len(probs) > 0 {
			err = probs[0]
		}
	}
	return kind, err
}
